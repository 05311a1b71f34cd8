// Failures decoding a TOTP secret or computing a one-time password.

/// A malformed secret or an unusable one-time password setting.
public enum OTPError: ToolError, Equatable {
    case emptySecret
    /// A character outside the base32 alphabet, at a 1-based position counted in Unicode scalars.
    case invalidBase32Character(Unicode.Scalar, position: Int)
    /// An `=` that is followed by more base32 symbols, at the 1-based position of that `=`.
    case misplacedBase32Padding(position: Int)
    /// A symbol count that no encoder produces (1, 3 or 6 more than a multiple of 8), as when a copy is cut short.
    case truncatedBase32(symbolCount: Int)
    case invalidDigits(Int)
    case invalidPeriod(Int)
    /// A time before the TOTP epoch, or too far from it for a 64-bit time step.
    case timeOutOfRange(unixSeconds: Double)
    case hmacFailed(algorithm: OTPAlgorithm)
    /// A malformed otpauth:// URI; the reason names the part at fault, never the secret.
    case invalidURI(String)
    /// An otpauth:// URI parameter that an option contradicts; exit 2, as for any usage error.
    case conflictingURIParameter(option: String, optionValue: String, uriValue: String)
    /// An upx-totp operand other than `-`; exit 2, as for any usage error.
    case unexpectedOperand

    public var exitCode: ExitCode {
        switch self {
        case .unexpectedOperand, .conflictingURIParameter: .usage
        default: .badInput
        }
    }

    public var message: String {
        switch self {
        case .emptySecret, .invalidBase32Character, .misplacedBase32Padding, .truncatedBase32, .invalidURI:
            "invalid TOTP secret: \(reason)"
        default:
            reason
        }
    }

    /// The problem and its fix without naming the secret, for an error that names where the secret came from.
    public var reason: String {
        let copyAgain = "(copy the base32 key again from where TOTP was set up)"
        switch self {
        case .emptySecret:
            return "it is empty \(copyAgain)"
        case .invalidBase32Character(let scalar, let position):
            let advice = Self.lookalikeHint(scalar) ?? copyAgain
            return "character \(Self.quoted(scalar)) at position \(position) is not base32, which uses A-Z and 2-7 \(advice)"
        case .misplacedBase32Padding(let position):
            return "the '=' at position \(position) is followed by more symbols, but padding may only end the secret"
        case .truncatedBase32(let symbolCount):
            return "\(symbolCount) base32 symbols do not make whole bytes, so the secret looks cut short \(copyAgain)"
        case .invalidDigits(let digits):
            return "invalid number of digits \(digits): HOTP and TOTP codes have 6 to 10 digits"
        case .invalidPeriod(let period):
            return "invalid period \(period): a time step lasts at least 1 second"
        case .timeOutOfRange(let unixSeconds):
            return "invalid time \(unixSeconds): it is before the TOTP epoch or too far after it to make a time step"
        case .hmacFailed(let algorithm):
            return "Nettle failed to compute HMAC-\(algorithm.rawValue.uppercased())"
        case .invalidURI(let problem):
            return "the otpauth URI is invalid: \(problem)"
        case .conflictingURIParameter(let option, let optionValue, let uriValue):
            return "option '\(option) \(optionValue)' contradicts the otpauth URI, which sets \(uriValue) (drop the option)"
        case .unexpectedOperand:
            return "unexpected argument: upx-totp takes one operand, '-' to read the secret from standard input "
                + "or the secret itself (see 'upx-totp --help')"
        }
    }

    /// Quotes a printable ASCII character and writes any other as its code point, so invisible characters show.
    private static func quoted(_ scalar: Unicode.Scalar) -> String {
        if scalar.isASCII, scalar.value > 0x20, scalar.value < 0x7F { return "'\(scalar)'" }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Names the letter that a digit outside the alphabet is often typed for; nil for other characters.
    private static func lookalikeHint(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "0": "(did you mean the letter 'O'?)"
        case "1": "(did you mean the letter 'I' or 'L'?)"
        case "8": "(did you mean the letter 'B'?)"
        default: nil
        }
    }
}
