// Failures decoding a JWT. Messages name the part and the problem, never the token's text.

/// The three dot-separated parts of a compact JWT.
public enum JWTPart: String, Sendable {
    case header, claims, signature
}

/// A token that is not a decodable compact JWT.
public enum JWTError: ToolError, Equatable {
    case empty
    case wrongPartCount(Int)
    case emptyPart(JWTPart)
    /// A character outside the base64url alphabet, at a 1-based position within its part.
    case invalidBase64URLCharacter(part: JWTPart, position: Int)
    /// A part whose length no base64url encoder produces (one more than a multiple of 4).
    case invalidBase64URLLength(part: JWTPart, length: Int)
    case invalidJSON(JWTPart)
    case notAnObject(JWTPart)
    /// A registered time claim (`exp`, `iat`, `nbf`) that is not a number of seconds.
    case invalidTimeClaim(String)
    case unreadableInput

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        switch self {
        case .empty:
            "no token given (pass TOKEN as an argument or on standard input)"
        case .wrongPartCount(let count):
            "invalid JWT: it has \(count) dot-separated part\(count == 1 ? "" : "s"), not 3 "
                + (count == 5 ? "(an encrypted JWE token cannot be decoded without its key)" : "(check it was copied whole)")
        case .emptyPart(let part):
            "invalid JWT: the \(part.rawValue) part is empty (check it was copied whole)"
        case .invalidBase64URLCharacter(let part, let position):
            "invalid JWT: the \(part.rawValue) part has a character outside base64url (A-Z a-z 0-9 - _) at position \(position)"
        case .invalidBase64URLLength(let part, let length):
            "invalid JWT: the \(part.rawValue) part has \(length) characters, which is no valid base64url length "
                + "(check it was copied whole)"
        case .invalidJSON(let part):
            "invalid JWT: the \(part.rawValue) part is not valid JSON"
        case .notAnObject(let part):
            "invalid JWT: the \(part.rawValue) part is JSON but not an object"
        case .invalidTimeClaim(let name):
            "invalid JWT: the '\(name)' claim is not a number of seconds since 1970-01-01 UTC"
        case .unreadableInput:
            "cannot read the token from standard input"
        }
    }
}
