// upx-totp's code settings, from its options and from an otpauth URI.

import FoundationEssentials

/// The algorithm, digits, period, epoch and HOTP counter that the options set, each nil when not given.
struct OTPOptions {
    var algorithm: OTPAlgorithm?
    var digits: Int?
    var period: Int?
    /// T0 from --epoch.
    var epoch: Date?
    /// The HOTP counter from --counter or the URI; set, it makes upx-totp compute HOTP codes.
    var counter: UInt64?
    /// The kind of otpauth URI the secret came as, if it was one.
    var uriKind: OTPAuthURI.Kind?
    /// The options that only make sense for TOTP, as given, for the error when HOTP is in use.
    var timeOptions: [String]

    /// Reads --algorithm, --digits, --period, --epoch and --counter.
    init(_ arguments: ParsedArguments) throws {
        if let name = arguments.value("algorithm") {
            guard let parsed = OTPAlgorithm(name: name) else {
                throw UsageError.invalidValue(option: "--algorithm", value: name, reason: "expected sha1, sha256 or sha512")
            }
            algorithm = parsed
        }
        digits = try Self.integer(arguments, "digits", in: HOTP.supportedDigits)
        period = try Self.integer(arguments, "period", in: 1...Int(Int32.max))
        epoch = try Self.time(arguments, "epoch")
        if let text = arguments.value("counter") {
            guard let value = UInt64(text) else {
                throw UsageError.invalidValue(
                    option: "--counter", value: text, reason: "expected a whole number from 0 to \(UInt64.max)")
            }
            counter = value
        }
        timeOptions = ["period", "epoch", "at", "remaining", "watch"].filter { arguments.has($0) }.map { "--" + $0 }
    }

    /// Whether codes are HOTP codes of a counter rather than TOTP codes of a time.
    var isHOTP: Bool { counter != nil || uriKind == .hotp }

    /// Takes the URI's settings, and rejects one that an option already set to another value.
    mutating func merge(_ uri: OTPAuthURI) throws(OTPError) {
        if uri.kind == .totp, let counter {
            throw .conflictingURIParameter(option: "--counter", optionValue: String(counter), uriValue: "type totp")
        }
        uriKind = uri.kind
        algorithm = try Self.merged(algorithm, uri.algorithm, option: "--algorithm") { $0.rawValue }
        digits = try Self.merged(digits, uri.digits, option: "--digits") { String($0) }
        period = try Self.merged(period, uri.period, option: "--period") { String($0) }
        counter = try Self.merged(counter, uri.counter, option: "--counter") { String($0) }
    }

    /// Returns the TOTP generator, with the common authenticator-app defaults for settings not given.
    func totp() throws(OTPError) -> TOTP {
        try TOTP(
            algorithm: algorithm ?? .sha1, digits: digits ?? 6, period: period ?? 30,
            epoch: epoch ?? Date(timeIntervalSince1970: 0))
    }

    /// Returns the HOTP generator and its counter, rejecting options that apply to TOTP only.
    func hotp() throws -> (HOTP, UInt64) {
        if let option = timeOptions.first {
            throw UsageError.conflictingOptions(counter != nil && uriKind != .hotp ? "--counter" : "an otpauth://hotp URI", option)
        }
        guard let counter else { throw OTPError.invalidURI("an hotp URI needs a counter parameter or the --counter option") }
        return (try HOTP(algorithm: algorithm ?? .sha1, digits: digits ?? 6), counter)
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

    /// Parses a time option given as Unix seconds, whose fraction is dropped, or as an ISO 8601
    /// date-time such as 2009-02-13T23:31:30Z. Returns nil when the option is absent.
    static func time(_ arguments: ParsedArguments, _ long: String) throws -> Date? {
        guard let text = arguments.value(long) else { return nil }
        if let seconds = Double(text), seconds.isFinite {
            // Up to year 9999, far past any 64-bit time step worry, and never before 1970.
            guard seconds >= 0, seconds < 253_402_300_800 else {
                throw UsageError.invalidValue(
                    option: "--\(long)", value: text, reason: "expected seconds from 0 (1970-01-01 UTC) to the year 9999")
            }
            return Date(timeIntervalSince1970: seconds.rounded(.down))
        }
        for style in [Date.ISO8601FormatStyle(), Date.ISO8601FormatStyle(includingFractionalSeconds: true)] {
            if let date = try? style.parse(text) {
                return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
            }
        }
        throw UsageError.invalidValue(
            option: "--\(long)", value: text,
            reason: "expected Unix seconds or an ISO 8601 date-time such as 2009-02-13T23:31:30Z")
    }
}
