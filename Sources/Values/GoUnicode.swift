extension Unicode.Scalar {
    /// Go's unicode.IsLetter: general category L.
    public var isGoLetter: Bool {
        if isASCII { return (self >= "a" && self <= "z") || (self >= "A" && self <= "Z") }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Go's unicode.IsDigit: general category Nd.
    public var isGoDigit: Bool {
        if isASCII { return self >= "0" && self <= "9" }
        return properties.generalCategory == .decimalNumber
    }
}
