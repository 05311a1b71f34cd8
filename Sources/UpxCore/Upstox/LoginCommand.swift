// upx-login: serve the cached token or log in, keep the token in the keyring, print it for shells.

import FoundationEssentials

/// The upx-login tool, callable with an injected context.
public enum LoginCommand {
    /// A cached token with at least this many seconds left is served without a login.
    public static let minimumValiditySeconds: Int64 = 300

    public static let info = ToolInfo(
        name: "upx-login",
        summary: """
            Log in to Upstox without a browser and keep the access token in the Linux kernel keyring.
            A token cached in the keyring with more than 5 minutes left is used without any request.
            Typical use: eval "$(upx-login --export)"
            """,
        usage: [
            "[--export | --print] [--profile NAME] [--env-file PATH] [--force] [--verify-online] [--debug] [--quiet]",
            "--logout [--profile NAME] [--env-file PATH]",
            "--check-config [--profile NAME] [--env-file PATH]", "--list-profiles",
        ],
        options: [
            OptionSpec("export", short: "e", help: "print shell commands that export the token and its expiry"),
            OptionSpec("print", short: "p", help: "print the bare access token"),
            OptionSpec("profile", short: "P", value: "NAME", help: "account profile; names the key upx:NAME and the env file (default: default)"),
            OptionSpec("env-file", value: "PATH", help: "read credentials from this env file instead of the profile's (also UPSTOX_ENV_FILE)"),
            OptionSpec("check-config", help: "show each setting, its source and whether it is valid, masked; send no request"),
            OptionSpec("list-profiles", help: "list the profiles that have an env file, and their cached tokens"),
            OptionSpec("force", short: "f", help: "log in even when a valid token is cached"),
            OptionSpec("verify-online", help: "ask Upstox whether the cached token still works before using it; log in again if not"),
            OptionSpec("logout", help: "revoke the cached token at Upstox and remove its key (exit 1 when none is cached)"),
            OptionSpec("connect-timeout", value: "DURATION", help: "maximum time to connect, per request (default 10s; also UPX_CONNECT_TIMEOUT)"),
            OptionSpec("timeout", value: "DURATION", help: "maximum time of each request, connecting included (default 30s; also UPX_TIMEOUT)"),
            OptionSpec("retries", value: "N", help: "retry a rate-limited or failed request up to N times where safe (default 2; also UPX_RETRIES)"),
            OptionSpec("debug", short: "d", help: "print each request with its timing on stderr (also UPSTOX_DEBUG=1)"),
            OptionSpec("quiet", short: "q", help: "print nothing on stderr but errors"),
        ],
        details: """
            Credentials, each looked up in this order until one source has it:
              1. the environment: NAME, then NAME_FILE (a file holding the value), then
                 NAME_CMD (a command printing it, such as pass show upstox/pin)
              2. $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)
              3. the env file: --env-file, else UPSTOX_ENV_FILE, else the profile's
                 ${XDG_CONFIG_HOME:-~/.config}/upx/PROFILE.env; the default profile
                 then also reads ./.env. NAME, NAME_FILE and NAME_CMD work there too.
            Env files and NAME_FILE files must be yours and closed to group and others.

              UPSTOX_USERNAME        10-digit mobile number
              UPSTOX_PIN_CODE        6-digit PIN
              UPSTOX_TOTP_SECRET     base32 TOTP secret
              UPSTOX_CLIENT_ID       app client id (API key)
              UPSTOX_CLIENT_SECRET   app client secret
              UPSTOX_REDIRECT_URI    app redirect URI
              UPSTOX_PASSWORD        accepted but unused: the login never sends it
              UPSTOX_SLEEP_TIME      milliseconds to wait between requests (default 0)
              UPSTOX_DEBUG=1         same as --debug
              UPSTOX_API_BASE_URL, UPSTOX_SERVICE_BASE_URL   hosts (plain http only on loopback)
              UPSTOX_COUNTRY_ISD_CODE  dialling code sent by the 2026 login (default +91)
              UPX_PROFILE            same as --profile
              UPX_CMD_TIMEOUT        seconds a NAME_CMD command may run (default 30)
            Every credential is checked before the first request, so a typo never spends
            one of the five PIN attempts. --check-config exits 0 when a login could start,
            else 3.

            Retries and timeouts: a DURATION is seconds or digits with units, such as 45, 30s or
            1m30s, from 1s to 1h. A rate limit (HTTP 429 or UDAPI10005) is retried after the server's
            Retry-After, else after a backoff of 0.5-1 s, then 1-2 s, and so on; a Retry-After of more
            than 60 s ends the run at once. The PIN request is never retried. No reply or an HTTP 5xx
            is retried only on the steps that judge no credential: the authorization dialog, the
            OAuth approval, and the profile and logout requests. A rejected credential is never
            retried. --retries 0 turns retries off.

            The token is kept as key upx:PROFILE in the user keyring (keyctl show @u), readable by
            your processes only, and expires with the token at 03:30 IST.
            """
    )

    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        if arguments.has("export") && arguments.has("print") {
            throw UsageError.conflictingOptions("--export", "--print")
        }
        try checkLogoutConflicts(arguments)
        if let extra = arguments.operands.first { throw UsageError.unexpectedArgument(extra) }
        if arguments.has("list-profiles") { return listProfiles(context) }
        let network = try NetworkOptions.parse(arguments, environment: context.environment)

