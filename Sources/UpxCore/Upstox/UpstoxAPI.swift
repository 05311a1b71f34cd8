// The API calls that take an access token: the profile, which shows whether the token still
// works, and logout, which ends it.

import FoundationEssentials

/// Calls on the api host that an access token authorizes.
///
/// The token goes only into the `Authorization` header, which no log line or error shows.
public final class UpstoxAPI {
    let sender: RequestSender
    let apiBaseURL: String
    let timeZone: any LocalTimeZone

    /// The server's verdict on a token.
    public enum TokenVerdict: Equatable, Sendable {
        case valid
        /// Unknown, revoked or expired (HTTP 401 or UDAPI100050), with the server's code and message.
        case invalid(code: String, serverMessage: String)
    }

    /// - Parameters:
    ///   - retryPolicy: both calls judge no credential, so transient failures and rate limits are retried.
    ///   - log: receives one line per request for --debug.
    public init(
        transport: any HTTPTransport, apiBaseURL: String, retryPolicy: RetryPolicy, clock: any WallClock,
        timeZone: any LocalTimeZone = SystemTimeZone(), log: @escaping (String) -> Void
    ) {
        self.sender = RequestSender(transport: transport, policy: retryPolicy, clock: clock, log: log)
        self.apiBaseURL = apiBaseURL
        self.timeZone = timeZone
    }

    /// Asks `GET /v2/user/profile` whether `token` still works.
    public func verify(_ token: String) throws -> TokenVerdict {
        try call(.profile, method: "GET", path: ProtocolTable.profilePath, token: token)
    }

    /// Ends `token` with `DELETE /v2/logout`. Returns `.invalid` when the server no longer
    /// accepted the token, so there was nothing left to end.
    public func logout(_ token: String) throws -> TokenVerdict {
        try call(.logout, method: "DELETE", path: ProtocolTable.logoutPath, token: token)
    }

    private func call(_ step: LoginStep, method: String, path: String, token: String) throws -> TokenVerdict {
        let headers = [("accept", "application/json"), ("authorization", "Bearer " + token)]
        let reply = try sender.send(step) {
            HTTPRequest(method: method, url: apiBaseURL + path, headers: headers, usesCookies: false)
        }

        // A 401 means the token is not accepted, whatever the body looks like.
        let serverError = JSONValue.parse(reply.body).flatMap(LoginClient.serverError(in:))
        if reply.status == 401 || serverError?.code == ErrorCodes.invalidToken {
            return .invalid(code: serverError?.code ?? "HTTP 401", serverMessage: serverError?.message ?? "")
        }

        let json = try LoginClient.json(from: reply, step: step)
        if let error = LoginClient.serverError(in: json) {
            throw UpstoxError.failure(
                step: step, serverError: error, status: reply.status, now: sender.clock.now(), timeZone: timeZone)
        }
        try LoginClient.checkStatus(reply, step: step)
        return .valid
    }
}

/// A profile or logout request that failed, and what became of the cached key.
public struct TokenCallFailure: ToolError {
    public let failure: UpstoxError
    /// The fate of the cached key and the user's next step: `key upx:work kept, not verified`.
    public let keyOutcome: String

    public var exitCode: ExitCode { failure.exitCode }
    public var message: String { failure.message + "; " + keyOutcome }
}

extension LoginCommand {
    /// Makes the client for the calls that take a token, with the hosts of `configuration`.
    static func makeAPI(
        _ configuration: Configuration, _ network: NetworkOptions, _ context: Context, quiet: Bool, log: DebugLog
    ) throws -> UpstoxAPI {
        let hosts = try LoginSettings.hosts(from: configuration)
        log(network.summary)
        return UpstoxAPI(
            transport: context.makeTransport(network.timeouts), apiBaseURL: hosts.api,
            retryPolicy: network.retryPolicy(context, quiet: quiet), clock: context.clock, log: log.write)
    }
}
