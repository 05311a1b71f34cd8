// Stops on an Upstox account that apply to every profile, keyring and --no-keyring login of
// the user, because five wrong PINs lock the account whichever of them sent the PINs.

import CSystem
import FoundationEssentials
import Glibc

/// The stops of one Upstox account, kept in the file `account-HASH.stop` of the login lock's
/// private folder, where HASH is the start of the SHA-256 of the mobile number. A PIN that
/// Upstox rejected, or a PIN request that got no clear reply, stops logins until a forced
/// login succeeds or 7 days pass. A block of OTP generation stops them until it ends.
///
/// A file that exists but cannot be read stops logins too, since it may hold a PIN stop.
struct AccountStops {
    let path: String

    init(folder: String, mobileNumber: String) {
        path = "\(folder)/account-\(sha256(of: Array(mobileNumber.utf8)).prefix(16)).stop"
    }

    /// The content of the file.
    struct Record: Codable, Equatable {
        /// Unix seconds when Upstox rejected the PIN.
        var pinRejectedAt: Int64?
        /// Unix seconds when a PIN request failed without a clear reply.
        var pinUnansweredAt: Int64?
        /// Unix seconds until which Upstox generates no OTP.
        var otpBlockedUntil: Int64?

        enum CodingKeys: String, CodingKey {
            case pinRejectedAt = "pin_rejected_at"
            case pinUnansweredAt = "pin_unanswered_at"
            case otpBlockedUntil = "otp_blocked_until"
        }
    }

    /// Throws when a stop of the account applies at `now`.
    func check(profile: String, at now: Int64) throws {
        let record: Record
        do {
            guard let read = try self.read() else { return }
            record = read
        } catch let error as StopFileError {
            throw LoginLimitError.stopUnreadable(profile: profile, path: path, reason: error.reason)
        }
        let pinStopEnd = now - LoginRateLimit.pinRejectionSeconds
        if let rejected = record.pinRejectedAt, rejected > pinStopEnd {
            throw LoginLimitError.pinRejected(profile: profile, at: rejected)
        }
        if let unanswered = record.pinUnansweredAt, unanswered > pinStopEnd {
            throw LoginLimitError.pinUnanswered(profile: profile, at: unanswered)
        }
        if let until = record.otpBlockedUntil, until > now {
            throw LoginLimitError.otpBlocked(profile: profile, until: until, now: now)
        }
    }

    /// Remembers that Upstox rejected the PIN at `now`.
    func recordPINRejection(at now: Int64) throws {
        try update { $0.pinRejectedAt = now }
    }

    /// Remembers that a PIN request failed at `now` without a clear reply.
    func recordPINUnanswered(at now: Int64) throws {
        try update { $0.pinUnansweredAt = now }
    }

    /// Remembers that Upstox blocked OTP generation at `now`.
    func recordOTPBlock(at now: Int64) throws {
        try update { $0.otpBlockedUntil = ErrorCodes.otpBlockEnd(after: now) }
    }

    /// Removes every stop after a login that succeeded.
    func clear() throws {
        if unlink(path) != 0 && errno != ENOENT { throw StopFileError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Returns the record, nil when there is no file, or throws when the file cannot be read or parsed.
    private func read() throws -> Record? {
        let descriptor = upx_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT { return nil }
        guard descriptor >= 0 else { throw StopFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw StopFileError(path: path, reason: "it is not a regular file")
        }
        guard let bytes = readAll(descriptor, limit: 4096) else { throw StopFileError(path: path, reason: String(cString: strerror(errno))) }
        guard let record = try? JSONDecoder().decode(Record.self, from: Data(bytes)) else {
            throw StopFileError(path: path, reason: "it is not a stop record")
        }
        return record
    }

    /// Changes the record and writes it back. A record that cannot be read is replaced, since
    /// the stop written now is at least as strict as any it held.
    private func update(_ change: (inout Record) -> Void) throws {
        var record = (try? read()).flatMap { $0 } ?? Record()
        change(&record)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: (try? encoder.encode(record)) ?? Data(), as: UTF8.self) + "\n"
        if let code = replaceFile(path, with: text) { throw StopFileError(path: path, reason: String(cString: strerror(code))) }
    }
}

/// The stop file could not be read, parsed or written.
struct StopFileError: ToolError {
    let path: String
    let reason: String

    var exitCode: ExitCode { .badInput }

    var message: String { "cannot use the stop file \(path): \(reason)" }
}
