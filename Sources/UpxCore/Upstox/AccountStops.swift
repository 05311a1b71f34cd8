// Stops on an Upstox account that apply to every profile, keyring and --no-keyring login of
// the user, because five wrong PINs lock the account whichever of them sent the PINs.

import FoundationEssentials
import Glibc

/// The stops of one Upstox account, kept in the file `account-HASH.stop` of the user's state
/// folder, where HASH is the start of the SHA-256 of the mobile number. A PIN that Upstox
/// rejected, or a PIN request without a clear reply, stops logins until Upstox accepts the
/// PIN of a forced login, or 7 days pass. A block of OTP generation stops them until it ends.
///
/// NOTE: the hash only keeps the number out of plain sight. There are 10^10 mobile numbers,
/// so trying them all recovers it, and the folder's mode 0700 is what keeps it private.
///
/// The stop for a PIN request is written before the PIN is sent, so a run killed while
/// waiting for the reply leaves it behind. A file that exists but cannot be read stops
/// logins too, since it may contain a PIN stop.
struct AccountStops {
    let path: String
    let lockPath: String

    /// The environment variable that picks another state folder.
    static let stateFolderVariable = "UPX_STATE_DIR"

    init(folder: String, mobileNumber: String) {
        let base = "\(folder)/account-\(sha256(of: Array(mobileNumber.utf8)).prefix(16))"
        path = base + ".stop"
        lockPath = base + ".lock"
    }

    /// Returns the state folder: `$UPX_STATE_DIR`, else `~/.local/state/upx` of the home folder
    /// in the password database. Unlike the runtime folder of the login lock, it survives
    /// logout and reboot. XDG_STATE_HOME is not read, because a shell may set it where a cron
    /// job does not, and the two would then keep separate stops.
    static func folder(_ environment: [String: String]) throws -> String {
        let variable = stateFolderVariable
        if let folder = environment[variable], folder.hasPrefix("/") {
            return try LoginLock.checkedFolder(folder, variable: variable)
        }
        let home = try LoginLock.homeFolder(environment, for: "~/.local/state/upx", variable: variable)
        for folder in [home + "/.local", home + "/.local/state"] {
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw LockError(path: folder, reason: String(cString: strerror(errno)), remedy: .setFolder, variable: variable)
            }
        }
        return try LoginLock.checkedFolder(home + "/.local/state/upx", variable: variable)
    }

    /// The content of the file.
    struct Record: Codable, Equatable {
        /// Unix seconds when Upstox rejected the PIN.
        var pinRejectedAt: Int64?
        /// Unix seconds when a PIN was sent that got no clear reply yet.
        var pinUnansweredAt: Int64?
        /// The profile whose login set the PIN stop.
        var profile: String?
        /// Unix seconds until which Upstox generates no OTP.
        var otpBlockedUntil: Int64?

        enum CodingKeys: String, CodingKey {
            case pinRejectedAt = "pin_rejected_at"
            case pinUnansweredAt = "pin_unanswered_at"
            case profile
            case otpBlockedUntil = "otp_blocked_until"
        }
    }

    /// Throws when a stop of the account applies to a login of `profile` at `now`.
    func check(profile: String, at now: Int64) throws {
        let record: Record
        do {
            guard let read = try self.read() else { return }
            record = read
        } catch let error as StopFileError {
            throw LoginLimitError.stopUnreadable(profile: profile, path: path, reason: error.reason)
        }
        let pinStopEnd = now - LoginRateLimit.pinRejectionSeconds
        let by = record.profile ?? profile
        if let rejected = record.pinRejectedAt, rejected > pinStopEnd {
            throw LoginLimitError.pinRejected(profile: profile, at: rejected, by: by)
        }
        if let unanswered = record.pinUnansweredAt, unanswered > pinStopEnd {
            throw LoginLimitError.pinUnanswered(profile: profile, at: unanswered, by: by)
        }
        if let until = record.otpBlockedUntil, until > now {
            throw LoginLimitError.otpBlocked(profile: profile, until: until, now: now)
        }
    }

    /// Remembers, before the PIN is sent, that a PIN of `profile` is on its way at `now`. An
    /// earlier mark stays, so that `withdrawPINSent` cannot take it back. A file that cannot
    /// be read becomes such an earlier mark, since it may have contained one.
    func recordPINSent(at now: Int64, profile: String) throws {
        try update { record, replacesUnreadable in
            let earlier = record.pinUnansweredAt.flatMap { $0 > now - LoginRateLimit.pinRejectionSeconds ? $0 : nil }
            if replacesUnreadable {
                record.pinUnansweredAt = now - 1
            } else if earlier == nil {
                record.pinUnansweredAt = now
            } else {
                return
            }
            record.profile = profile
        }
    }

    /// Takes back the mark of `recordPINSent(at: now, ...)` when the PIN was never sent after
    /// all. A mark of another run is kept.
    func withdrawPINSent(at now: Int64) throws {
        try update { record, _ in
            if record.pinUnansweredAt == now { record.pinUnansweredAt = nil }
        }
    }

    /// Remembers that Upstox rejected the PIN of `profile` at `now`.
    func recordPINRejection(at now: Int64, profile: String) throws {
        try update { record, _ in
            record.pinRejectedAt = now
            record.pinUnansweredAt = nil
            record.profile = profile
        }
    }

    /// Remembers that Upstox blocked OTP generation at `now`.
    func recordOTPBlock(at now: Int64) throws {
        try update { record, _ in record.otpBlockedUntil = ErrorCodes.otpBlockEnd(after: now) }
    }

    /// Removes every stop once Upstox has accepted the PIN, since the OTP step passed too.
    func clear() throws {
        if unlink(path) != 0 && errno != ENOENT { throw StopFileError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Returns the record, nil when there is no file, or throws when the file cannot be read or parsed.
    private func read() throws -> Record? {
        let bytes: [UInt8]
        do {
            guard let read = try readSmallFile(path, limit: 4096, regularOnly: true) else { return nil }
            bytes = read
        } catch {
            throw StopFileError(path: path, reason: error.reason)
        }
        guard let record = try? JSONDecoder().decode(Record.self, from: Data(bytes)) else {
            throw StopFileError(path: path, reason: "it is not a stop record")
        }
        return record
    }

    /// Changes the record and writes it back, or removes the file when no stop is left. A
    /// record that cannot be read is replaced by an empty one, and `change` learns of it.
    private func update(_ change: (inout Record, _ replacesUnreadable: Bool) -> Void) throws {
        var record = Record()
        var replacesUnreadable = false
        do {
            record = try read() ?? Record()
        } catch {
            replacesUnreadable = true
        }
        change(&record, replacesUnreadable)
        if record.pinRejectedAt == nil && record.pinUnansweredAt == nil && record.otpBlockedUntil == nil {
            if unlink(path) != 0 && errno != ENOENT {
                throw StopFileError(path: path, reason: String(cString: strerror(errno)))
            }
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: (try? encoder.encode(record)) ?? Data(), as: UTF8.self) + "\n"
        if let code = replaceFile(path, with: text) {
            throw StopFileError(path: path, reason: String(cString: strerror(code)))
        }
    }
}

/// The stop file could not be read, parsed or written.
struct StopFileError: ToolError {
    let path: String
    let reason: String

    var exitCode: ExitCode { .badInput }

    var message: String { "cannot use the stop file \(path): \(reason)" }
}
