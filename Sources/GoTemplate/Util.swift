import GoFmt

@inline(__always) func goQuote(_ s: String) -> String { GoQuote.quote(s) }
@inline(__always) func isPrintScalar(_ s: Unicode.Scalar) -> Bool { GoQuote.isPrint(s) }
