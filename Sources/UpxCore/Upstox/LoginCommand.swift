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
            "[--export [--shell SHELL] | --print | --json | --format FORMAT] [--profile NAME] [--env-file PATH] [--force] [--debug] [--quiet]",
            "[OPTIONS] --exec [--] COMMAND [ARGUMENT...]", "[OPTIONS] exec [--] COMMAND [ARGUMENT...]",
            "--check-config [--profile NAME] [--env-file PATH]", "--list-profiles",
        ],
        options: [
            OptionSpec("export", short: "e", help: "print shell commands that export the token and its expiry (--format export)"),
            OptionSpec("shell", value: "SHELL", help: "write --export for sh, bash, zsh, fish or csh (tcsh) (default: the parent process's shell)"),
            OptionSpec("print", short: "p", help: "print the bare access token (--format token)"),
            OptionSpec("json", help: "print the token record as one JSON object (--format json)"),
            OptionSpec("format", value: "FORMAT", help: "stdout format: export, env (KEY=VALUE lines), json or token"),
            OptionSpec("exec", help: "run COMMAND in place of upx-login, with the token in its environment"),
            OptionSpec("profile", short: "P", value: "NAME", help: "account profile; names the key upx:NAME and the env file (default: default)"),
            OptionSpec("env-file", value: "PATH", help: "read credentials from this env file instead of the profile's (also UPSTOX_ENV_FILE)"),
            OptionSpec("check-config", help: "show each setting, its source and whether it is valid, masked; send no request"),
            OptionSpec("list-profiles", help: "list the profiles that have an env file, and their cached tokens"),
            OptionSpec("force", short: "f", help: "log in even when a valid token is cached"),
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

            The token is kept as key upx:PROFILE in the user keyring (keyctl show @u), readable by
            your processes only, and expires with the token at 03:30 IST.

            Output (nothing on stdout unless asked, and nothing at all on failure):
              --export   UPSTOX_ACCESS_TOKEN, UPSTOX_TOKEN_EXPIRES_AT (Unix seconds) and UPSTOX_USER_ID
                         as commands for the shell that runs upx-login, found from the parent
                         process's name; POSIX export lines for any name but fish, csh and tcsh:
                           bash, zsh, sh:  eval "$(upx-login --export)"
                           fish:           upx-login --export | source
                           csh, tcsh:      eval "`upx-login --export`"
              --format env  the same variables as KEY=VALUE lines, for systemd's EnvironmentFile=
                         and docker --env-file
              --json     profile, key, keyring, key_id, source (cache or login), user_id, user_name,
                         access_token, extended_token, issued_at, expires_at, seconds_left
            --exec runs COMMAND with upx-login's environment plus the three variables and without
            UPSTOX_PIN_CODE, UPSTOX_TOTP_SECRET, UPSTOX_CLIENT_SECRET, UPSTOX_PASSWORD and their
            _FILE and _CMD forms. COMMAND replaces upx-login, so its exit status and signals are
            its own; upx-login exits 127 when COMMAND is not found and 126 when it cannot run.
            """,
        stopAtFirstOperand: true
    )

    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        // Output options are checked here, so a usage error costs no request; write reads them again.
        _ = try LoginOutputRequest(arguments)
        if arguments.has("list-profiles") { return listProfiles(context) }

        let profile = try Profiles.name(option: arguments.value("profile"), environment: context.environment)
        let keyName = "upx:\(profile)"
        let configuration = try Configuration(context: context, profile: profile, envFileOption: arguments.value("env-file"))
        if arguments.has("check-config") {
            let check = ConfigCheck(configuration: configuration, profile: profile, keyName: keyName)
            return check.run(keyring: context.keyring, streams: context.streams) ? .success : .badInput
        }
        let log = DebugLog(enabled: arguments.has("debug") || context.debugFromEnvironment, streams: context.streams)

        if try serveCached(keyName, arguments, context, log: log) { return .success }

        // Concurrent runs wait here for the first one, then find its token in the cache.
        let lock = try LoginLock(profile: profile, environment: context.environment)
        defer { withExtendedLifetime(lock) {} }
        if try serveCached(keyName, arguments, context, log: log) { return .success }

        try context.keyring.checkWritable(name: keyName, payloadSize: 2048)
        let record = try logIn(context, configuration, quiet: arguments.has("quiet"), log: log)
        let timeout = UInt32(clamping: max(record.secondsLeft(at: context.clock.now()), 1))
        let keyID = try context.keyring.store(name: keyName, payload: record.encoded(), timeoutSeconds: timeout)
        log("stored key \(keyName) (id \(keyID)) in the user keyring, timeout \(timeout) s")

        try write(record, keyName: keyName, keyID: keyID, reused: false, arguments, context)
        return .success
    }

    /// Prints the cached token and returns true when it may be served: no --force, and
    /// valid for more than the minimum.
    static func serveCached(
        _ keyName: String, _ arguments: ParsedArguments, _ context: Context, log: DebugLog
    ) throws -> Bool {
        guard !arguments.has("force"), let cached = try cachedRecord(keyName, context) else { return false }
        log("using the cached token of key \(keyName), valid for \(cached.secondsLeft(at: context.clock.now())) s")
        try write(cached, keyName: keyName, reused: true, arguments, context)
        return true
    }

    /// Returns the cached record when it is valid for more than the minimum, else nil.
    static func cachedRecord(_ keyName: String, _ context: Context) throws -> TokenRecord? {
        guard let payload = try context.keyring.read(name: keyName),
              let record = TokenRecord.decode(payload) else { return nil }
        return record.secondsLeft(at: context.clock.now()) > minimumValiditySeconds ? record : nil
    }

    /// Runs the six steps with the configured credentials and returns the new record.
    static func logIn(_ context: Context, _ configuration: Configuration, quiet: Bool, log: DebugLog) throws -> TokenRecord {
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

        let flow = LoginFlow(
            transport: context.makeTransport(), hosts: hosts, credentials: credentials,
            countryISDCode: countryCode, pauseMilliseconds: pause,
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

    /// Prints the token as asked on stdout and a summary on stderr, or execs the command of
    /// `--exec`. Nothing reaches stdout when the output cannot be built.
    static func write(
        _ record: TokenRecord, keyName: String, keyID: Int32? = nil, reused: Bool,
        _ arguments: ParsedArguments, _ context: Context
    ) throws {
        let request = try LoginOutputRequest(arguments)
        var output = ""
        if let format = request.format {
            // The key name is always upx:PROFILE.
            let location = TokenLocation(
                profile: String(keyName.dropFirst("upx:".count)), keyName: keyName,
                keyringName: KeyringKind.user.rawValue, keyID: keyID, source: reused ? .cache : .login)
            output = try LoginOutput.text(
                format, shell: request.shell ?? ParentShell.detect(), record: record, location: location,
                now: context.clock.now())
        }
        context.streams.out(output)
        if !arguments.has("quiet") { writeSummary(record, keyName: keyName, reused: reused, context) }

        if let command = request.command {
            let environment = ExecEnvironment.forCommand(context.environment, record: record)
            try Exec.replaceProcess(with: command, environment: environment)
        }
    }

    /// Prints the token's source, its user, its key and the time it stays valid, on stderr.
    static func writeSummary(_ record: TokenRecord, keyName: String, reused: Bool, _ context: Context) {
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
