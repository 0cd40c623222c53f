import Engine

/// Whether an action failed because its chart did not render (a template error or a render
/// limit): the operator reports these as `RenderFailed` on the HelmRelease.
public func isRenderFailure(_ error: any Error) -> Bool { error is RenderError }
