// upx-totp's code settings, from its options and from an otpauth URI.

import FoundationEssentials

/// The algorithm, digits, period and HOTP counter that the options set, each nil when not given.
struct OTPOptions {
    var algorithm: OTPAlgorithm?
    var digits: Int?
    var period: Int?
    var counter: UInt64?

    /// Reads --algorithm, --digits and --period.
    init(_ arguments: ParsedArguments) throws {
        if let name = arguments.value("algorithm") {
            guard let parsed = OTPAlgorithm(name: name) else {
                throw UsageError.invalidValue(option: "--algorithm", value: name, reason: "expected sha1, sha256 or sha512")
            }
            algorithm = parsed
        }
        digits = try Self.integer(arguments, "digits", in: HOTP.supportedDigits)
        period = try Self.integer(arguments, "period", in: 1...Int(Int32.max))
    }

    /// Takes the URI's settings, and rejects one that an option already set to another value.
    mutating func merge(_ uri: OTPAuthURI) throws(OTPError) {
        algorithm = try Self.merged(algorithm, uri.algorithm, option: "--algorithm") { $0.rawValue }
        digits = try Self.merged(digits, uri.digits, option: "--digits") { String($0) }
        period = try Self.merged(period, uri.period, option: "--period") { String($0) }
        counter = try Self.merged(counter, uri.counter, option: "--counter") { String($0) }
    }

    /// Returns the TOTP generator, with the usual defaults for settings nobody gave.
    func totp() throws(OTPError) -> TOTP {
        try TOTP(algorithm: algorithm ?? .sha1, digits: digits ?? 6, period: period ?? 30)
    }

    private static func merged<Value: Equatable>(
        _ option: Value?, _ uri: Value?, option name: String, _ text: (Value) -> String
    ) throws(OTPError) -> Value? {
        if let option, let uri, option != uri {
            throw .conflictingURIParameter(
                option: name, optionValue: text(option), uriValue: "\(name.dropFirst(2))=\(text(uri))")
        }
        return option ?? uri
    }

    /// Parses an integer option and checks it against `range`. Returns nil when the option is absent.
    static func integer(_ arguments: ParsedArguments, _ long: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = arguments.value(long) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError.invalidValue(
                option: "--\(long)", value: text,
                reason: "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
