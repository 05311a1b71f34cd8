// Failures of the login and of the API calls around it.

import FoundationEssentials

/// A failed request to Upstox, naming the login step.
public enum UpstoxError: ToolError {
    /// The server judged a request and rejected it with an error code.
    case rejected(step: LoginStep, code: String, serverMessage: String, httpStatus: Int)
    /// A rejection that lasts until a known time, given as local clock text such as `14:42 IST (about 10 minutes)`.
    case rejectedUntil(step: LoginStep, code: String, serverMessage: String, retryTime: String)
    /// A 5xx reply, or a 404 or 405 where the path must exist, with the body's error code.
    case serverFault(step: LoginStep, httpStatus: Int, code: String, serverMessage: String)
    /// A rate limit (HTTP 429 or UDAPI10005) on the last of `attempts` attempts.
    case tooManyRequests(step: LoginStep, httpStatus: Int, retryAfterSeconds: Int?, attempts: Int)
    /// A reply upx cannot use: wrong status, not JSON, empty, cut short, or missing a field.
    case badReply(step: LoginStep, reason: String)
    /// No reply at all.
    case network(step: LoginStep, reason: String)
    /// No reply before the connect or total timeout ran out.
    case timedOut(step: LoginStep, limit: ExceededTimeout)
    /// Neither revision of a step exists on the server.
    case noRevision(step: LoginStep)
    /// A base URL or redirect that upx will not use.
    case unsafeURL(name: String, url: String, reason: String)

    public var exitCode: ExitCode {
        switch self {
        case .rejected(_, let code, let serverMessage, _):
            if Self.saysLocked(serverMessage) { return .rateLimited }
            return ErrorCodes.lookup(code)?.exitCode ?? .authenticationRejected
        case .rejectedUntil(_, let code, _, _):
            return ErrorCodes.lookup(code)?.exitCode ?? .authenticationRejected
        case .serverFault: return .network
        case .tooManyRequests: return .rateLimited
        case .badReply, .network, .timedOut, .noRevision: return .network
        case .unsafeURL: return .badInput
        }
    }

    /// The login step that failed, or nil for an error found before any request.
    var step: LoginStep? {
        switch self {
        case .rejected(let step, _, _, _), .rejectedUntil(let step, _, _, _), .serverFault(let step, _, _, _),
             .tooManyRequests(let step, _, _, _), .badReply(let step, _), .network(let step, _), .timedOut(let step, _),
             .noRevision(let step):
            step
        case .unsafeURL:
            nil
        }
    }

    /// Whether the PIN may have reached Upstox without a reply that shows how it was judged, so
    /// a wrong PIN may have been counted. A connect timeout sent nothing; a refused connection
    /// cannot be distinguished from a reset, so it counts.
    var leavesPINOutcomeUnknown: Bool { pinFailureDetail != nil }

    /// The failure of a PIN request whose outcome is unknown, in words, or nil for any other failure.
    /// Both revisions replying 404 should mean that no PIN was judged, but the PIN did reach
    /// Upstox twice, so that counts as unknown too.
    private var pinFailureDetail: String? {
        switch self {
        case .rejected(.pinVerify, let code, let serverMessage, _)
            where code != ErrorCodes.incorrectPIN && !Self.saysLocked(serverMessage):
            "Upstox answered \(code) \(Self.printable(serverMessage))"
        case .rejectedUntil(.pinVerify, let code, let serverMessage, _):
            "Upstox answered \(code) \(Self.printable(serverMessage))"
        case .serverFault(.pinVerify, let status, let code, let serverMessage):
            "Upstox answered HTTP \(status) (\(code): \(Self.printable(serverMessage)))"
        case .tooManyRequests(.pinVerify, let status, _, _):
            "rate-limited by Upstox (\(status == 429 ? "HTTP 429" : ErrorCodes.tooManyRequests))"
        case .badReply(.pinVerify, let reason), .network(.pinVerify, let reason):
            reason
        case .timedOut(.pinVerify, .total(let seconds)):
            "no reply within \(seconds) s (--timeout)"
        case .noRevision(.pinVerify):
            "the server has no known revision of this step (HTTP 404)"
        default:
            nil
        }
    }

    /// The error code from the server's reply, when there is one.
    var serverCode: String? {
        switch self {
        case .rejected(_, let code, _, _), .rejectedUntil(_, let code, _, _), .serverFault(_, _, let code, _): code
        default: nil
        }
    }

