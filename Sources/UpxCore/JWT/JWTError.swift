// Failures reading a token for upx-jwt. Messages name the part or claim and the problem,
// never the token's text.

/// The three dot-separated parts of a compact JWT.
public enum JWTPart: String, Sendable, CaseIterable {
    case header, claims, signature

    /// The part's 1-based position among the dot-separated segments.
    public var segment: Int {
        switch self {
        case .header: 1
        case .claims: 2
        case .signature: 3
        }
    }

    /// The part as messages name it: "claims part (segment 2)".
    var label: String { "\(rawValue) part (segment \(segment))" }
}

/// A token that upx-jwt cannot read, or a question about it that has no answer.
public enum JWTError: ToolError, Equatable {
    case empty
    case wrongPartCount(Int)
    /// Lines that each hold a token of three parts.
    case severalTokens(Int)
    case emptyPart(JWTPart)
    /// A character outside the base64url alphabet, at a 1-based position within its part.
    case invalidBase64URLCharacter(part: JWTPart, position: Int)
    /// A space or line break inside a part, as when a token was wrapped while being copied.
    case whitespaceInPart(part: JWTPart, position: Int)
    /// A part whose length no base64url encoder produces (one more than a multiple of 4).
    case invalidBase64URLLength(part: JWTPart, length: Int)
    /// `=` padding that does not fill the last group of four characters exactly.
    case invalidPadding(JWTPart)
    case invalidJSON(JWTPart, JSONParseError)
    case notAnObject(JWTPart)
    /// A registered time claim (`exp`, `iat`, `nbf`) that is not a JSON number.
    case timeClaimNotANumber(String)
    /// A registered time claim outside the range upx-jwt reads, with its literal text.
    case timeClaimOutOfRange(name: String, value: String)
    case unreadableInput
    /// No `upx:PROFILE` key in the keyring: nothing cached.
    case noCachedToken(keyName: String, keyring: KeyringKind)
    /// A `upx:PROFILE` key whose payload is not upx-login's JSON record.
    case invalidRecord(keyName: String, keyring: KeyringKind)
    /// An opaque token, which has no claims to print.
    case opaqueToken
    /// A check that needs the expiry of a token whose expiry cannot be known, and why.
    case unknownExpiry(reason: String)
    /// The claim requested with --claim is absent.
    case missingClaim(String)

    public var exitCode: ExitCode {
        switch self {
        case .noCachedToken, .missingClaim: .negative
        default: .badInput
        }
    }

    /// Returns `1 character` or `N characters`.
    static func characters(_ count: Int) -> String {
        count == 1 ? "1 character" : "\(count) characters"
    }

    public var message: String {
        switch self {
        case .empty:
            "no token given (pass TOKEN as an argument or on standard input)"
        case .wrongPartCount(let count):
            "invalid JWT: it has \(count) dot-separated parts, not 3 " + Self.partCountHint(count)
        case .severalTokens(let count):
            "invalid input: \(count) tokens, one per line; pass one token"
        case .emptyPart(let part):
            "invalid JWT: the \(part.label) is empty (check the token was copied whole)"
        case .invalidBase64URLCharacter(let part, let position):
            "invalid JWT: the \(part.label) has a character outside base64url (A-Z a-z 0-9 - _) at position \(position)"
        case .whitespaceInPart(let part, let position):
            "invalid JWT: the \(part.label) has a space or line break at position \(position) "
                + "(join the lines of a wrapped token)"
        case .invalidBase64URLLength(let part, let length):
            "invalid JWT: the \(part.label) has \(Self.characters(length)), which is no valid base64url length "
                + "(check the token was copied whole)"
        case .invalidPadding(let part):
            "invalid JWT: the \(part.label) has '=' padding of the wrong length"
        case .invalidJSON(let part, let error):
            "invalid JWT: the \(part.label) is not valid JSON: \(error.description)"
        case .notAnObject(let part):
            "invalid JWT: the \(part.label) is JSON but not an object"
        case .timeClaimNotANumber(let name):
            "invalid JWT: the '\(name)' claim is not a number of seconds since 1970-01-01 UTC"
        case .timeClaimOutOfRange(let name, let value):
            "invalid JWT: the '\(name)' claim \(value) is out of range "
                + "(expected seconds from 0 to \(JWT.latestTimeClaimText) since 1970-01-01 UTC)"
        case .unreadableInput:
            "cannot read the token from standard input"
        case .noCachedToken(let keyName, let keyring):
            "no token cached: no key \(keyName) in the \(keyring.displayName) (log in with upx-login, or pass a token)"
        case .invalidRecord(let keyName, let keyring):
            "key \(keyName) in the \(keyring.displayName) is not a upx-login token record (log in again with upx-login --force)"
        case .opaqueToken:
            "the token is opaque (not a JWT), so it has no claims"
        case .unknownExpiry(let reason):
            "cannot check the token: \(reason)"
        case .missingClaim(let name):
            "the token has no '\(name)' claim"
        }
    }

    private static func partCountHint(_ count: Int) -> String {
        switch count {
        case 2: "(the signature part is missing; check the token was copied whole)"
        case 5: "(it is an encrypted JWE token, whose claims cannot be read without the recipient's key)"
        default: "(check the token was copied whole)"
        }
    }
}
