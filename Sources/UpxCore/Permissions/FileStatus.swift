// The facts of stat(2) that the permission checks use, and small path helpers around them.

import Glibc

/// The fields of a `struct stat` that the checks and fixes read.
struct FileStatus: Equatable, Sendable {
    let fileType: mode_t
    /// Permission bits, including set-user-ID, set-group-ID and sticky bits.
    let mode: UInt32
    let owner: uid_t
    let linkCount: UInt64
    let device: UInt64
    let inode: UInt64
    /// The last change of the content, in Unix seconds.
    let modified: Int
    let size: Int

    init(_ status: stat) {
        fileType = status.st_mode & S_IFMT
        mode = UInt32(status.st_mode & 0o7777)
        owner = status.st_uid
        linkCount = UInt64(status.st_nlink)
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        modified = Int(status.st_mtim.tv_sec)
        size = Int(status.st_size)
    }

    var isDirectory: Bool { fileType == S_IFDIR }
    var isRegular: Bool { fileType == S_IFREG }
    var isSymbolicLink: Bool { fileType == S_IFLNK }

    /// Names the file type, as in findings and notes: `regular file`, `directory`, `character device`.
    var typeName: String {
        switch fileType {
        case S_IFREG: "regular file"
        case S_IFDIR: "directory"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        case S_IFIFO: "FIFO"
        case S_IFSOCK: "socket"
        case S_IFLNK: "symbolic link"
        default: "file of unknown type"
        }
    }
}

/// Returns the status of the file `path` names, following symbolic links, or nil when `stat` fails.
func statusOf(_ path: String) -> FileStatus? {
    var status = stat()
    return stat(path, &status) == 0 ? FileStatus(status) : nil
}

/// Returns the status of `path` itself, not following a final symbolic link, or nil when `lstat` fails.
func linkStatusOf(_ path: String) -> FileStatus? {
    var status = stat()
    return lstat(path, &status) == 0 ? FileStatus(status) : nil
}

/// Returns the status of an open descriptor, or nil when `fstat` fails.
func statusOf(descriptor: Int32) -> FileStatus? {
    var status = stat()
    return fstat(descriptor, &status) == 0 ? FileStatus(status) : nil
}

/// `path` itself when absolute, else `path` under `directory`.
func resolvedPath(_ path: String, in directory: String) -> String {
    path.hasPrefix("/") ? path : directory + "/" + path
}

/// Returns the `strerror` text of an errno value.
func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Resolves every symbolic link in `path` and returns the absolute path, or nil when that fails.
func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Reads the text of a symbolic link, or nil when `path` is not one.
func linkText(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink(path, &buffer, buffer.count - 1)
    guard length >= 0 else { return nil }
    return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Looks up the user name of `uid`, and returns `uid N` when the user database has no entry.
func userName(_ uid: uid_t) -> String {
    var entry = passwd()
    var found: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 4096)
    return buffer.withUnsafeMutableBufferPointer { storage in
        guard getpwuid_r(uid, &entry, storage.baseAddress!, storage.count, &found) == 0,
              found != nil, let name = entry.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}

/// Returns the folder part of an absolute path: `/a/b` for `/a/b/c`, `/` for `/a`.
func parentFolder(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
}