    public var message: String {
        if let detail = pinFailureDetail { return Self.pinOutcomeMessage(detail) }
        switch self {
        case .rejected(let step, let code, let serverMessage, _) where Self.saysLocked(serverMessage):
            return "\(step.label) rejected by Upstox: the account is locked (\(code): \(Self.printable(serverMessage))); "
                + "unlock it in the Upstox app or web login before running upx-login again"
        case .serverFault(let step, let status, let code, let serverMessage):
            return "\(step.label) failed: Upstox answered HTTP \(status) (\(code): \(Self.printable(serverMessage))); try again later"
        case .rejected(let step, let code, let serverMessage, _):
            let shown = Self.printable(serverMessage)
            guard let known = ErrorCodes.lookup(code) else {
                return "\(step.label) rejected by Upstox: \(code) \(shown)"
            }
            return "\(step.label) rejected by Upstox: \(known.meaning) (\(code): \(shown)); \(known.hint)"
        case .rejectedUntil(let step, let code, let serverMessage, let retryTime):
            let meaning = ErrorCodes.lookup(code)?.meaning ?? "rejected"
            return "\(step.label) rejected by Upstox: \(meaning) (\(code): \(Self.printable(serverMessage))); "
                + "try again after \(retryTime)"
        case .tooManyRequests(let step, let status, let retryAfter, let attempts):
            return Self.rateLimitMessage(step: step, httpStatus: status, retryAfterSeconds: retryAfter, attempts: attempts)
        case .badReply(let step, let reason):
            return "\(step.label) failed: \(reason)"
        case .network(let step, let reason):
            return "\(step.label) failed: \(reason); check the network and the base URLs"
        case .timedOut(let step, .connect(let seconds)):
            return "\(step.label) failed: no connection within \(seconds) s (--connect-timeout); "
                + "check the network and the base URLs, or allow more time with --connect-timeout"
        case .timedOut(let step, .total(let seconds)):
            return "\(step.label) failed: no reply within \(seconds) s (--timeout); "
                + "Upstox may be slow or down: try again later, or allow more time with --timeout"
        case .noRevision(let step):
            return "\(step.label) failed: the server has no known revision of this step (HTTP 404); upx may need an update"
        case .unsafeURL(let name, let url, let reason):
            return "invalid \(name) '\(url)': \(reason)"
        }
    }

    /// Builds the error for a reply that carries a server error code, with the time to try
    /// again, in `timeZone`, for the codes that block for a while.
    ///
    /// A 5xx status or a missing path is a server or protocol fault whatever code the body
    /// has, because Upstox reuses codes such as UDAPI100500 for its own failures.
    static func failure(
        step: LoginStep, serverError: (code: String, message: String), status: Int, now: Date,
        timeZone: any LocalTimeZone
    ) -> UpstoxError {
        let (code, message) = serverError
        if status >= 500 || ProtocolTable.fallbackStatuses.contains(status) {
            return .serverFault(step: step, httpStatus: status, code: code, serverMessage: message)
        }
        if let retryTime = ErrorCodes.retryTime(for: code, now: now, timeZone: timeZone) {
            return .rejectedUntil(step: step, code: code, serverMessage: message, retryTime: retryTime)
        }
        return .rejected(step: step, code: code, serverMessage: message, httpStatus: status)
    }

    /// Words a PIN request that failed without a clear reply. Trying again later could send a
    /// wrong PIN once more, so the advice is to check it first.
    private static func pinOutcomeMessage(_ detail: String) -> String {
        "\(LoginStep.pinVerify.label) failed: \(detail); Upstox may have counted the PIN, so logins of this account "
            + "wait for a forced one: check UPSTOX_PIN_CODE, then log in once with --force"
    }

    private static func rateLimitMessage(step: LoginStep, httpStatus: Int, retryAfterSeconds: Int?, attempts: Int) -> String {
        let source = httpStatus == 429 ? "HTTP 429" : ErrorCodes.tooManyRequests
        let tries = attempts > 1 ? " on all \(attempts) attempts" : ""
        let advice: String
        if let retryAfter = retryAfterSeconds, Double(retryAfter) > RetryPolicy.maximumWait {
            // Retry-After may be a date, so the wait is shown as a duration rather than the header's text.
            let more = Double(retryAfter) >= RetryAfter.maximumSeconds ? " or more" : ""
            advice = "Upstox's Retry-After asks for a wait of \(DurationText.format(Int64(retryAfter)))\(more), "
                + "longer than the \(Int(RetryPolicy.maximumWait)) s upx-login waits by itself; try again after that"
        } else if let retryAfter = retryAfterSeconds {
            advice = "wait \(retryAfter) s and try again"
        } else {
            advice = "wait a minute and try again"
        }
        return "\(step.label) rate-limited by Upstox (\(source))\(tries); \(advice)"
    }

    /// Returns whether a rejection reports a locked account, which no retry can fix.
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
