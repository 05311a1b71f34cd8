// upx-jwt: print a token's header, claims and expiry without checking its signature, and
// tell scripts through the exit status whether it is still valid.

import FoundationEssentials

/// The upx-jwt tool: its help and its body, run by `ToolRunner`.
public enum JWTCommand {
    public static let info = ToolInfo(
        name: "upx-jwt",
        summary: """
            Print a token's header, claims and expiry, and tell scripts whether it is still valid.
            upx-jwt never verifies the signature: anyone can make a token with any claims, so the
            claims are only as trustworthy as the place the token came from.
            """,
        usage: ["[OPTIONS] [TOKEN]", "[OPTIONS] -", "[OPTIONS] [--profile NAME] [--keyring NAME]"],
        options: [
            OptionSpec("check", help: "print nothing; exit 0 when the token is valid, 1 when it is not"),
            OptionSpec("min-valid", value: "DURATION", help: "also count the token as invalid when less than DURATION is left"),
            OptionSpec("leeway", value: "DURATION", help: "allowance for clock skew after exp and before nbf (default 0)"),
            OptionSpec("remaining", help: "print the whole seconds left until expiry, 0 once expired"),
            OptionSpec("claim", value: "NAME", help: "print one claim: a string as it is, any other value as JSON"),
            OptionSpec("json", help: "print {header, claims, expiry} as one JSON object"),
            OptionSpec("profile", short: "P", value: "NAME", help: "read the cached token of key upx:NAME (default: UPX_PROFILE, else default)"),
            OptionSpec("keyring", value: "NAME", help: KeyringKind.optionHelp),
        ],
        details: """
            Input: TOKEN; standard input when TOKEN is '-' or input is piped; otherwise the
            token that upx-login cached as key upx:PROFILE in the keyring. --profile and
            --keyring always read the keyring. Surrounding spaces, line ends and quotes and a
            'Bearer ' prefix are removed. Other local users can read a TOKEN argument in the
            process list, so pipe a live token instead.

            Times: exp, iat and nbf are shown in UTC, in local time (TZ) when it differs, and
            in IST for an Upstox token, each with how long ago or ahead it is. They are seconds
            since 1970-01-01 UTC, whole or fractional. A value of 1e11 or more gets a warning
            as likely milliseconds, but is read as seconds, as RFC 7519 defines it.

            Upstox: a token is Upstox's when it comes from the keyring, or its iss claim is
            udapi-gateway-service (the issuer of Upstox access tokens) or contains 'upstox'.
            Upstox ends every access token at 03:30 IST (22:00 UTC), so an Upstox token without
            exp expires at the first 03:30 IST after its iat, which upx-jwt computes and marks
            as computed. A cached token that is not a JWT (opaque) takes the expiry that
            upx-login recorded.

            Validity: a token is valid from nbf minus the leeway until exp plus the leeway,
            and with --min-valid only while at least DURATION of that is left. A JWT without
            exp never expires. --remaining and the printed times ignore the leeway. DURATION
            is \(DurationText.grammar).

            --json prints {"header", "claims", "expiry"}. header and claims keep the token's
            order, and are null for an opaque token. expiry is {"at": ISO 8601 UTC, "unix":
            seconds, "source": "claim", "computed" or "recorded", "seconds_left": whole
            seconds, negative once past, "expired", "not_yet_valid", "valid"}. at, unix, source
            and seconds_left are null without an expiry; valid is null when the expiry is
            unknown.

            For scripts: upx-jwt exits 0 when the token is valid, and 1 when it is expired, not
            yet valid or has less than --min-valid left, in every mode but --claim, which exits
            1 when the claim is absent. It exits 1 when no token is cached, and 3 for a malformed
            token and for --check, --remaining or --min-valid on a token whose expiry is unknown.
            """
    )

