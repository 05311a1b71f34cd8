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
        usage: ["[--export | --print] [--profile NAME] [--force] [--debug] [--quiet]"],
        options: [
            OptionSpec("export", short: "e", help: "print shell commands that export the token and its expiry"),
            OptionSpec("print", short: "p", help: "print the bare access token"),
            OptionSpec("profile", short: "P", value: "NAME", help: "account profile; names the key upx:NAME (default: default)"),
            OptionSpec("force", short: "f", help: "log in even when a valid token is cached"),
            OptionSpec("debug", short: "d", help: "print each request with its timing on stderr (also UPSTOX_DEBUG=1)"),
            OptionSpec("quiet", short: "q", help: "print nothing on stderr but errors"),
        ],
        details: """
            Credentials (environment first, then ./.env):
              UPSTOX_USERNAME        10-digit mobile number
              UPSTOX_PIN_CODE        PIN
              UPSTOX_TOTP_SECRET     base32 TOTP secret
              UPSTOX_CLIENT_ID       app client id
              UPSTOX_CLIENT_SECRET   app client secret
              UPSTOX_REDIRECT_URI    app redirect URI
              UPSTOX_API_BASE_URL, UPSTOX_SERVICE_BASE_URL   hosts (plain http only on loopback)
              UPSTOX_COUNTRY_ISD_CODE  dialling code sent by the 2026 login (default +91)
              UPSTOX_DEBUG=1         same as --debug
              UPX_PROFILE            same as --profile
            ./.env is read only when the environment lacks one of the six credentials.

            The token is kept as key upx:PROFILE in the user keyring (keyctl show @u), readable by
            your processes only, and expires with the token at 03:30 IST.
            """
    )

    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        if arguments.has("export") && arguments.has("print") {
            throw UsageError.conflictingOptions("--export", "--print")
        }
        if let extra = arguments.operands.first { throw UsageError.unexpectedArgument(extra) }

        let profile = try profileName(arguments, context)
        let keyName = "upx:\(profile)"
        let debug = arguments.has("debug") || context.debugFromEnvironment
        let log: (String) -> Void = debug ? { context.streams.err("upx-login: \($0)\n") } : { _ in }

        if try serveCached(keyName, arguments, context, log: log) { return .success }

        // Concurrent runs wait here for the first one, then find its token in the cache.
        let lock = try LoginLock(profile: profile, environment: context.environment)
        defer { withExtendedLifetime(lock) {} }
        if try serveCached(keyName, arguments, context, log: log) { return .success }

        try context.keyring.checkWritable(name: keyName, payloadSize: 2048)
        let record = try logIn(context, log: log)
        let timeout = UInt32(clamping: max(record.secondsLeft(at: context.clock.now()), 1))
        let keyID = try context.keyring.store(name: keyName, payload: record.encoded(), timeoutSeconds: timeout)
        log("stored key \(keyName) (id \(keyID)) in the user keyring, timeout \(timeout) s")

        write(record, keyName: keyName, reused: false, arguments, context)
        return .success
    }

    /// Returns the profile from --profile or UPX_PROFILE; letters, digits, `.`, `_` and `-` only,
    /// because it becomes part of a key name and of file names.
    static func profileName(_ arguments: ParsedArguments, _ context: Context) throws -> String {
        let name = arguments.value("profile") ?? context.environment["UPX_PROFILE"] ?? "default"
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        guard !name.isEmpty, name.count <= 64, allowed, !name.hasPrefix("."), !name.hasPrefix("-") else {
            throw UsageError.invalidValue(
                option: "--profile", value: name, reason: "use 1 to 64 letters, digits, '.', '_' or '-'")
        }
        return name
    }

    /// Prints the cached token and returns true when it may be served: no --force, and
    /// valid for more than the minimum.
    static func serveCached(
        _ keyName: String, _ arguments: ParsedArguments, _ context: Context, log: (String) -> Void
    ) throws -> Bool {
        guard !arguments.has("force"), let cached = try cachedRecord(keyName, context) else { return false }
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
    static func logIn(_ context: Context, log: @escaping (String) -> Void) throws -> TokenRecord {
        let configuration = try Configuration.load(context: context, needed: LoginSettings.requiredNames)
        let credentials = try LoginSettings.credentials(from: configuration)
        let hosts = try LoginSettings.hosts(from: configuration)
        let countryCode = configuration.value("UPSTOX_COUNTRY_ISD_CODE")?.value ?? ProtocolTable.defaultCountryISDCode

        let flow = LoginFlow(
            transport: context.makeTransport(), hosts: hosts, credentials: credentials,
            countryISDCode: countryCode,
            makeTOTPCode: { try LoginSettings.totpCode(credentials.totpSecret, at: context.clock.now()) },
            log: log)
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
