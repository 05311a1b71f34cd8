// upx-login's own brake on network logins, counted per profile in the keyring, or in a file
// for --no-keyring logins.

import FoundationEssentials
import Glibc

/// At most `maximumLogins` network logins per profile in any `windowSeconds`, none while
/// Upstox has blocked OTP generation (error 1017069), and none after Upstox rejected the PIN
/// (error 1017106) until a forced login succeeds. `--force` passes all three.
///
/// The starts are kept in the key `upx:PROFILE:logins` of the same keyring as the token, so
/// every process of the user sees them and the kernel drops them when the window has passed.
/// A `--no-keyring` login keeps them in a file beside its login lock instead, because a wrong
/// PIN in a container's restart loop would otherwise lock the account.
public struct LoginRateLimit {
    public static let maximumLogins = 5
    public static let windowSeconds: Int64 = 300
    /// How long a rejected PIN stops logins without --force. Five wrong PINs lock the account,
    /// so a job that retries every few minutes must not get there.
    public static let pinRejectionSeconds: Int64 = 7 * 86_400

    private let store: any LimitRecordStore
    let profile: String

    /// Keeps the record in the key `upx:PROFILE:logins` of `keyring`.
    public init(keyring: any KeyringStore, profile: String) {
        store = KeyringLimitRecord(keyring: keyring, name: "upx:\(profile):logins")
        self.profile = profile
    }

    /// Keeps the record in the file `login-PROFILE.limits` of `folder`, a folder only the user can enter.
    public init(folder: String, profile: String) {
        store = FileLimitRecord(path: "\(folder)/login-\(profile).limits")
        self.profile = profile
    }

    /// The payload of the key.
    struct Record: Codable, Equatable {
        /// Unix seconds of each login start in the window, oldest first.
        var starts: [Int64]
        /// Unix seconds until which Upstox generates no OTP.
        var otpBlockedUntil: Int64?
        /// Unix seconds when Upstox last rejected the PIN.
        var pinRejectedAt: Int64?

        enum CodingKeys: String, CodingKey {
            case starts
            case otpBlockedUntil = "otp_blocked_until"
            case pinRejectedAt = "pin_rejected_at"
        }
    }

    /// Returns the login starts within the window before `now`.
    public func recentStarts(at now: Int64) throws -> [Int64] {
        try current(at: now).starts
    }

    /// Throws when a login now would pass the limit or run into an OTP block.
    public func check(at now: Int64) throws {
        let record = try current(at: now)
        if let rejected = record.pinRejectedAt {
            throw LoginLimitError.pinRejected(profile: profile, at: rejected, by: profile)
        }
        if let until = record.otpBlockedUntil {
            throw LoginLimitError.otpBlocked(profile: profile, until: until, now: now)
        }
        if record.starts.count >= Self.maximumLogins, let oldest = record.starts.first {
            throw LoginLimitError.tooManyLogins(profile: profile, count: record.starts.count, nextAllowed: oldest + Self.windowSeconds, now: now)
        }
    }

    /// Counts a login that starts now.
    public func recordStart(at now: Int64) throws {
        var record = try current(at: now)
        record.starts.append(now)
        try save(record, now: now)
    }

    /// Remembers that Upstox blocked OTP generation at `now`.
    public func recordOTPBlock(at now: Int64) throws {
        var record = try current(at: now)
        record.otpBlockedUntil = ErrorCodes.otpBlockEnd(after: now)
        try save(record, now: now)
    }

    /// Remembers that Upstox rejected the PIN at `now`.
    public func recordPINRejection(at now: Int64) throws {
        var record = try current(at: now)
        record.pinRejectedAt = now
        try save(record, now: now)
    }

    /// Forgets the OTP block and the PIN rejection once Upstox has accepted the PIN.
    public func recordSuccess(at now: Int64) throws {
        var record = try current(at: now)
        guard record.otpBlockedUntil != nil || record.pinRejectedAt != nil else { return }
        (record.otpBlockedUntil, record.pinRejectedAt) = (nil, nil)
        try save(record, now: now)
    }

    /// Returns when the OTP block ends and when the PIN was rejected, for --status.
    public func blocks(at now: Int64) throws -> (otpBlockedUntil: Int64?, pinRejectedAt: Int64?) {
        let record = try current(at: now)
        return (record.otpBlockedUntil, record.pinRejectedAt)
    }

    /// Reads the record and drops what has passed. An unreadable payload counts as empty,
    /// because this key only slows logins down and must never stop them for good.
    private func current(at now: Int64) throws -> Record {
        guard let payload = try store.read(),
              var record = try? JSONDecoder().decode(Record.self, from: Data(payload)) else {
            return Record(starts: [])
        }
        record.starts = record.starts.filter { $0 > now - Self.windowSeconds && $0 <= now }.sorted()
        if let until = record.otpBlockedUntil, until <= now { record.otpBlockedUntil = nil }
        if let rejected = record.pinRejectedAt, rejected + Self.pinRejectionSeconds <= now { record.pinRejectedAt = nil }
        return record
    }

    private func save(_ record: Record, now: Int64) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Array((try? encoder.encode(record)) ?? Data())
        let lastStart = record.starts.last.map { $0 + Self.windowSeconds } ?? now
        let end = max(lastStart, record.otpBlockedUntil ?? now, record.pinRejectedAt.map { $0 + Self.pinRejectionSeconds } ?? now)
        try store.write(payload, keepSeconds: UInt32(clamping: max(end - now, 1)))
    }
}