    /// Runs upx-jwt with parsed arguments and the process's time zone, and returns its exit status.
    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        try run(arguments, context, timeZone: SystemTimeZone())
    }

    /// Runs upx-jwt with parsed arguments, showing local times in `timeZone`, and returns its exit status.
    public static func run(_ arguments: ParsedArguments, _ context: Context, timeZone: any LocalTimeZone) throws -> ExitCode {
        let mode = try JWTMode(arguments)
        let leeway = try arguments.value("leeway").map { try DurationText.parse($0, option: "--leeway") } ?? 0
        let minimumValidity = try arguments.value("min-valid").map { try DurationText.parse($0, option: "--min-valid") } ?? 0

        let token = try ReadToken(JWTInput.read(arguments, context))
        warn(about: token, context)
        let status = TokenStatus(
            expiry: token.expiry, notBefore: token.jwt?.notBefore, now: context.clock.now(),
            leeway: leeway, minimumValidity: minimumValidity)
        if case .unknown(let reason) = status.expiry, mode == .check || mode == .remaining, status.valid == nil {
            throw JWTError.unknownExpiry(reason: reason)
        }

        let report = JWTReport(token: token, status: status, timeZone: timeZone)
        switch mode {
        case .claim(let name):
            return try printClaim(name, of: token, context)
        case .text:
            context.streams.out(report.text())
        case .json:
            context.streams.out(report.json())
        case .remaining:
            if let seconds = status.secondsLeft {
                context.streams.out("\(max(seconds, 0))\n")
            } else {
                context.streams.err("upx-jwt: the token has no exp claim, so it never expires\n")
            }
        case .check:
            break
        }

        if case .unknown(let reason) = status.expiry, minimumValidity > 0, status.valid == nil {
            throw JWTError.unknownExpiry(reason: reason)
        }
        return status.valid == false ? .negative : .success
    }

    /// Prints one claim: a string as it is, any other value as compact JSON. On a terminal, control
    /// characters in a string are escaped, so that a claim cannot send the terminal commands.
    private static func printClaim(_ name: String, of token: ReadToken, _ context: Context) throws -> ExitCode {
        guard let jwt = token.jwt else { throw JWTError.opaqueToken }
        guard let value = jwt.claims[name] else { throw JWTError.missingClaim(name) }

        if let string = value.string {
            context.streams.out((context.streams.outputIsTerminal ? OrderedJSON.escapingControls(string) : string) + "\n")
        } else {
            context.streams.out(value.serialized() + "\n")
        }
        return .success
    }

    /// Writes notes and warnings about the token's form to stderr: padding, time claims that look
    /// like milliseconds, and names given twice.
    private static func warn(about token: ReadToken, _ context: Context) {
        guard let jwt = token.jwt else { return }
        if !jwt.paddedParts.isEmpty {
            let parts = jwt.paddedParts.map(\.rawValue).joined(separator: " and ")
            context.streams.err("upx-jwt: note: the \(parts) \(jwt.paddedParts.count == 1 ? "part ends" : "parts end") "
                + "in '=' padding, which JWTs leave out (RFC 7515); decoded anyway\n")
        }
        for name in jwt.millisecondClaims {
            let value = jwt.claims[name]?.number ?? 0
            let asMilliseconds = CalendarTime.text(Date(timeIntervalSince1970: value / 1000), in: .utc)
            context.streams.err("upx-jwt: warning: the '\(name)' claim looks like milliseconds, which would make it "
                + "\(asMilliseconds); it is read as seconds, as RFC 7519 defines it\n")
        }
        for (part, object) in [("header", jwt.header), ("claims", jwt.claims)] {
            for name in object.repeatedNames {
                context.streams.err("upx-jwt: warning: the name '\(name)' occurs more than once in the \(part); the last value counts\n")
            }
        }
    }
}

/// The one thing a run of upx-jwt prints.
enum JWTMode: Equatable {
    case text
    case json
    case claim(String)
    case remaining
    case check

    /// Reads --json, --claim, --remaining and --check, of which at most one may be given.
    init(_ arguments: ParsedArguments) throws {
        let chosen = ["json", "claim", "remaining", "check"].filter { arguments.has($0) }
        if chosen.count > 1 { throw UsageError.conflictingOptions("--" + chosen[0], "--" + chosen[1]) }

        if let name = arguments.value("claim") {
            self = .claim(name)
        } else if arguments.has("json") {
            self = .json
        } else if arguments.has("remaining") {
            self = .remaining
        } else if arguments.has("check") {
            self = .check
        } else {
            self = .text
        }
    }
}
