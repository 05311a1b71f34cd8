// The contract every area's error type follows, so that all tools report errors alike.

/// An error a tool reports as one line on stderr and turns into an exit code.
///
/// `message` says what failed, on what, why, and the fix, without the program name,
/// which the runner adds. It never contains a secret or a token.
public protocol ToolError: Error {
    var exitCode: ExitCode { get }
    var message: String { get }
}

/// Errors in the command line itself: exit 2, with a pointer to --help.
public enum UsageError: ToolError, Equatable {
    case unknownOption(String)
    case missingValue(option: String)
    case unexpectedValue(option: String)
    case invalidValue(option: String, value: String, reason: String)
    case unexpectedArgument(String)
    case missingArgument(String)
    case conflictingOptions(String, String)
    /// The first option works only together with the second.
    case requiresOption(String, String)

    public var exitCode: ExitCode { .usage }

    public var message: String {
        switch self {
        case .unknownOption(let option):
            "unknown option '\(option)'"
        case .missingValue(let option):
            "option '\(option)' requires a value"
        case .unexpectedValue(let option):
            "option '\(option)' takes no value"
        case .invalidValue(let option, let value, let reason):
            "invalid value '\(value)' for '\(option)': \(reason)"
        case .unexpectedArgument(let argument):
            "unexpected argument '\(argument)'"
        case .missingArgument(let name):
            "missing argument \(name)"
        case .conflictingOptions(let first, let second):
            "options '\(first)' and '\(second)' cannot be used together"
        case .requiresOption(let option, let required):
            "option '\(option)' requires '\(required)'"
        }
    }
}