/// A place for the rate limit's record: a key or a file.
protocol LimitRecordStore {
    /// Returns the stored record, or nil when there is none.
    func read() throws -> [UInt8]?
    /// Stores the record, which may be dropped `keepSeconds` from now.
    func write(_ payload: [UInt8], keepSeconds: UInt32) throws
}

/// The record as a key that the kernel drops when it has timed out.
struct KeyringLimitRecord: LimitRecordStore {
    let keyring: any KeyringStore
    let name: String

    func read() throws -> [UInt8]? {
        try keyring.read(name: name)
    }

    func write(_ payload: [UInt8], keepSeconds: UInt32) throws {
        _ = try keyring.store(name: name, payload: payload, timeoutSeconds: keepSeconds)
    }
}

/// The record as a file of mode 0600. Nothing deletes it, since `LoginRateLimit` ignores the
/// starts and blocks that have passed.
struct FileLimitRecord: LimitRecordStore {
    let path: String

    func read() throws -> [UInt8]? {
        do {
            return try readSmallFile(path, limit: 1 << 16)
        } catch {
            throw LimitFileError(path: path, reason: error.reason)
        }
    }

    func write(_ payload: [UInt8], keepSeconds: UInt32) throws {
        if let code = replaceFile(path, with: String(decoding: payload, as: UTF8.self) + "\n") {
            throw LimitFileError(path: path, reason: String(cString: strerror(code)))
        }
    }
}

/// The rate limit's file could not be read or written.
public struct LimitFileError: ToolError {
    public let path: String
    public let reason: String

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        "cannot keep the login count of a --no-keyring login in \(path): \(reason); "
            + "remove what is in the way, free space there, or set XDG_RUNTIME_DIR to a folder of yours"
    }
}

/// A login that upx-login rejected before it started.
public enum LoginLimitError: ToolError, Equatable {
    case tooManyLogins(profile: String, count: Int, nextAllowed: Int64, now: Int64)
    case otpBlocked(profile: String, until: Int64, now: Int64)
    /// `by` is the profile whose login sent the PIN.
    case pinRejected(profile: String, at: Int64, by: String)
    case pinUnanswered(profile: String, at: Int64, by: String)
    case stopUnreadable(profile: String, path: String, reason: String)
    case stopUnwritable(profile: String, path: String, reason: String)

    public var exitCode: ExitCode {
        if case .stopUnwritable = self { return .badInput }
        return .rateLimited
    }

    /// Whether upx stopped the login before its first request. A stop file that cannot be
    /// written stops it only before the PIN, after the first three steps.
    var sentNothing: Bool {
        if case .stopUnwritable = self { return false }
        return true
    }

    /// Returns the fix for a stop after a PIN request, for a login of `profile`.
    static func pinFix(_ profile: String) -> String {
        let check = "'upx-login -P \(profile) --check-config'"
        let force = "'upx-login -P \(profile) --force'"
        return "check UPSTOX_PIN_CODE (\(check) shows where it comes from), then log in once with --force (\(force))"
    }

    /// Names the PIN that profile `by` sent, as seen from a login of `profile`.
    static func pin(by: String, _ profile: String) -> String {
        by == profile ? "the PIN of profile \(profile)" : "the PIN that profile \(by) sent for the same account"
    }

    /// Formats Unix seconds as the local time of day: `14:07 IST`.
    static func clockTime(_ seconds: Int64) -> String {
        ErrorCodes.clockTime(seconds, SystemTimeZone())
    }

    public var message: String {
        switch self {
        case .tooManyLogins(let profile, let count, let nextAllowed, let now):
            return "login of profile \(profile) not started: \(count) logins in the last "
                + "\(DurationText.format(LoginRateLimit.windowSeconds)) already; the next is allowed at "
                + "\(Self.clockTime(nextAllowed)), in \(DurationText.format(max(nextAllowed - now, 1))) "
                + "(--force logs in anyway)"
        case .otpBlocked(let profile, let until, let now):
            return "login of profile \(profile) not started: Upstox blocked OTP generation (1017069) until about "
                + "\(Self.clockTime(until)), in \(DurationText.format(max(until - now, 1))); "
                + "try again then (--force tries anyway)"
        case .pinRejected(let profile, let at, let by):
            let (pin, time, fix) = (Self.pin(by: by, profile), Self.clockTime(at), Self.pinFix(profile))
            return "login of profile \(profile) not started: Upstox rejected \(pin) (1017106) at \(time), "
                + "and five wrong PINs lock the account; \(fix)"
        case .pinUnanswered(let profile, let at, let by):
            let (pin, time, fix) = (Self.pin(by: by, profile), Self.clockTime(at), Self.pinFix(profile))
            return "login of profile \(profile) not started: \(pin) at \(time) got no clear reply, "
                + "so Upstox may have counted a wrong PIN, and five lock the account; \(fix)"
        case .stopUnreadable(let profile, let path, let reason):
            return "login of profile \(profile) not started: cannot read the stop file \(path) (\(reason)), which may "
                + "contain a wrong-PIN stop; check UPSTOX_PIN_CODE, then remove the file"
        case .stopUnwritable(let profile, let path, let reason):
            return "login of profile \(profile) stopped before sending the PIN: cannot write the stop file \(path) "
                + "(\(reason)), which keeps a wrong PIN from being sent twice; make it writable (free space, "
                + "remove what is in the way) or set UPX_STATE_DIR to a folder of yours"
        }
    }
}
