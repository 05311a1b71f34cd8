// One login at a time per profile, across every process of the user.

import CSystem
import Glibc

/// An exclusive flock(2) on a per-profile file in a folder only the user can enter.
/// The lock ends when the process exits, however it exits.
public final class LoginLock {
    private let descriptor: Int32

    /// Waits until no other process of this user holds the lock for `profile`, then takes it.
    public init(profile: String, environment: [String: String]) throws {
        let folder = try Self.privateFolder(environment)
        let path = "\(folder)/login-\(profile).lock"
        descriptor = upx_open_mode(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LockError(path: path, reason: String(cString: strerror(errno))) }

        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw LockError(path: path, reason: reason)
            }
        }
    }

    deinit {
        close(descriptor)
    }

    /// Creates `$XDG_RUNTIME_DIR/upx`, or `/tmp/upx-UID` when that is unset, with mode 0700.
    /// It must be a real folder of this user that no other user can enter, because a folder
    /// another user controls could contain a lock file that blocks every login.
    static func privateFolder(_ environment: [String: String]) throws -> String {
        let base = environment["XDG_RUNTIME_DIR"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        let folder = base.map { "\($0)/upx" } ?? "/tmp/upx-\(getuid())"
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            throw LockError(path: folder, reason: String(cString: strerror(errno)))
        }

        var status = stat()
        guard lstat(folder, &status) == 0 else { throw LockError(path: folder, reason: String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw LockError(path: folder, reason: "it is not a folder (a symbolic link or file is in the way)")
        }
        guard status.st_uid == getuid() else {
            throw LockError(path: folder, reason: "it is owned by uid \(status.st_uid), not by you")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw LockError(path: folder, reason: "other users can enter it (mode \(String(status.st_mode & 0o777, radix: 8)))")
        }
        return folder
    }
}

/// The login lock could not be taken.
public struct LockError: ToolError {
    public let path: String
    public let reason: String

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        "cannot lock \(path) to run one login at a time: \(reason); remove it or set XDG_RUNTIME_DIR to a private folder"
    }
}
