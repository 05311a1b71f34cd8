// upx-jwt's conclusions about a token: its kind, its expiry and the grounds for it, and its
// validity now under the requested leeway and minimum validity.

import FoundationEssentials

/// A token read by upx-jwt: a decoded JWT or an opaque string, with its keyring record, if any.
struct ReadToken {
    /// The decoded JWT; nil for an opaque token, which has no dot-separated parts.
    let jwt: JWT?
    /// The number of characters of an opaque token.
    let length: Int
    let input: JWTInput

    /// The issuer of Upstox access tokens, as their `iss` claim reads.
    static let upstoxIssuer = "udapi-gateway-service"

    /// Decodes the input: text without a dot is opaque, anything else must be a compact JWT.
    init(_ input: JWTInput) throws(JWTError) {
        self.input = input
        length = input.text.count
        jwt = input.text.contains(".") ? try JWT(decoding: input.text) : nil
    }

    /// Whether the token is an Upstox access token: it came from upx-login's record, or its
    /// `iss` claim is Upstox's issuer or names Upstox.
    var isUpstox: Bool {
        if input.record != nil { return true }
        guard let issuer = jwt?.issuer else { return false }
        return issuer == Self.upstoxIssuer || issuer.lowercased().contains("upstox")
    }

    /// The expiry and its source. The `exp` claim comes first. An Upstox token without one expires
    /// at the first 03:30 IST after `iat`, and failing that the expiry upx-login recorded counts.
    var expiry: ResolvedExpiry {
        if let expiry = jwt?.expiry { return .at(expiry, .claim) }
        if isUpstox, let issuedAt = jwt?.issuedAt { return .at(TokenExpiry.nextCutoff(after: issuedAt), .computed) }
        if let record = input.record { return .at(Date(timeIntervalSince1970: Double(record.expiresAt)), .recorded) }

        guard jwt != nil else {
            return .unknown("the token is opaque (not a JWT) and not from upx-login's keyring record, so its expiry is unknown")
        }
        if isUpstox { return .unknown("the Upstox token has neither exp nor iat, so its 03:30 IST expiry cannot be computed") }
        return .never
    }
}

/// The source of a known expiry, as --json names it.
enum ExpirySource: String {
    /// The `exp` claim.
    case claim
    /// The first 03:30 IST after the `iat` of an Upstox token without `exp`.
    case computed
    /// The expiry upx-login stored in its keyring record.
    case recorded
}

/// A token's expiry as far as it can be known.
enum ResolvedExpiry {
    case at(Date, ExpirySource)
    /// A JWT without `exp`, which RFC 7519 treats as never expiring.
    case never
    /// An expiry that cannot be known, and why.
    case unknown(String)

    var date: Date? {
        if case .at(let date, _) = self { return date }
        return nil
    }
}

/// A token's validity at one instant, allowing `leeway` seconds of clock skew and requiring
/// `minimumValidity` seconds left.
///
/// The leeway moves the expiry later and `nbf` earlier, so with the defaults (both 0) a token is
/// valid from its `nbf` up to, not including, its `exp`, as RFC 7519 requires.
struct TokenStatus {
    let expiry: ResolvedExpiry
    let notBefore: Date?
    let now: Date
    let leeway: Int64
    let minimumValidity: Int64

    /// Whole seconds from now until the expiry, negative once it has passed; nil without a known expiry.
    var secondsLeft: Int64? {
        expiry.date.map { CalendarTime.wholeSeconds($0) - CalendarTime.wholeSeconds(now) }
    }

    var expired: Bool {
        guard let date = expiry.date else { return false }
        return now.timeIntervalSince1970 >= date.timeIntervalSince1970 + Double(leeway)
    }

    var notYetValid: Bool {
        guard let notBefore else { return false }
        return now.timeIntervalSince1970 < notBefore.timeIntervalSince1970 - Double(leeway)
    }

    /// Whether less than the minimum validity is left before the expiry plus the leeway.
    var tooLittleLeft: Bool {
        guard let date = expiry.date, minimumValidity > 0 else { return false }
        return date.timeIntervalSince1970 + Double(leeway) - now.timeIntervalSince1970 < Double(minimumValidity)
    }

    /// Whether the token is valid; nil when its expiry is unknown and it is not known to be invalid.
    var valid: Bool? {
        if expired || notYetValid || tooLittleLeft { return false }
        if case .unknown = expiry { return nil }
        return true
    }
}
