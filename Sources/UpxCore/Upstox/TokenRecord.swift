// The token and its metadata, as stored in the keyring.

import FoundationEssentials

/// The payload of a `upx:<profile>` key: a small JSON object.
public struct TokenRecord: Codable, Equatable, Sendable {
    public var accessToken: String
    public var extendedToken: String?
    public var userID: String
    public var userName: String
    /// Unix seconds.
    public var issuedAt: Int64
    /// Unix seconds.
    public var expiresAt: Int64
    /// The app the token was issued to; absent in records of older upx versions.
    public var clientID: String?
    /// The `x-request-id` of the login that got the token.
    public var requestID: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case extendedToken = "extended_token"
        case userID = "user_id"
        case userName = "user_name"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case clientID = "client_id"
        case requestID = "request_id"
    }

    public init(
        accessToken: String, extendedToken: String?, userID: String, userName: String,
        issuedAt: Int64, expiresAt: Int64, clientID: String? = nil, requestID: String? = nil
    ) {
        self.accessToken = accessToken
        self.extendedToken = extendedToken
        self.userID = userID
        self.userName = userName
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.clientID = clientID
        self.requestID = requestID
    }

    /// The user as messages show it, `Test User (7AB123)`, cut to printable text; only the id
    /// when the name is empty.
    public var printableUser: String {
        let name = UpstoxError.printable(userName), id = UpstoxError.printable(userID)
        return name.isEmpty ? id : "\(name) (\(id))"
    }

    /// Seconds of validity left at `now`; negative once expired.
    public func secondsLeft(at now: Date) -> Int64 {
        expiresAt - Int64(now.timeIntervalSince1970.rounded(.down))
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The record holds only strings and integers, which JSONEncoder always encodes.
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// Decodes a keyring payload; nil when it is not a record of this shape.
    public static func decode(_ bytes: [UInt8]) -> TokenRecord? {
        try? JSONDecoder().decode(TokenRecord.self, from: Data(bytes))
    }
}
