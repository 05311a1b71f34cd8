// upx-totp: print the current TOTP code for the Upstox account's secret.

import FoundationEssentials

/// The upx-totp tool: its help and its body, run by `ToolRunner`.
public enum TOTPCommand {
    public static let info = ToolInfo(
        name: "upx-totp",
        summary: "Print the current TOTP code (RFC 6238) for the secret in UPSTOX_TOTP_SECRET.",
        usage: ["[OPTIONS]", "[OPTIONS] -", "[OPTIONS] SECRET"],
        options: [
            OptionSpec("algorithm", short: "a", value: "NAME", help: "HMAC hash: sha1, sha256 or sha512 (default sha1)"),
            OptionSpec("digits", short: "d", value: "N", help: "number of digits in the code, 6 to 10 (default 6)"),
            OptionSpec("period", short: "p", value: "SECONDS", help: "length of one time step in seconds (default 30)"),
            OptionSpec("epoch", value: "TIME", help: "start of time step 0, as for --at (default 0, 1970-01-01 UTC)"),
            OptionSpec("counter", value: "N", help: "compute the HOTP code (RFC 4226) for this counter instead"),
            OptionSpec("at", value: "TIME", help: "compute the code at this time instead of now: Unix seconds or ISO 8601"),
            OptionSpec("window", value: "N", help: "list the codes N steps either side, each after its offset"),
            OptionSpec("remaining", help: "print the seconds left in the current time step"),
            OptionSpec("next", help: "print the code of the following step"),
            OptionSpec("verify", value: "CODE", help: "exit 0 and print the offset if CODE is within --window steps (default 1)"),
            OptionSpec("watch", help: "keep the code current until Ctrl-C: one redrawn line on a terminal"),
            OptionSpec("json", help: "print the result as one JSON object"),
            OptionSpec("secret-file", value: "PATH", help: "read the secret from this file"),
            OptionSpec("profile", short: "P", value: "NAME", help: "use the TOTP secret of this upx-login profile (also UPX_PROFILE)"),
        ],
        details: """
            The secret is base32 text or an otpauth://totp/ or otpauth://hotp/ URI, whose
            algorithm, digits and period apply unless an option contradicts them, which is
            an error. The first source given wins: --secret-file; standard input when the
            operand is '-' (not echoed when typed on a terminal); a SECRET operand; else
            UPSTOX_TOTP_SECRET as upx-login reads it for the profile: the environment,
            UPSTOX_TOTP_SECRET_FILE, UPSTOX_TOTP_SECRET_CMD, $CREDENTIALS_DIRECTORY, then
            the profile's env file (for the default profile also ./.env). Files must be
            owned by you and closed to group and others (upx-perm --fix PATH does that).
            A SECRET operand works but prints a warning, because other local users can
            read a command line.

            With --counter, or an otpauth://hotp URI, the code is the HOTP code of that
            counter, and the options about time do not apply.

            The result goes to standard output. When standard error is a terminal, the
            seconds left before the code changes go there. Offsets print as -1, +0, +1.
            --watch on a terminal redraws the code, a bar of the seconds left and the next
            code each second until Ctrl-C, which exits 0; elsewhere it prints each new code
            on its own line.

            --json prints one object: {"code","counter","remaining"} for the code;
            {"code","counter","starts_in"} with --next; {"remaining","counter"} with
            --remaining; {"codes":[{"offset","counter","code"}]} with --window;
            {"match":true,"offset"} or {"match":false} with --verify; and
            {"code","counter","remaining","next"} once a step with --watch. HOTP results
            have no "remaining" or "starts_in". A code that does not verify exits 1.
            """
    )

