// A compact JWT (RFC 7519) decoded for reading, without checking its signature.

import FoundationEssentials

/// The header and claims of a compact JWT.
///
/// Decoding checks the form only. The signature is kept as bytes and never verified, so the
/// claims are only as trustworthy as the place the token came from.
public struct JWT: Equatable, Sendable {
    public let header: OrderedJSON
    public let claims: OrderedJSON
    public let signature: [UInt8]
    /// The parts written with `=` padding, which RFC 7515 leaves out.
    public let paddedParts: [JWTPart]
    /// The `exp` claim: the time from which the token must be rejected.
    public let expiry: Date?
    /// The `iat` claim: when the token was issued.
    public let issuedAt: Date?
    /// The `nbf` claim: the time before which the token must be rejected.
    public let notBefore: Date?

    /// The latest time claim read: 9999-12-31T23:59:59Z written in milliseconds, so that a
    /// millisecond value reads, with a warning, instead of failing.
    public static let latestTimeClaim: Double = 253_402_300_799_999
    static let latestTimeClaimText = "253402300799999"
    /// Time claims from this value on (the year 5138 in seconds, 1973 in milliseconds) are
    /// probably milliseconds written where RFC 7519 wants seconds.
    public static let millisecondThreshold: Double = 100_000_000_000

    /// Decodes `header.claims.signature`. Surrounding whitespace is ignored, and the signature
    /// may be empty, as in an unsecured JWT.
    public init(decoding token: String) throws(JWTError) {
        let trimmed = token.trimmingCharacters(in: " \t\r\n")
        guard !trimmed.isEmpty else { throw .empty }
        // Two tokens on two lines would otherwise read as one token of five parts, a JWE.
        let lines = trimmed.split(whereSeparator: \.isNewline)
        if lines.count > 1, lines.allSatisfy({ $0.split(separator: ".", omittingEmptySubsequences: false).count == 3 }) {
            throw .severalTokens(lines.count)
        }

        let parts = Substring(trimmed).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .wrongPartCount(parts.count) }

        header = try Self.decodeObject(parts[0], part: .header)
        claims = try Self.decodeObject(parts[1], part: .claims)
        signature = try Base64URL.decode(parts[2], part: .signature)
        paddedParts = zip(JWTPart.allCases, parts).filter { $0.1.hasSuffix("=") }.map(\.0)

        expiry = try Self.timeClaim("exp", in: claims)
        issuedAt = try Self.timeClaim("iat", in: claims)
        notBefore = try Self.timeClaim("nbf", in: claims)
    }

    /// The `iss` claim when it is a string.
    public var issuer: String? { claims["iss"]?.string }

    /// The time claims present whose values look like milliseconds, in the order exp, iat, nbf.
    public var millisecondClaims: [String] {
        ["exp", "iat", "nbf"].filter { (claims[$0]?.number ?? 0) >= Self.millisecondThreshold }
    }

    /// Reads a NumericDate claim: seconds since 1970-01-01 UTC, whole or fractional. Nil when absent.
    private static func timeClaim(_ name: String, in claims: OrderedJSON) throws(JWTError) -> Date? {
        guard let value = claims[name] else { return nil }
        guard case .number(let literal) = value, let seconds = value.number else { throw .timeClaimNotANumber(name) }
        guard seconds.isFinite, seconds >= 0, seconds <= latestTimeClaim else {
            let shortened = literal.count <= 24 ? literal : literal.prefix(21) + "..."
            throw .timeClaimOutOfRange(name: name, value: String(shortened))
        }
        return Date(timeIntervalSince1970: seconds)
    }

    private static func decodeObject(_ text: Substring, part: JWTPart) throws(JWTError) -> OrderedJSON {
        guard !text.isEmpty else { throw .emptyPart(part) }
        let bytes = try Base64URL.decode(text, part: part)
        let value: OrderedJSON
        do {
            value = try OrderedJSON.parse(bytes)
        } catch {
            throw .invalidJSON(part, error)
        }
        guard value.members != nil else { throw .notAnObject(part) }
        return value
    }
}
