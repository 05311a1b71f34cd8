// The cached token of one profile: the key upx:PROFILE in the chosen keyring.

import FoundationEssentials

/// Reads, stores and describes the token record of one profile.
public struct TokenCache {
    /// A cached token with more than this many seconds left is served without a login.
    public static let defaultMinimumValidity: Int64 = 300
    /// The variable that sets --min-valid.
    public static let minimumValidityVariable = "UPX_MIN_VALID"

    public let profile: String
    public let kind: KeyringKind
    public let keyring: any KeyringStore
    public let minimumValidity: Int64

    public init(profile: String, kind: KeyringKind, keyring: any KeyringStore, minimumValidity: Int64 = defaultMinimumValidity) {
        self.profile = profile
        self.kind = kind
        self.keyring = keyring.selecting(kind)
        self.minimumValidity = minimumValidity
    }

    public var keyName: String { "upx:\(profile)" }

    /// Returns the profile of a token key `upx:NAME`, or nil for any other key, such as the
    /// rate limit's `upx:NAME:logins`. Profile names contain no ':'.
    public static func profile(ofTokenKey name: String) -> String? {
        guard name.hasPrefix("upx:"), !name.dropFirst(4).contains(":") else { return nil }
        return String(name.dropFirst(4))
    }

    /// The token's key and keyring, for messages: `key upx:default in the user keyring`.
    public var place: String {
        let base = "key \(keyName) in the \(kind.displayName)"
        return kind == .persistent ? base + " (kept until 3 days after its last use; each run renews that)" : base
    }

    /// Returns the stored record, whatever its time left; nil when there is none or it is not a record.
    public func record() throws -> TokenRecord? {
        guard let payload = try keyring.read(name: keyName) else { return nil }
        return TokenRecord.decode(payload)
    }

    /// Returns the stored record when it may be served at `now`: it has more than the minimum
    /// validity left, or it is still valid and a new login would not outlive it.
    ///
    /// Every token dies at the next 03:30 IST, so in the last minutes before then a new login
    /// would get a token with no more time than the cached one, and each run would log in again.
    public func usableRecord(at now: Date) throws -> TokenRecord? {
        guard let record = try record() else { return nil }
        let left = record.secondsLeft(at: now)
        let nextCutoff = CalendarTime.wholeSeconds(TokenExpiry.nextCutoff(after: now))
        guard left > minimumValidity || (left > 0 && record.expiresAt >= nextCutoff) else { return nil }
        return record
    }

    /// Stores the record until its token expires and returns the key's id.
    public func store(_ record: TokenRecord, at now: Date) throws -> Int32 {
        let timeout = UInt32(clamping: max(record.secondsLeft(at: now), 1))
        return try keyring.store(name: keyName, payload: record.encoded(), timeoutSeconds: timeout)
    }

    public func keyID() throws -> Int32? {
        try keyring.keyID(name: keyName)
    }

    /// Reads the minimum validity from --min-valid, else UPX_MIN_VALID, else 5 minutes.
    public static func minimumValidity(_ arguments: ParsedArguments, environment: [String: String]) throws(UsageError) -> Int64 {
        if let text = arguments.value("min-valid") { return try DurationText.parse(text, option: "--min-valid") }
        if let text = environment[minimumValidityVariable], !text.isEmpty {
            return try DurationText.parse(text, option: minimumValidityVariable)
        }
        return defaultMinimumValidity
    }
}
