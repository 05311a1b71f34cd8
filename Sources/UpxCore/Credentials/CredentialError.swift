// Failures reading or validating credentials; messages name the variable and its source, never its value.

/// A credential that is missing, malformed, or kept in an unsafe file.
public enum CredentialError: ToolError, Equatable {
    /// A credential no source has; `places` are the env files that were searched.
    case missing(name: String, places: [String])
    case commandFailed(name: String, reason: String)
    case invalid(name: String, source: String, reason: String)
    case malformedFile(path: String, line: Int, reason: String)
    case unreadableFile(path: String, reason: String)
    /// A file whose mode lets group or others in, which `upx-perm --fix` closes.
    case unsafeFile(path: String, reason: String)
    /// A file that upx-perm cannot fix, such as one owned by another user.
    case unusableFile(path: String, reason: String, remedy: String)

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        switch self {
        case .missing(let name, let places):
            "missing credential \(name): set it, \(name)_FILE or \(name)_CMD in the environment"
                + (places.isEmpty ? "" : " or in " + places.joined(separator: " or "))
                + " (upx-login --check-config lists every source)"
        case .commandFailed(let name, let reason):
            "\(name)_CMD failed: \(reason)"
        case .invalid(let name, let source, let reason):
            "invalid \(name) from \(source): \(reason)"
        case .malformedFile(let path, let line, let reason):
            "\(path):\(line): \(reason)"
        case .unreadableFile(let path, let reason):
            "cannot read \(path): \(reason)"
        case .unsafeFile(let path, let reason):
            "cannot use \(path): \(reason) (run: upx-perm --fix \(shellWord(path)))"
        case .unusableFile(let path, let reason, let remedy):
            "cannot use \(path): \(reason) (\(remedy))"
        }
    }
}
