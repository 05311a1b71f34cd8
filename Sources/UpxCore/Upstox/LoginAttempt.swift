// One network login of upx-login: the keyring and rate-limit checks, the six steps, and the
// record they produce.

import FoundationEssentials

extension LoginCommand {
    /// Checks the keyring, upx's own rate limit and the account's stops, runs the login, and
    /// audits a failure.
    static func logIn(
        _ cache: TokenCache, _ configuration: Configuration, _ network: NetworkOptions, _ arguments: ParsedArguments,
        _ context: Context, audit: LoginAudit, log: DebugLog
    ) throws -> TokenRecord {
        let useKeyring = !arguments.has("no-keyring")
        let force = arguments.has("force")
        var event = AuditEvent(outcome: "failure", profile: cache.profile, keyring: useKeyring ? cache.kind.rawValue : "none")
        let now = CalendarTime.wholeSeconds(context.clock.now())
        let requestID = LoginClient.newRequestID()
        var limit: LoginRateLimit?
        var stops: AccountStops?
        var accountLock: LoginLock?
        defer { withExtendedLifetime(accountLock) {} }
        do {
            if useKeyring {
                try cache.keyring.checkWritable(name: cache.keyName, payloadSize: 2048)
                limit = LoginRateLimit(keyring: cache.keyring, profile: cache.profile)
            } else {
                limit = LoginRateLimit(folder: try LoginLock.privateFolder(context.environment), profile: cache.profile)
            }
            if !force { try limit?.check(at: now) }
            let guards = LoginGuards(
                beforeFirstRequest: { credentials in
                    let account = AccountStops(
                        folder: try AccountStops.folder(context.environment), mobileNumber: credentials.mobileNumber)
                    // A login of another profile of this account waits here, then finds the stop this one leaves.
                    accountLock = try LoginLock(path: account.lockPath, variable: AccountStops.stateFolderVariable)
                    stops = account
                    if !force { try account.check(profile: cache.profile, at: now) }
                    // Counted once the settings are read, so a configuration error costs none of
                    // the logins the limit allows.
                    try limit?.recordStart(at: now)
                },
                beforePIN: {
                    do {
                        try stops?.recordPINSent(at: now, profile: cache.profile)
                    } catch let error as StopFileError {
                        throw LoginLimitError.stopUnwritable(profile: cache.profile, path: error.path, reason: error.reason)
                    }
                },
                afterPIN: {
                    // The OTP and PIN steps both passed, so neither stop applies any longer.
                    try? limit?.recordSuccess(at: now)
                    try? stops?.clear()
                })
            let record = try logIn(
                context, configuration, network: network, requestID: requestID, quiet: arguments.has("quiet"), log: log,
                guards: guards)
            return record
        } catch let error as ToolError {
            // A rejection by upx before the first request has no request id worth looking up.
            event.requestID = requestID
            if let rejection = error as? LoginLimitError, rejection.sentNothing { (event.outcome, event.requestID) = ("rejected", nil) }
            if let failure = error as? UpstoxError {
                event.errorCode = failure.serverCode
                recordStops(after: failure, limit: limit, stops: stops, profile: cache.profile, at: now, context)
            }
            event.exitStatus = error.exitCode.rawValue
            audit.record(event, at: context.clock.now())
            throw error
        }
    }

    /// Remembers what a failed login means for the next ones: a rejected PIN or blocked OTP
    /// generation. A PIN without a clear reply was marked before it was sent, and the mark is
    /// taken back when the PIN never left. The account's stop file is what stops the next
    /// login, so a failure to write it is a warning. The copy in the profile's limit record is
    /// for --status.
    private static func recordStops(
        after failure: UpstoxError, limit: LoginRateLimit?, stops: AccountStops?, profile: String, at now: Int64,
        _ context: Context
    ) {
        do {
            switch failure {
            case .rejected(let step, let code, let serverMessage, _)
                where code == ErrorCodes.incorrectPIN || (step == .pinVerify && UpstoxError.saysLocked(serverMessage)):
                try? limit?.recordPINRejection(at: now)
                try stops?.recordPINRejection(at: now, profile: profile)
            case .rejectedUntil(_, ErrorCodes.otpGenerationBlocked, _, _):
                try? limit?.recordOTPBlock(at: now)
                try stops?.recordOTPBlock(at: now)
            default:
                if failure.step == .pinVerify && !failure.leavesPINOutcomeUnknown { try stops?.withdrawPINSent(at: now) }
            }
        } catch {
            let reason = (error as? ToolError)?.message ?? "\(error)"
            context.streams.err("upx-login: warning: the outcome of this login could not be recorded, so the next run "
                + "may send the same PIN again; check UPSTOX_PIN_CODE first (\(reason))\n")
        }
    }

