// The audit trail of upx-login: one line per login, rejection, failure and logout.

import CSystem
import FoundationEssentials
import Glibc

/// One audited event. Values are identifiers and times only, never a secret or token.
public struct AuditEvent: Sendable {
    /// `login`, `relogin` (after --verify-online found the token dead), `rejected`, `failure`,
    /// `logout`, `logout-failure` or `purge`.
    public var outcome: String
    public var profile: String
    public var keyring: String
    public var userID: String?
    /// Unix seconds.
    public var expiresAt: Int64?
    /// The `x-request-id` of the login, which Upstox support can look up.
    public var requestID: String?
    /// For a failure or rejection: the exit status and the server's error code when there is one.
    public var exitStatus: Int32?
    public var errorCode: String?

    public init(outcome: String, profile: String, keyring: String) {
        self.outcome = outcome
        self.profile = profile
        self.keyring = keyring
    }

    /// Makes an event about the token of `record`: its user, expiry and login request id.
    public init(outcome: String, profile: String, keyring: String, record: TokenRecord) {
        self.init(outcome: outcome, profile: profile, keyring: keyring)
        (userID, expiresAt, requestID) = (record.userID, record.expiresAt, record.requestID)
    }

    /// The fields as `name=value` words, each value reduced to characters that need no quoting.
    public var fields: String {
        var pairs: [(String, String)] = [("outcome", outcome), ("profile", profile), ("keyring", keyring)]
        if let userID { pairs.append(("user", userID)) }
        if let expiresAt { pairs.append(("expires", CalendarTime.iso8601(Date(timeIntervalSince1970: Double(expiresAt))))) }
        if let requestID { pairs.append(("request", requestID)) }
        if let exitStatus { pairs.append(("exit", String(exitStatus))) }
        if let errorCode { pairs.append(("code", errorCode)) }
        return pairs.map { "\($0.0)=\(Self.plain($0.1))" }.joined(separator: " ")
    }

    static func plain(_ value: String) -> String {
        let characters = value.prefix(80).map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber || "._:@+-".contains(character)) ? character : "_"
        }
        return characters.isEmpty ? "-" : String(characters)
    }
}

/// Writes audit events to syslog (facility authpriv) and, when asked, appends them to a file.
public struct LoginAudit {
    /// The file named by --audit-log or UPX_AUDIT_LOG, already checked.
    let filePath: String?
    let warn: (String) -> Void

    /// Checks the audit file before anything happens, so a bad path fails before any request.
    public init(path: String?, warn: @escaping (String) -> Void) throws {
        if let path { try Self.openFile(path).map { _ = close($0) } }
        self.filePath = path
        self.warn = warn
    }

    /// Records one event. A failure to write the file is only a warning, because the login has
    /// already happened.
    public func record(_ event: AuditEvent, at now: Date) {
        let level = ["failure", "logout-failure", "rejected"].contains(event.outcome) ? LOG_NOTICE : LOG_INFO
        upx_syslog("upx-login", LOG_AUTHPRIV | level, event.fields)

        guard let filePath else { return }
        let line = Array("\(CalendarTime.iso8601(now)) upx-login[\(getpid())] uid=\(getuid()) \(event.fields)\n".utf8)
        do {
            guard let descriptor = try Self.openFile(filePath) else { return }
            defer { close(descriptor) }
            // One write of a short line to an O_APPEND file, so concurrent runs never interleave.
            let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written != line.count { throw AuditError(path: filePath, reason: String(cString: strerror(errno))) }
        } catch let error as AuditError {
            warn("warning: \(error.message)")
        } catch {
            warn("warning: cannot write the audit log \(filePath)")
        }
    }

    /// Opens the file for appending, creating it with mode 0600, and checks that it is a regular
    /// file of this user that no one else can read or write.
    static func openFile(_ path: String) throws -> Int32? {
        let descriptor = upx_open_mode(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard descriptor >= 0 else {
            if errno == ELOOP {
                throw AuditError(path: path, reason: "it is a symbolic link", fix: "name the file it points to")
            }
            throw AuditError(path: path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw AuditError(path: path, reason: reason)
        }
        let problem: String? =
            if status.st_mode & S_IFMT != S_IFREG { "it is not a regular file" }
            else if status.st_uid != getuid() { "it is owned by uid \(status.st_uid), not by you" }
            else if status.st_nlink > 1 { "it has \(status.st_nlink) hard links" }
            else if status.st_mode & 0o077 != 0 { "mode \(String(status.st_mode & 0o777, radix: 8)) lets other users at it" }
            else { nil }
        if let problem {
            close(descriptor)
            let fix = status.st_mode & 0o077 != 0 && status.st_uid == getuid() && status.st_mode & S_IFMT == S_IFREG
                ? "run: upx-perm --fix \(path)" : "choose a file of your own"
            throw AuditError(path: path, reason: problem, fix: fix)
        }
        return descriptor
    }
}

/// The audit log file cannot be used.
public struct AuditError: ToolError {
    public let path: String
    public let reason: String
    public var fix = "choose a file in a folder of yours, or leave out --audit-log"

    public var exitCode: ExitCode { .badInput }

    public var message: String { "cannot append to the audit log \(path): \(reason) (\(fix))" }
}
