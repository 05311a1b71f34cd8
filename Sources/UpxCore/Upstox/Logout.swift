// upx-login --logout: end the cached token at Upstox, then remove its key.

extension LoginCommand {
    /// Ends the profile's cached token with `DELETE /v2/logout` and removes its key.
    ///
    /// Returns `.negative` (exit 1) when nothing is cached, the exit status of every
    /// "nothing cached" result. The key is removed once Upstox has ended the token or reports
    /// that it no longer accepts it. On any other failure the key stays, so that --logout can
    /// be run again.
    static func logOut(
        _ cache: TokenCache, _ configuration: Configuration, _ network: NetworkOptions,
        _ arguments: ParsedArguments, _ context: Context, audit: LoginAudit, log: DebugLog
    ) throws -> ExitCode {
        let quiet = arguments.has("quiet")
        let profile = cache.profile, keyName = cache.keyName, keyring = cache.keyring
        let report = { (line: String) in
            if !quiet { context.streams.err("upx-login: \(line)\n") }
        }

        guard let payload = try keyring.read(name: keyName) else {
            context.streams.err("upx-login: no cached token for profile \(profile): no key \(keyName) in the \(cache.kind.displayName)\n")
            return .negative
        }
        guard let record = TokenRecord.decode(payload) else {
            _ = try keyring.remove(name: keyName)
            report("removed key \(keyName), which held no readable token, so there was nothing to revoke")
            return .success
        }
        if record.secondsLeft(at: context.clock.now()) <= 0 {
            _ = try keyring.remove(name: keyName)
            report("the token of key \(keyName) had already expired; removed the key")
            return .success
        }

        let verdict: UpstoxAPI.TokenVerdict
        do {
            let api = try makeAPI(configuration, network, context, quiet: quiet, log: log)
            verdict = try api.logout(record.accessToken)
        } catch let error as UpstoxError {
            let failure = TokenCallFailure(
                failure: error,
                keyOutcome: "key \(keyName) kept, so that --logout can be tried again "
                    + "('upx-login --purge' removes keys without revoking their tokens)")
            var event = AuditEvent(outcome: "logout-failure", profile: profile, keyring: cache.kind.rawValue, record: record)
            event.exitStatus = failure.exitCode.rawValue
            audit.record(event, at: context.clock.now())
            throw failure
        }

        _ = try keyring.remove(name: keyName)
        audit.record(AuditEvent(outcome: "logout", profile: profile, keyring: cache.kind.rawValue, record: record),
                     at: context.clock.now())
        let user = record.printableUser
        switch verdict {
        case .valid:
            report("logged out \(user): Upstox revoked the token; removed key \(keyName)")
        case .invalid:
            report("Upstox no longer accepted the token of \(user), so it was already revoked or expired; removed key \(keyName)")
        }
        return .success
    }
}
