// upx-login: serve the cached token or log in, keep the token in the keyring, print it for shells.

import FoundationEssentials

/// The upx-login tool, callable with an injected context.
public enum LoginCommand {
    public static let info = ToolInfo(
        name: "upx-login",
        summary: """
            Log in to Upstox without a browser and keep the access token in the Linux kernel keyring.
            A token cached in the keyring with more than 5 minutes left is used without any request.
            Typical use: eval "$(upx-login --export)"
            """,
        usage: [
            "[--export [--shell SHELL] | --print | --json | --format FORMAT] [--profile NAME] [--keyring KIND | --no-keyring]",
            "[--min-valid DURATION] [--force] [--verify-online] [--timeout DURATION] [--retries N] [--audit-log FILE]",
            "[OPTIONS] --exec [--] COMMAND [ARGUMENT...]", "[OPTIONS] exec [--] COMMAND [ARGUMENT...]",
            "--status [--profile NAME] [--keyring KIND] [--min-valid DURATION]",
            "--logout [--profile NAME] [--keyring KIND]",
            "--check-config [--profile NAME] [--env-file PATH]", "--list-profiles", "--purge",
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
            OptionSpec("keyring", value: "KIND", help: KeyringKind.optionHelp),
            OptionSpec("no-keyring", help: "log in and print the token without reading or storing any key"),
            OptionSpec("min-valid", value: "DURATION", help: "serve a cached token only with more than this left, such as 30m, unless a new one would expire as soon (default 5m; also UPX_MIN_VALID)"),
            OptionSpec("force", short: "f", help: "log in even when a valid token is cached, and past upx's own rate limit"),
            OptionSpec("verify-online", help: "ask Upstox whether the cached token still works before using it; log in again if not"),
            OptionSpec("status", help: "show the cached token's user, key, keyring and time left, not the token; exit 1 when none is valid"),
            OptionSpec("logout", help: "revoke the cached token at Upstox and remove its key (exit 1 when none is cached)"),
            OptionSpec("purge", help: "remove every upx key of yours from the user, persistent and session keyrings"),
            OptionSpec("connect-timeout", value: "DURATION", help: "maximum time to connect, per request (default 10s; also UPX_CONNECT_TIMEOUT)"),
            OptionSpec("timeout", value: "DURATION", help: "maximum time of each request, connecting included (default 30s; also UPX_TIMEOUT)"),
            OptionSpec("retries", value: "N", help: "retry a rate-limited or failed request up to N times where safe (default 2; also UPX_RETRIES)"),
            OptionSpec("audit-log", value: "FILE", help: "also append audit lines to FILE, created with mode 0600 (also UPX_AUDIT_LOG)"),
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
            your processes only, and expires with the token at 03:30 IST. --keyring persistent
            keeps it in your persistent keyring instead, which outlives your logins (for cron and
            systemd user units); the kernel drops that keyring 3 days after its last use, and each
            run renews it. --keyring session keeps it in the session keyring of this login only.

            At most 5 logins per profile reach Upstox in any 5 minutes; more are rejected (exit 7)
            until --force. --no-keyring logins are counted in the file login-PROFILE.limits of the
            lock folder ($XDG_RUNTIME_DIR/upx, /run/user/UID/upx or ~/.cache/upx). Five wrong PINs
            lock the account, so after Upstox rejected the PIN (1017106), or a PIN request got no
            clear reply, every login of that account (any profile or keyring) is rejected until
            Upstox accepts the PIN of a --force login, at most 7 days; after Upstox blocked OTP
            generation (1017069), for 10 minutes. These stops live in account-HASH.stop in ~/.local/state/upx (or
            $UPX_STATE_DIR), written before the PIN is sent.

            Each login, rejection, failure, logout and purge is logged to syslog (facility
            authpriv) with profile, user id, expiry and request id, never a secret.
            --status exits 0 when the cached token is valid (with --min-valid: for more than that);
            --status --json prints the record without the tokens, with state, valid and recent_logins.

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
        let output = try checkCombinations(arguments)
        let quiet = arguments.has("quiet")
        if arguments.value("audit-log") == "" {
            throw UsageError.invalidValue(option: "--audit-log", value: "", reason: "expected a file name")
        }
        let audit = try LoginAudit(
            path: arguments.value("audit-log") ?? context.environment["UPX_AUDIT_LOG"].flatMap { $0.isEmpty ? nil : $0 },
            warn: { context.streams.err("upx-login: \($0)\n") })
        if arguments.has("list-profiles") {
            return listProfiles(try KeyringKind.selected(arguments, environment: context.environment), context)
        }
        if arguments.has("purge") { return purge(context, audit: audit, quiet: quiet) }
        let network = try NetworkOptions.parse(arguments, environment: context.environment)

        let profile = try Profiles.name(option: arguments.value("profile"), environment: context.environment)
        let cache = TokenCache(
            profile: profile, kind: try KeyringKind.selected(arguments, environment: context.environment),
            keyring: context.keyring,
            minimumValidity: try TokenCache.minimumValidity(arguments, environment: context.environment))
        if arguments.has("status") {
            let strict = arguments.value("min-valid") != nil || context.environment[TokenCache.minimumValidityVariable] != nil
            return try status(cache, strict: strict, json: output.format == .json, context)
        }
        let configuration = try Configuration(context: context, profile: profile, envFileOption: arguments.value("env-file"))
        if arguments.has("check-config") {
            let check = ConfigCheck(configuration: configuration, profile: profile, keyName: cache.keyName)
            return check.run(keyring: cache.keyring, streams: context.streams) ? .success : .badInput
        }
        let log = DebugLog(enabled: arguments.has("debug") || context.debugFromEnvironment, streams: context.streams)
        let useKeyring = !arguments.has("no-keyring")
        if arguments.has("logout") {
            // Under the login lock, so that a login running now cannot store a token after the logout.
            let lock = try LoginLock(profile: profile, environment: context.environment)
            defer { withExtendedLifetime(lock) {} }
            return try logOut(cache, configuration, network, arguments, context, audit: audit, log: log)
        }

        let verification = useKeyring ? try onlineVerification(arguments, configuration, network, context, log: log) : nil
        if useKeyring, try serveCached(cache, output, arguments, context, log: log, verification: verification) {
            return .success
        }

        // Concurrent runs wait here for the first one, then find its token in the cache.
        let lock = try LoginLock(profile: profile, environment: context.environment)
        defer { withExtendedLifetime(lock) {} }
        if useKeyring, try serveCached(cache, output, arguments, context, log: log, verification: verification) {
            return .success
        }

        let record = try logIn(cache, configuration, network, arguments, context, audit: audit, log: log)
        var keyID: Int32?
        if useKeyring {
            keyID = try cache.store(record, at: context.clock.now())
            log("stored \(cache.place) (id \(keyID ?? 0)), timeout \(record.secondsLeft(at: context.clock.now())) s")
        }
        let event = AuditEvent(
            outcome: verification?.rejectedAny == true ? "relogin" : "login", profile: profile,
            keyring: useKeyring ? cache.kind.rawValue : "none", record: record)
        audit.record(event, at: context.clock.now())

        let place = useKeyring ? cache.place : "not stored (--no-keyring)"
        try write(record, location: location(cache, useKeyring: useKeyring, keyID: keyID, source: .login), place: place,
                  output, arguments, context)
        return .success
    }

    /// Pairs of options that cannot go together, because the first would ignore the second.
    /// --purge covers every profile and keyring, and --logout and --status never log in.
    static let exclusions: [(option: String, others: [String])] = [
        ("purge", ["profile", "keyring", "env-file", "force", "verify-online", "min-valid"]),
        ("status", ["force", "verify-online", "env-file"]),
        ("list-profiles", ["profile", "env-file", "force", "verify-online", "min-valid"]),
        ("logout", ["force", "verify-online"]),
        ("no-keyring", ["keyring", "status", "purge", "logout", "verify-online"]),
    ]

    /// Rejects options that ask for two different things, and returns the output options.
    /// Checking them here means that a usage error costs no request.
    static func checkCombinations(_ arguments: ParsedArguments) throws -> LoginOutputRequest {
        let actions = ["status", "purge", "logout", "list-profiles", "check-config"].filter(arguments.has)
        if actions.count > 1 { throw UsageError.conflictingOptions("--" + actions[0], "--" + actions[1]) }

        // No action prints a token or runs a command, and only --status has a --json form.
        let output = try LoginOutputRequest(arguments)
        if let action = actions.first, output.command != nil || (output.format != nil && (action != "status" || output.format != .json)) {
            let other = ["exec", "export", "print", "json", "format"].first(where: arguments.has) ?? "exec"
            throw UsageError.conflictingOptions("--" + action, "--" + other)
        }

        for (option, others) in exclusions where arguments.has(option) {
            if let other = others.first(where: arguments.has) {
                throw UsageError.conflictingOptions("--" + option, "--" + other)
            }
        }
        return output
    }

    /// Prints the cached token and returns true when it may be served: no --force, valid for
    /// more than the minimum, and accepted by Upstox when `verification` is given (--verify-online).
    static func serveCached(
        _ cache: TokenCache, _ output: LoginOutputRequest, _ arguments: ParsedArguments, _ context: Context,
        log: DebugLog, verification: OnlineVerification? = nil
    ) throws -> Bool {
        guard !arguments.has("force"), let cached = try cache.usableRecord(at: context.clock.now()) else { return false }
        if let verification, try !verification.accepts(cached, keyName: cache.keyName) { return false }
        let left = cached.secondsLeft(at: context.clock.now())
        log("using the cached token of \(cache.place), valid for \(left) s")
        if left <= cache.minimumValidity && !arguments.has("quiet") {
            context.streams.err(
                "upx-login: note: the cached token has less than \(DurationText.format(cache.minimumValidity)) left, "
                    + "but a new login would also end at 03:30 IST, so it is served\n")
        }
        // Only --json shows the key id, so other runs skip the extra search.
        let keyID = output.format == .json ? try? cache.keyID() : nil
        try write(cached, location: location(cache, useKeyring: true, keyID: keyID ?? nil, source: .cache), place: cache.place,
                  output, arguments, context)
        return true
    }
}
