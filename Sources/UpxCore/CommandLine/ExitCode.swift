// The exit codes shared by all four tools, and the table each --help prints.

/// Process exit status of every upx tool; scripts may rely on these numbers.
public enum ExitCode: Int32, Sendable, CaseIterable {
    case success = 0
    /// A negative answer: expired, mismatch, findings, nothing cached.
    case negative = 1
    case usage = 2
    /// Bad input or configuration: a malformed secret, token, URI or file, or a missing credential.
    case badInput = 3
    case authenticationRejected = 4
    case network = 5
    case keyring = 6
    /// Rate-limited by upx or Upstox, or the account is locked.
    case rateLimited = 7
    /// `upx-login --exec` found the command but could not run it, as env(1) reports.
    case commandNotExecutable = 126
    /// `upx-login --exec` did not find the command, as env(1) reports.
    case commandNotFound = 127

    /// One-line meaning, as printed in the help table.
    public var meaning: String {
        switch self {
        case .success: "success"
        case .negative: "negative answer: expired, mismatch, findings, nothing cached"
        case .usage: "usage error: unknown option, missing or extra argument"
        case .badInput: "bad input or configuration: malformed secret, token, URI or file, missing credential, unwritable output"
        case .authenticationRejected: "authentication rejected by Upstox"
        case .network: "network or protocol error"
        case .keyring: "kernel keyring error"
        case .rateLimited: "rate-limited or locked out"
        case .commandNotExecutable: "upx-login --exec: the command was found but could not be run"
        case .commandNotFound: "upx-login --exec: the command was not found"
        }
    }

    /// The exit-status section of every tool's help.
    public static var helpTable: String {
        var lines = ["Exit status:"]
        for code in allCases {
            lines.append("  \(code.rawValue)  \(code.meaning)")
        }
        return lines.joined(separator: "\n")
    }
}