    /// Runs upx-totp with parsed arguments and the kernel's clock status, and returns its exit status.
    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        try run(arguments, context, clockStatus: KernelClockStatus())
    }

    /// Runs upx-totp with parsed arguments and returns its exit status.
    ///
    /// A code from a wrong clock is the usual reason a login fails, so a TOTP code computed from
    /// the clock comes with a warning when `clockStatus` reports the clock unsynchronised.
    /// `makePause` makes the wait between --watch updates; the live one blocks SIGINT and SIGTERM.
    public static func run(
        _ arguments: ParsedArguments, _ context: Context, clockStatus: any ClockStatus,
        makePause: () -> any WatchPause = { SignalPause() }
    ) throws -> ExitCode {
        let request = try secretRequest(arguments)
        var options = try OTPOptions(arguments)
        let mode = try OTPMode(arguments)
        let instant = try OTPOptions.time(arguments, "at") ?? context.clock.now()

        let located = try TOTPSecretSource.locate(request, context: context)
        let key = try decodedKey(located, options: &options, context: context)
        let position = try position(options, at: instant)
        if !options.isHOTP, !arguments.has("at"), clockStatus.isSynchronised() == false {
            context.streams.err(
                "upx-totp: warning: the kernel reports the system clock as unsynchronised, so the code may be wrong "
                    + "(check the time source with timedatectl or chronyc tracking)\n")
        }

        if mode == .watch {
            let watch = TOTPWatch(
                totp: try options.totp(), key: key, json: arguments.has("json"), streams: context.streams,
                clock: context.clock)
            return try watch.run(pause: makePause())
        }
        let report = OTPReport(position: position, key: key, json: arguments.has("json"), streams: context.streams)
        return try report.print(mode)
    }

    /// Returns the HOTP counter, or the TOTP time step that contains `instant` and the seconds left in it.
    static func position(_ options: OTPOptions, at instant: Date) throws -> OTPPosition {
        if options.isHOTP {
            let (hotp, counter) = try options.hotp()
            return OTPPosition(hotp: hotp, counter: counter, remaining: nil)
        }
        let totp = try options.totp()
        return OTPPosition(
            hotp: totp.hotp, counter: try totp.timeStep(at: instant), remaining: try totp.secondsRemaining(at: instant))
    }

    /// Decodes the located base32 secret, or the secret of an otpauth URI, whose settings then fill
    /// `options`. Warns when the key is shorter than the 128 bits that RFC 4226 requires (section 4, R6).
    static func decodedKey(_ located: LocatedSecret, options: inout OTPOptions, context: Context) throws -> Secret {
        let base32: Secret
        if OTPAuthURI.isURI(located.text) {
            let uri = try invalidSecretReported(located) { () throws(OTPError) in try OTPAuthURI.parse(located.text) }
            try options.merge(uri)
            base32 = uri.secret
        } else {
            base32 = located.text
        }

        let key = try invalidSecretReported(located) { () throws(OTPError) in try Base32.decode(base32) }
        if key.count < 16 {
            context.streams.err(
                "upx-totp: warning: the \(located.name) from \(located.source) is \(key.count * 8) bits long; "
                    + "RFC 4226 requires at least 128\n")
        }
        return key
    }

    /// Runs `body`, and reports its error as an invalid secret from the located source.
    private static func invalidSecretReported<Value>(
        _ located: LocatedSecret, _ body: () throws(OTPError) -> Value
    ) throws(CredentialError) -> Value {
        do {
            return try body()
        } catch {
            throw .invalid(name: located.name, source: located.source, reason: error.reason)
        }
    }

    /// Returns where the command line requests the secret from: `-`, --secret-file or an operand.
    private static func secretRequest(_ arguments: ParsedArguments) throws -> SecretRequest {
        // A second operand may be a secret typed by mistake, so the error does not echo it.
        guard arguments.operands.count <= 1 else { throw OTPError.unexpectedOperand }
        let operand = arguments.operands.first
        let secretFile = arguments.value("secret-file")
        if let operand, secretFile != nil {
            throw UsageError.conflictingOptions(operand == "-" ? "-" : "SECRET", "--secret-file")
        }

        if let secretFile {
            if arguments.has("profile") { throw UsageError.conflictingOptions("--secret-file", "--profile") }
            return .file(secretFile)
        }
        if arguments.has("profile"), operand != nil {
            throw UsageError.conflictingOptions(operand == "-" ? "-" : "SECRET", "--profile")
        }
        switch operand {
        case nil: return .none(profile: arguments.value("profile"))
        case "-": return .standardInput
        case let secret?: return .operand(Secret(secret))
        }
    }
}
