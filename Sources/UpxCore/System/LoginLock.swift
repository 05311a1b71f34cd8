// One login at a time per profile, across every process of the user.

import CSystem
import Glibc

/// An exclusive flock(2) on a per-profile file in a folder only the user can enter.
/// The lock ends when the process exits, however it exits.
public final class LoginLock {
    private let descriptor: Int32

    /// Waits until no other process of this user holds the lock for `profile`, then takes it.
    public convenience init(profile: String, environment: [String: String]) throws {
        try self.init(path: "\(try Self.privateFolder(environment))/login-\(profile).lock")
    }

    /// Waits until no other process of this user holds the lock file `path`, in a folder only
    /// the user can enter, then takes it. `variable` names the setting that picks the folder.
    init(path: String, variable: String = "XDG_RUNTIME_DIR") throws {
        descriptor = upx_open_mode(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw LockError(path: path, reason: String(cString: strerror(errno)), remedy: .remove, variable: variable)
        }

        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw LockError(path: path, reason: reason, remedy: .setFolder, variable: variable)
            }
        }
    }

    deinit {
        close(descriptor)
    }

    /// Returns the lock folder: `upx` in `$XDG_RUNTIME_DIR`, else in `/run/user/UID` when it is
    /// this user's, else in the home folder's `.cache`. A cron job without the variable then
    /// meets the login shells that have it. The folder is never under /tmp, where another user
    /// could make the name first and block every login.
    static func privateFolder(_ environment: [String: String]) throws -> String {
        if let base = environment["XDG_RUNTIME_DIR"], base.hasPrefix("/") {
            return try checkedFolder("\(base)/upx")
        }
        let runtime = "/run/user/\(getuid())"
        var status = stat()
        if lstat(runtime, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid() {
            return try checkedFolder("\(runtime)/upx")
        }
        let cache = try homeFolder(environment, for: "~/.cache/upx") + "/.cache"
        if mkdir(cache, 0o700) != 0 && errno != EEXIST {
            throw LockError(path: cache, reason: String(cString: strerror(errno)), remedy: .setFolder)
        }
        return try checkedFolder(cache + "/upx")
    }

    /// Returns the home folder without a trailing slash: from the password database before
    /// $HOME, so that every process of the user agrees, since a container may run a uid that
    /// the database does not know. `path` names the folder wanted, for the error.
    static func homeFolder(
        _ environment: [String: String], for path: String, variable: String = "XDG_RUNTIME_DIR"
    ) throws -> String {
        let home: String
        if let entry = getpwuid(getuid()), let folder = entry.pointee.pw_dir, folder.pointee != 0 {
            home = String(cString: folder)
        } else if let folder = environment["HOME"], folder.hasPrefix("/") {
            home = folder
        } else {
            throw LockError(
                path: path, reason: "uid \(getuid()) has no home folder and HOME is not set", remedy: .setFolder,
                variable: variable)
        }
        return home.hasSuffix("/") ? String(home.dropLast()) : home
    }

    /// Creates `folder` with mode 0700 and checks that it is a real folder of this user that
    /// no other user can enter, because a folder another user controls could contain a lock
    /// file that blocks every login.
    static func checkedFolder(_ folder: String, variable: String = "XDG_RUNTIME_DIR") throws -> String {
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            throw LockError(path: folder, reason: String(cString: strerror(errno)), remedy: .setFolder, variable: variable)
        }

        var status = stat()
        guard lstat(folder, &status) == 0 else {
            throw LockError(path: folder, reason: String(cString: strerror(errno)), remedy: .setFolder, variable: variable)
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw LockError(
                path: folder, reason: "it is not a folder (a symbolic link or file is in the way)", remedy: .remove,
                variable: variable)
        }
        guard status.st_uid == getuid() else {
            throw LockError(
                path: folder, reason: "it is owned by uid \(status.st_uid), not by you", remedy: .remove, variable: variable)
        }
        guard status.st_mode & 0o077 == 0 else {
            throw LockError(
                path: folder, reason: "other users can enter it (mode \(String(status.st_mode & 0o777, radix: 8)))",
                remedy: .remove, variable: variable)
        }
        return folder
    }
}

/// The login lock could not be taken.
public struct LockError: ToolError {
    public let path: String
    public let reason: String
    public let remedy: Remedy
    /// The environment variable that picks another folder.
    public var variable = "XDG_RUNTIME_DIR"

    /// The fix the message names.
    public enum Remedy: Sendable {
        /// Something of the wrong kind or owner is in the way.
        case remove
        /// The folder cannot be made or used where upx looks for it.
        case setFolder
    }

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        let fix = switch remedy {
        case .remove: "remove it, or set \(variable) to a folder of yours"
        case .setFolder: "set \(variable) to an existing folder of yours"
        }
        return "cannot lock \(path) to run one login at a time: \(reason); \(fix)"
    }
}
