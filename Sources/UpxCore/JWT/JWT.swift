// A compact JWT (RFC 7519) decoded for reading, without checking its signature.

import FoundationEssentials

/// The header and claims of a compact JWT.
///
/// Decoding checks the form only. The signature is kept as bytes and never verified, so the
/// claims are only as trustworthy as the place the token came from.
public struct JWT: Equatable, Sendable {
    public let header: JSONValue
    public let claims: JSONValue
    public let signature: [UInt8]

    /// Decodes `header.claims.signature`. Surrounding whitespace is ignored, and the signature
    /// may be empty, as in an unsecured JWT.
    public init(decoding token: String) throws(JWTError) {
        var scalars = Substring(token).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
        let trimmed = Substring(scalars)
        guard !trimmed.isEmpty else { throw .empty }

        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .wrongPartCount(parts.count) }

        header = try Self.decodeObject(parts[0], part: .header)
        claims = try Self.decodeObject(parts[1], part: .claims)
        signature = try Base64URL.decode(parts[2], part: .signature)

        for name in ["exp", "iat", "nbf"] where !claims[name].isNull && claims[name].number == nil {
            throw .invalidTimeClaim(name)
        }
    }

    /// The `exp` claim: the time from which the token must be rejected.
    public var expiry: Date? { date(claim: "exp") }
    /// The `iat` claim.
    public var issuedAt: Date? { date(claim: "iat") }
    /// The `nbf` claim: the time before which the token must be rejected.
    public var notBefore: Date? { date(claim: "nbf") }
    /// The `sub` claim: whom the token was issued for, as a string even when written as a number.
    public var subject: String? { claims["sub"].text }

    /// Returns whether the token's expiry is at or before `date`, from which RFC 7519 says to reject it.
    public func isExpired(at date: Date) -> Bool {
        guard let expiry else { return false }
        return expiry <= date
    }

    /// Returns whether the token's `nbf` is later than `date`.
    public func isNotYetValid(at date: Date) -> Bool {
        guard let notBefore else { return false }
        return notBefore > date
    }

    private func date(claim name: String) -> Date? {
        // Times past year 9999 or before year 0 would overflow the integer seconds that
        // callers compute. NOTE: such a claim reads as absent instead of as malformed.
        guard let seconds = claims[name].number, seconds.isFinite, abs(seconds) < 253_402_300_800 else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    private static func decodeObject(_ text: Substring, part: JWTPart) throws(JWTError) -> JSONValue {
        guard !text.isEmpty else { throw .emptyPart(part) }
        let bytes = try Base64URL.decode(text, part: part)
        guard let value = JSONValue.parse(bytes) else { throw .invalidJSON(part) }
        guard value.object != nil else { throw .notAnObject(part) }
        return value
    }
}
