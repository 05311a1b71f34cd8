// Finding credential files that other users can read, and closing them to everyone but the owner.

import CSystem
import FoundationEssentials
import Glibc

/// Checks and fixes the modes of credential files, resolving relative paths against a working directory.
public struct PermissionChecker: Sendable {
    public let workingDirectory: String

    public init(workingDirectory: String) {
        self.workingDirectory = workingDirectory
    }

    /// Returns `.env` and every `.env.*` in the working directory, `.env` first, then by name.
    public func defaultPaths() throws(PermissionError) -> [String] {
        let names: [String]
        errno = 0
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: workingDirectory)
        } catch {
            // FileManager's error text is long, so prefer the errno its failed system call left.
            let code = errno
            throw .cannotListDirectory(path: workingDirectory, reason: code != 0 ? systemErrorText(code) : "\(error)")
        }
        return names.filter { $0 == ".env" || $0.hasPrefix(".env.") }.sorted()
    }

    /// Checks one path, following a symbolic link to judge the file it points to.
    public func check(_ path: String) throws(PermissionError) -> PermissionCheck {
        let fullPath = resolvedPath(path, in: workingDirectory)
        var status = stat()
        guard lstat(fullPath, &status) == 0 else {
            throw .cannotCheck(path: path, reason: systemErrorText(errno))
        }

        var symlinkTarget: String?
        if status.st_mode & S_IFMT == S_IFLNK {
            guard stat(fullPath, &status) == 0 else {
                throw .cannotCheck(path: path, reason: "it is a symbolic link to a missing file: \(systemErrorText(errno))")
            }
            symlinkTarget = realPath(fullPath)
        }

        guard status.st_mode & S_IFMT == S_IFREG else {
            return .skipped(path: path, kind: fileKind(status.st_mode))
        }
        let mode = UInt32(status.st_mode & 0o7777)
        guard mode & 0o077 != 0 else {
            return .closed(path: path, mode: mode)
        }
        return .finding(PermissionFinding(
            path: path, owner: userName(status.st_uid), mode: mode, symlinkTarget: symlinkTarget))
    }

    /// Sets mode 0600 on a regular file owned by this user and returns the change, or nil when its
    /// mode already lets only the owner in.
    ///
    /// The change goes through a descriptor opened with `O_NOFOLLOW`, and the file type and owner
    /// are checked with `fstat` on that descriptor, so a symbolic link swapped in for the file after
    /// `check` is rejected rather than followed. Links in the folders above the file are followed.
    public func fix(_ path: String) throws(PermissionError) -> PermissionChange? {
        let fullPath = resolvedPath(path, in: workingDirectory)
        let file = try openWithoutFollowing(fullPath, displayedAs: path)
        defer { close(file.descriptor) }

        var status = stat()
        guard fstat(file.descriptor, &status) == 0 else {
            throw .cannotCheck(path: path, reason: systemErrorText(errno))
        }
        if status.st_mode & S_IFMT == S_IFLNK {
            throw .symbolicLink(path: path, target: realPath(fullPath))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .notRegularFile(path: path, kind: fileKind(status.st_mode))
        }
        guard status.st_uid == geteuid() else {
            throw .notOwner(path: path, owner: userName(status.st_uid))
        }

        let oldMode = UInt32(status.st_mode & 0o7777)
        guard oldMode & 0o077 != 0 else { return nil }
        let newMode = PermissionFinding.expectedMode
        let result = file.isPathOnly
            ? chmod("/proc/self/fd/\(file.descriptor)", mode_t(newMode))
            : fchmod(file.descriptor, mode_t(newMode))
        guard result == 0 else {
            throw .fixFailed(path: path, reason: systemErrorText(errno))
        }
        return PermissionChange(path: path, oldMode: oldMode, newMode: newMode)
    }

    /// Opens `fullPath` without following a final symbolic link.
    ///
    /// A file this user owns but cannot read (mode 0044, say) is opened with `O_PATH` instead,
    /// which `fchmod` rejects, so the caller changes it through `/proc/self/fd`, the same inode.
    private func openWithoutFollowing(
        _ fullPath: String, displayedAs path: String
    ) throws(PermissionError) -> (descriptor: Int32, isPathOnly: Bool) {
        let descriptor = upx_open(fullPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if descriptor >= 0 { return (descriptor, false) }

        let openError = errno
        if openError == ELOOP {
            throw .symbolicLink(path: path, target: realPath(fullPath))
        }
        guard openError == EACCES else {
            throw .cannotCheck(path: path, reason: systemErrorText(openError))
        }
        // With O_PATH, O_NOFOLLOW opens a final symbolic link itself, which fstat then reports.
        let pathDescriptor = upx_open(fullPath, openPathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard pathDescriptor >= 0 else {
            throw .cannotCheck(path: path, reason: systemErrorText(errno))
        }
        return (pathDescriptor, true)
    }
}

/// Linux's O_PATH from <bits/fcntl-linux.h>, which the Glibc module does not export.
private let openPathOnly: Int32 = 0o10000000

/// `path` itself when absolute, else `path` under `directory`.
func resolvedPath(_ path: String, in directory: String) -> String {
    path.hasPrefix("/") ? path : directory + "/" + path
}

/// Returns the `strerror` text of an errno value.
func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Resolves every symbolic link in `path` and returns the absolute path, or nil when that fails.
private func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Looks up the user name of `uid`, and returns `uid N` when the user database has no entry.
private func userName(_ uid: uid_t) -> String {
    var entry = passwd()
    var found: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 4096)
    return buffer.withUnsafeMutableBufferPointer { storage in
        guard getpwuid_r(uid, &entry, storage.baseAddress!, storage.count, &found) == 0,
              found != nil, let name = entry.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}

/// Names the file type of a mode, for skipped files and errors.
private func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: "directory"
    case S_IFCHR: "character device"
    case S_IFBLK: "block device"
    case S_IFIFO: "FIFO"
    case S_IFSOCK: "socket"
    case S_IFLNK: "symbolic link"
    case S_IFREG: "regular file"
    default: "file of unknown type"
    }
}