    /// The calls a login makes around its requests to keep upx's own limits and the account's stops.
    struct LoginGuards {
        /// Called with the checked settings before the first request.
        var beforeFirstRequest: (LoginCredentials) throws -> Void = { _ in }
        /// Called just before the PIN is sent; a throw ends the login with no PIN sent.
        var beforePIN: () throws -> Void = {}
        /// Called once Upstox has accepted the PIN.
        var afterPIN: () -> Void = {}
    }

    /// Reads the settings, runs the six steps with the configured credentials and `guards`,
    /// and returns the new record.
    static func logIn(
        _ context: Context, _ configuration: Configuration, network: NetworkOptions = NetworkOptions(),
        requestID: String, quiet: Bool, log: DebugLog, guards: LoginGuards
    ) throws -> TokenRecord {
        let credentials = try LoginSettings.credentials(from: configuration)
        if let debug = try LoginSettings.optional("UPSTOX_DEBUG", from: configuration), LoginSettings.debugFlag(debug) == true {
            log.enabled = true
        }
        let hosts = try LoginSettings.hosts(from: configuration)
        let countryCode = try LoginSettings.optional("UPSTOX_COUNTRY_ISD_CODE", from: configuration)
            ?? ProtocolTable.defaultCountryISDCode
        let pause = try LoginSettings.optional("UPSTOX_SLEEP_TIME", from: configuration).flatMap(LoginSettings.sleepMilliseconds) ?? 0
        if !quiet, let password = try configuration.value(LoginSettings.unusedName) {
            context.streams.err(
                "upx-login: note: UPSTOX_PASSWORD from \(password.source) is not used, because the login never sends a password; remove it\n")
        }

        log(network.summary)
        let flow = LoginFlow(
            transport: context.makeTransport(network.timeouts), hosts: hosts, credentials: credentials,
            countryISDCode: countryCode, pauseMilliseconds: pause,
            retryPolicy: network.retryPolicy(context, quiet: quiet), clock: context.clock,
            makeTOTPCode: { try LoginSettings.totpCode(credentials.totpSecret, at: context.clock.now()) },
            requestID: requestID, log: log.write)
        flow.beforePIN = guards.beforePIN
        flow.afterPIN = guards.afterPIN
        try guards.beforeFirstRequest(credentials)
        let grant = try flow.run()
        try checkToken(grant.accessToken)

        let issuedAt = context.clock.now()
        let expiry = TokenExpiry.expiry(claimedExpiry: LoginSettings.claimedExpiry(of: grant.accessToken), issuedAt: issuedAt)
        guard expiry > issuedAt else {
            throw UpstoxError.badReply(
                step: .tokenExchange, reason: "the new token had already expired; check the system clock (timedatectl)")
        }
        return TokenRecord(
            accessToken: grant.accessToken, extendedToken: grant.extendedToken,
            userID: grant.userID, userName: grant.userName,
            issuedAt: Int64(issuedAt.timeIntervalSince1970.rounded(.down)),
            expiresAt: Int64(expiry.timeIntervalSince1970.rounded(.down)),
            clientID: credentials.clientID, requestID: requestID)
    }

    /// Rejects a token that is not a compact JWT, so that nothing a server sends can reach a
    /// shell's eval or a terminal as anything but base64url text.
    static func checkToken(_ token: String) throws {
        let allowed = token.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard allowed, token.utf8.count <= 16_384 else {
            throw UpstoxError.badReply(step: .tokenExchange, reason: "the access token is not a JWT (unexpected characters)")
        }
    }
}
