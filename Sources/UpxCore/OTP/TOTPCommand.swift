// upx-totp: print the current TOTP code for the Upstox account's secret.

import FoundationEssentials

/// The upx-totp tool: its help and its body, run by `ToolRunner`.
public enum TOTPCommand {
    public static let info = ToolInfo(
        name: "upx-totp",
        summary: "Print the current TOTP code (RFC 6238) for the base32 secret in UPSTOX_TOTP_SECRET.",
        usage: ["[OPTIONS]", "[OPTIONS] -"],
        options: [
            OptionSpec("algorithm", short: "a", value: "NAME", help: "HMAC hash: sha1, sha256 or sha512 (default sha1)"),
            OptionSpec("digits", short: "d", value: "N", help: "number of digits in the code, 6 to 10 (default 6)"),
            OptionSpec("period", short: "p", value: "SECONDS", help: "length of one time step in seconds (default 30)"),
            OptionSpec("at", value: "UNIX_SECONDS", help: "compute the code at this time instead of now"),
            OptionSpec("secret-file", value: "PATH", help: "read the base32 secret from this file"),
        ],
        details: """
            The secret is read from standard input when the operand is '-', else from the
            --secret-file, else from UPSTOX_TOTP_SECRET in the environment, else from that
            variable in ./.env. Files must be owned by you and closed to group and others
            (upx-perm --fix PATH does that). The secret is never taken from the command
            line, where other users could see it.

            The code goes to standard output. When standard error is a terminal, the
            seconds left before the code changes go there.
            """
    )

    /// Runs upx-totp with parsed arguments and returns its exit status.
    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        let totp = try settings(from: arguments)
        let readStandardInput = try wantsStandardInput(arguments)
        let secretFile = arguments.value("secret-file")
        if readStandardInput, secretFile != nil {
            throw UsageError.conflictingOptions("-", "--secret-file")
        }
        let instant = try time(from: arguments) ?? context.clock.now()

        let located = try TOTPSecretSource.locate(
            readStandardInput: readStandardInput, secretFile: secretFile, context: context)
        let key: Secret
        do {
            key = try Base32.decode(located.text)
        } catch {
            throw CredentialError.invalid(name: located.name, source: located.source, reason: error.reason)
        }

        let code = try totp.code(key: key, at: instant)
        context.streams.out(code + "\n")
        if context.streams.errorIsTerminal {
            let remaining = try totp.secondsRemaining(at: instant)
            context.streams.err("valid for \(remaining) more second\(remaining == 1 ? "" : "s")\n")
        }
        return .success
    }

    /// Builds the generator from --algorithm, --digits and --period.
    static func settings(from arguments: ParsedArguments) throws -> TOTP {
        var algorithm = OTPAlgorithm.sha1
        if let name = arguments.value("algorithm") {
            guard let parsed = OTPAlgorithm(name: name) else {
                throw UsageError.invalidValue(option: "--algorithm", value: name, reason: "expected sha1, sha256 or sha512")
            }
            algorithm = parsed
        }
        let digits = try integer(arguments, "digits", in: HOTP.supportedDigits) ?? 6
        let period = try integer(arguments, "period", in: 1...Int(Int32.max)) ?? 30
        return try TOTP(algorithm: algorithm, digits: digits, period: period)
    }

    /// Parses an integer option and checks it against `range`. Returns nil when the option is absent.
    private static func integer(_ arguments: ParsedArguments, _ long: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = arguments.value(long) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError.invalidValue(
                option: "--\(long)", value: text,
                reason: "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Parses the --at time, or returns nil when the option is absent.
    private static func time(from arguments: ParsedArguments) throws -> Date? {
        guard let text = arguments.value("at") else { return nil }
        guard let seconds = Int64(text), seconds >= 0 else {
            throw UsageError.invalidValue(option: "--at", value: text, reason: "expected whole seconds since 1970-01-01 UTC")
        }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// Returns whether the one allowed operand, `-`, was given, and rejects any other operand.
    private static func wantsStandardInput(_ arguments: ParsedArguments) throws -> Bool {
        // Any other operand may be a secret typed by mistake, so the error does not echo it.
        guard arguments.operands.allSatisfy({ $0 == "-" }), arguments.operands.count <= 1 else {
            throw OTPError.unexpectedOperand
        }
        return arguments.operands.count == 1
    }
}
