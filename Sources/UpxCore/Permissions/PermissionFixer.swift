// The changes --fix makes: removing mode bits through an open descriptor, and appending .gitignore patterns.

import CSystem
import Glibc

/// Makes the changes that findings call for, never adding a permission.
struct PermissionFixer {
    /// The user whose files may be changed: the effective user of the process.
    let user: uid_t
    /// Sets a mode through a descriptor, or for an `O_PATH` descriptor through its
    /// `/proc/self/fd` entry, and returns 0 or -1 with errno set. Tests replace it to act
    /// as a file system that ignores modes.
    var setMode: @Sendable (_ descriptor: Int32, _ isPathOnly: Bool, _ mode: mode_t) -> Int32 = { descriptor, isPathOnly, mode in
        isPathOnly ? chmod("/proc/self/fd/\(descriptor)", mode) : fchmod(descriptor, mode)
    }

    /// Removes the group, others and special bits from a file or folder and returns the old
    /// and new mode, or nil when nothing needed changing.
    ///
    /// The path is opened with `O_NOFOLLOW`, and the descriptor must still be the inode that
    /// was checked, owned by the user and, for a file, with one link. Only then does the mode
    /// change, through that descriptor, so a file or link swapped in after the check is never touched.
    func fixMode(_ repair: ModeRepair) throws(PermissionError) -> (old: UInt32, new: UInt32)? {
        let (descriptor, isPathOnly) = try openWithoutFollowing(repair)
        defer { close(descriptor) }

        guard let status = statusOf(descriptor: descriptor) else {
            throw .fixFailed(path: repair.displayPath, reason: systemErrorText(errno))
        }
        if status.isSymbolicLink { throw .replaced(path: repair.displayPath, now: "a symbolic link") }
        guard status.isDirectory == repair.isFolder, status.isRegular || status.isDirectory else {
            throw .replaced(path: repair.displayPath, now: "a \(status.typeName)")
        }
        guard status.device == repair.device, status.inode == repair.inode else {
            throw .replaced(path: repair.displayPath, now: "another file")
        }
        guard status.owner == user else { throw .notOwner(path: repair.displayPath, owner: userName(status.owner)) }
        if status.isRegular && status.linkCount != 1 {
            throw .hardLinks(path: repair.displayPath, count: status.linkCount)
        }

        guard status.mode & 0o077 != 0 else { return nil }
        let newMode = status.mode & 0o700
        guard setMode(descriptor, isPathOnly, mode_t(newMode)) == 0 else {
            throw .fixFailed(path: repair.displayPath, reason: systemErrorText(errno))
        }
        let actual = statusOf(descriptor: descriptor)?.mode ?? status.mode
        guard actual == newMode else {
            throw .modeDidNotTake(path: repair.displayPath, expected: newMode, actual: actual)
        }
        return (status.mode, newMode)
    }

    /// Opens the file to change without following a final symbolic link.
    ///
    /// A file or folder the user owns but cannot read (mode 0044, say) is opened with `O_PATH`
    /// instead, which `fchmod` rejects, so `setMode` changes it through `/proc/self/fd`, the same inode.
    private func openWithoutFollowing(_ repair: ModeRepair) throws(PermissionError) -> (Int32, Bool) {
        let descriptor = upx_open(repair.fullPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if descriptor >= 0 { return (descriptor, false) }

        let openError = errno
        switch openError {
        case ELOOP:
            throw .replaced(path: repair.displayPath, now: "a symbolic link")
        case ENOENT:
            throw .replaced(path: repair.displayPath, now: "missing")
        case EACCES:
            // With O_PATH, O_NOFOLLOW opens a final symbolic link itself, which fstat then reports.
            let pathDescriptor = upx_open(repair.fullPath, openPathOnly | O_NOFOLLOW | O_CLOEXEC)
            guard pathDescriptor >= 0 else { throw .fixFailed(path: repair.displayPath, reason: systemErrorText(errno)) }
            return (pathDescriptor, true)
        default:
            throw .fixFailed(path: repair.displayPath, reason: systemErrorText(openError))
        }
    }

    /// Appends `patterns` to the `.gitignore` at the top of a work tree, creating it with mode
    /// 0644 when missing, after a comment line that names upx-perm.
    func appendIgnorePatterns(_ patterns: [String], topLevel: String) throws(PermissionError) {
        let path = topLevel + "/.gitignore"
        let descriptor = upx_open_mode(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .fixFailed(path: path, reason: systemErrorText(errno)) }
        defer { close(descriptor) }
        guard let status = statusOf(descriptor: descriptor), status.isRegular else {
            throw .fixFailed(path: path, reason: "it is not a regular file")
        }
        guard status.owner == user else { throw .notOwner(path: path, owner: userName(status.owner)) }

        var lastByte: UInt8 = 0
        let endsWithNewline = status.size == 0 || (pread(descriptor, &lastByte, 1, off_t(status.size - 1)) == 1 && lastByte == 10)
        let text = (endsWithNewline ? "" : "\n") + "# Credentials, added by upx-perm\n"
            + patterns.map { $0 + "\n" }.joined()
        if let failure = writeAll(descriptor, text) {
            throw .fixFailed(path: path, reason: systemErrorText(failure))
        }
    }
}

/// Linux's O_PATH from <bits/fcntl-linux.h>, which the Glibc module does not export.
private let openPathOnly: Int32 = 0o10000000

/// Escapes a path for a `.gitignore` line, so that git matches it literally, anchored at the work tree top.
func anchoredIgnorePattern(_ relativePath: String, isFolder: Bool) -> String {
    var pattern = "/"
    for character in relativePath {
        if "\\*?[".contains(character) { pattern.append("\\") }
        pattern.append(character)
    }
    // git drops trailing blanks from a pattern unless a backslash guards them.
    if pattern.hasSuffix(" ") { pattern = String(pattern.dropLast()) + "\\ " }
    return isFolder ? pattern + "/" : pattern
}