        let profile = try Profiles.name(option: arguments.value("profile"), environment: context.environment)
        let keyName = "upx:\(profile)"
        let configuration = try Configuration(context: context, profile: profile, envFileOption: arguments.value("env-file"))
        if arguments.has("check-config") {
            let check = ConfigCheck(configuration: configuration, profile: profile, keyName: keyName)
            return check.run(keyring: context.keyring, streams: context.streams) ? .success : .badInput
        }
        let log = DebugLog(enabled: arguments.has("debug") || context.debugFromEnvironment, streams: context.streams)
        if arguments.has("logout") {
            return try logOut(profile: profile, keyName: keyName, configuration, network, arguments, context, log: log)
        }

        let verification = try onlineVerification(arguments, configuration, network, context, log: log)
        if try serveCached(keyName, arguments, context, log: log, verification: verification) { return .success }

        // Concurrent runs wait here for the first one, then find its token in the cache.
        let lock = try LoginLock(profile: profile, environment: context.environment)
        defer { withExtendedLifetime(lock) {} }
        if try serveCached(keyName, arguments, context, log: log, verification: verification) { return .success }

        try context.keyring.checkWritable(name: keyName, payloadSize: 2048)
        let record = try logIn(context, configuration, network: network, quiet: arguments.has("quiet"), log: log)
        let timeout = UInt32(clamping: max(record.secondsLeft(at: context.clock.now()), 1))
        let keyID = try context.keyring.store(name: keyName, payload: record.encoded(), timeoutSeconds: timeout)
        log("stored key \(keyName) (id \(keyID)) in the user keyring, timeout \(timeout) s")

        write(record, keyName: keyName, reused: false, arguments, context)
        return .success
    }

    /// Prints the cached token and returns true when it may be served: no --force, valid for
    /// more than the minimum, and accepted by Upstox when `verification` is given (--verify-online).
    static func serveCached(
        _ keyName: String, _ arguments: ParsedArguments, _ context: Context, log: DebugLog,
        verification: OnlineVerification? = nil
    ) throws -> Bool {
        guard !arguments.has("force"), let cached = try cachedRecord(keyName, context) else { return false }
        if let verification, try !verification.accepts(cached, keyName: keyName) { return false }
        log("using the cached token of key \(keyName), valid for \(cached.secondsLeft(at: context.clock.now())) s")
        write(cached, keyName: keyName, reused: true, arguments, context)
        return true
    }

    /// Returns the cached record when it is valid for more than the minimum, else nil.
    static func cachedRecord(_ keyName: String, _ context: Context) throws -> TokenRecord? {
        guard let payload = try context.keyring.read(name: keyName),
              let record = TokenRecord.decode(payload) else { return nil }
        return record.secondsLeft(at: context.clock.now()) > minimumValiditySeconds ? record : nil
    }

    /// Runs the six steps with the configured credentials and returns the new record.
    static func logIn(
        _ context: Context, _ configuration: Configuration, network: NetworkOptions = NetworkOptions(), quiet: Bool,
        log: DebugLog
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
            log: log.write)
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
            expiresAt: Int64(expiry.timeIntervalSince1970.rounded(.down)))
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

    /// Prints the token as asked on stdout and a summary on stderr.
    static func write(_ record: TokenRecord, keyName: String, reused: Bool, _ arguments: ParsedArguments, _ context: Context) {
        if arguments.has("export") {
            context.streams.out("""
                export UPSTOX_ACCESS_TOKEN=\(posixQuoted(record.accessToken))
                export UPSTOX_TOKEN_EXPIRES_AT=\(record.expiresAt)
                export UPSTOX_USER_ID=\(posixQuoted(record.userID))

                """)
        } else if arguments.has("print") {
            context.streams.out(record.accessToken + "\n")
        }
        guard !arguments.has("quiet") else { return }

        let left = formatDuration(record.secondsLeft(at: context.clock.now()))
        let how = reused ? "using the cached token of" : "logged in as"
        let user = UpstoxError.printable(record.userName), userID = UpstoxError.printable(record.userID)
        context.streams.err(
            "upx-login: \(how) \(user) (\(userID)); key \(keyName) in the user keyring, valid for \(left)\n")
    }
}

/// Seconds as `7h 05m` or `4m 10s`.
public func formatDuration(_ seconds: Int64) -> String {
    let value = max(seconds, 0)
    let hours = value / 3600, minutes = (value % 3600) / 60, rest = value % 60
    if hours > 0 { return "\(hours)h \(String(minutes).leftPadded(to: 2))m" }
    return "\(minutes)m \(String(rest).leftPadded(to: 2))s"
}
