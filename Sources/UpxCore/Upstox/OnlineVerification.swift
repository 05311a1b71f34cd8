// --verify-online: asking Upstox whether a cached token still works before serving it.

/// Checks cached tokens with the profile request before upx-login serves them.
///
/// It remembers each token Upstox rejected, so that a second look at the same cache in one
/// run (after waiting for the login lock) sends no second request.
final class OnlineVerification {
    let api: UpstoxAPI
    let streams: Streams
    let quiet: Bool
    let log: DebugLog
    private var rejectedTokens: Set<String> = []

    /// Whether Upstox rejected a cached token in this run, so that the login replaces it.
    var rejectedAny: Bool { !rejectedTokens.isEmpty }

    init(api: UpstoxAPI, streams: Streams, quiet: Bool, log: DebugLog) {
        self.api = api
        self.streams = streams
        self.quiet = quiet
        self.log = log
    }

    /// Returns true when Upstox accepts the token of `record`, false when it rejects it, so
    /// that the caller logs in again. Throws `TokenCallFailure` when the check itself fails;
    /// the cache is never changed here.
    func accepts(_ record: TokenRecord, keyName: String) throws -> Bool {
        if rejectedTokens.contains(record.accessToken) { return false }

        let verdict: UpstoxAPI.TokenVerdict
        do {
            verdict = try api.verify(record.accessToken)
        } catch let error as UpstoxError {
            throw TokenCallFailure(
                failure: error,
                keyOutcome: "key \(keyName) kept as it was, not verified (without --verify-online it is used unchecked)")
        }

        switch verdict {
        case .valid:
            log("Upstox accepts the cached token of key \(keyName)")
            return true
        case .invalid(let code, let serverMessage):
            rejectedTokens.insert(record.accessToken)
            if !quiet {
                let reason = serverMessage.isEmpty ? code : "\(code): \(UpstoxError.printable(serverMessage))"
                streams.err("upx-login: Upstox rejected the cached token of key \(keyName) (\(reason)); logging in again\n")
            }
            return false
        }
    }
}

extension LoginCommand {
    /// Returns the checker for --verify-online, or nil without that option.
    static func onlineVerification(
        _ arguments: ParsedArguments, _ configuration: Configuration, _ network: NetworkOptions, _ context: Context,
        log: DebugLog
    ) throws -> OnlineVerification? {
        guard arguments.has("verify-online") else { return nil }
        let quiet = arguments.has("quiet")
        let api = try makeAPI(configuration, network, context, quiet: quiet, log: log)
        return OnlineVerification(api: api, streams: context.streams, quiet: quiet, log: log)
    }
}
