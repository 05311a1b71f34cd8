// Failures of the login and of the API calls around it.

/// A failed request to Upstox, naming the login step.
public enum UpstoxError: ToolError {
    /// The server judged a request and refused it with an error code.
    case refused(step: LoginStep, code: String, serverMessage: String, httpStatus: Int)
    /// A 5xx reply, or a 404 or 405 where the path must exist, with the body's error code.
    case serverFault(step: LoginStep, httpStatus: Int, code: String, serverMessage: String)
    /// HTTP 429 without a body code.
    case tooManyRequests(step: LoginStep, retryAfterSeconds: Int?)
    /// A reply upx cannot use: wrong status, not JSON, empty, cut short, or missing a field.
    case badReply(step: LoginStep, reason: String)
    /// No reply at all.
    case network(step: LoginStep, reason: String)
    /// Neither revision of a step exists on the server.
    case noRevision(step: LoginStep)
    /// A base URL or redirect that upx will not use.
    case unsafeURL(name: String, url: String, reason: String)

    public var exitCode: ExitCode {
        switch self {
        case .refused(_, let code, let serverMessage, _):
            if Self.saysLocked(serverMessage) { return .rateLimited }
            return ErrorCodes.lookup(code)?.exitCode ?? .authenticationRefused
        case .serverFault: return .network
        case .tooManyRequests: return .rateLimited
        case .badReply, .network, .noRevision: return .network
        case .unsafeURL: return .badInput
        }
    }

    public var message: String {
        switch self {
        case .refused(let step, let code, let serverMessage, _) where Self.saysLocked(serverMessage):
            return "\(step.label) refused by Upstox: the account is locked (\(code): \(Self.printable(serverMessage))); "
                + "unlock it in the Upstox app or web login before running upx-login again"
        case .serverFault(let step, let status, let code, let serverMessage):
            return "\(step.label) failed: Upstox answered HTTP \(status) (\(code): \(Self.printable(serverMessage))); try again later"
        case .refused(let step, let code, let serverMessage, _):
            let shown = Self.printable(serverMessage)
            guard let known = ErrorCodes.lookup(code) else {
                return "\(step.label) refused by Upstox: \(code) \(shown)"
            }
            return "\(step.label) refused by Upstox: \(known.meaning) (\(code): \(shown)); \(known.hint)"
        case .tooManyRequests(let step, let retryAfter):
            let wait = retryAfter.map { "wait \($0) s" } ?? "wait a minute"
            return "\(step.label) rate-limited by Upstox (HTTP 429); \(wait) and try again"
        case .badReply(let step, let reason):
            return "\(step.label) failed: \(reason)"
        case .network(let step, let reason):
            return "\(step.label) failed: \(reason); check the network and the base URLs"
        case .noRevision(let step):
            return "\(step.label) failed: the server has no known revision of this step (HTTP 404); upx may need an update"
        case .unsafeURL(let name, let url, let reason):
            return "invalid \(name) '\(url)': \(reason)"
        }
    }

    /// Returns whether a refusal reports a locked account, which no retry can fix.
    static func saysLocked(_ serverMessage: String) -> Bool {
        // The whole word: "OTP generation blocked" is a wait, not a lock.
        serverMessage.lowercased().split(whereSeparator: { !$0.isLetter }).contains("locked")
    }

    /// Cuts a server's message to one line of printable text, at most 200 characters.
    static func printable(_ text: String) -> String {
        let line = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return line.count > 200 ? String(line.prefix(200)) + "..." : line
    }
}
