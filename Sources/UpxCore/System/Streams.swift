// Standard output, error and input as values, so the core can be tested without a process.

import CSystem
import Glibc

/// The three standard streams of a tool run.
public final class Streams {
    public let out: (String) -> Void
    public let err: (String) -> Void
    /// Reads all of standard input; nil when it cannot be read.
    public let readInput: () -> [UInt8]?
    /// Reads all of standard input as `readInput` does, with echo off when the input is a terminal.
    public let readSecretInput: () -> [UInt8]?
    public let outputIsTerminal: Bool
    public let errorIsTerminal: Bool
    public let inputIsTerminal: Bool
    /// The errno of the first failed write to standard output, if any, so that a tool whose
    /// result was lost (a full disk, a closed pipe) does not exit 0.
    public let outputError: () -> Int32?

    public init(
        out: @escaping (String) -> Void, err: @escaping (String) -> Void,
        readInput: @escaping () -> [UInt8]?, readSecretInput: (() -> [UInt8]?)? = nil,
        outputIsTerminal: Bool = false, errorIsTerminal: Bool = false, inputIsTerminal: Bool = false,
        outputError: @escaping () -> Int32? = { nil }
    ) {
        self.out = out
        self.err = err
        self.readInput = readInput
        self.readSecretInput = readSecretInput ?? readInput
        self.outputIsTerminal = outputIsTerminal
        self.errorIsTerminal = errorIsTerminal
        self.inputIsTerminal = inputIsTerminal
        self.outputError = outputError
    }

    /// Returns streams on the process's own file descriptors 0, 1 and 2, written unbuffered.
    public static func standard() -> Streams {
        let failure = WriteFailure()
        return Streams(
            out: { text in
                if failure.errorNumber == nil { failure.errorNumber = writeAll(STDOUT_FILENO, text) }
            },
            err: { writeAll(STDERR_FILENO, $0) },
            readInput: { readAll(STDIN_FILENO) },
            readSecretInput: { TerminalEcho.withEchoOff(STDIN_FILENO) { readAll(STDIN_FILENO) } },
            outputIsTerminal: isatty(STDOUT_FILENO) == 1,
            errorIsTerminal: isatty(STDERR_FILENO) == 1,
            inputIsTerminal: isatty(STDIN_FILENO) == 1,
            outputError: { failure.errorNumber }
        )
    }
}

/// The first errno of a stream's failed writes.
private final class WriteFailure {
    var errorNumber: Int32?
}

/// Writes a whole string to a descriptor, retrying short writes and EINTR; returns the
/// errno of a failed write, or nil.
@discardableResult
public func writeAll(_ descriptor: Int32, _ text: String) -> Int32? {
    var bytes = Array(text.utf8)
    return writeAll(descriptor, &bytes)
}

/// Writes a whole byte buffer to a descriptor, retrying short writes and EINTR; returns the
/// errno of a failed write, or nil.
@discardableResult
public func writeAll(_ descriptor: Int32, _ bytes: inout [UInt8]) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += written
    }
    return nil
}

/// Replaces the file at `path` with `text` through a new file of mode 0600 renamed over it,
/// so that a reader sees the old content or the new, never a part. The file and then its
/// folder are synced, so the new content survives a power loss. Returns the errno of a
/// failure, or nil.
public func replaceFile(_ path: String, with text: String) -> Int32? {
    let temporary = "\(path).\(getpid()).tmp"
    // A file of that name is left from a process that had this pid and died before renaming it,
    // as happens to pid 1 in a container that restarts.
    unlink(temporary)
    let descriptor = upx_open_mode(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { return errno }
    let failure = writeAll(descriptor, text) ?? (fchmod(descriptor, 0o600) == 0 && fsync(descriptor) == 0 ? nil : errno)
    close(descriptor)
    if let failure {
        unlink(temporary)
        return failure
    }
    guard rename(temporary, path) == 0 else {
        let code = errno
        unlink(temporary)
        return code
    }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let folderDescriptor = upx_open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folderDescriptor >= 0 else { return errno }
    defer { close(folderDescriptor) }
    return fsync(folderDescriptor) == 0 ? nil : errno
}

/// Reads the small file at `path` without following a final symbolic link. Returns nil when
/// there is no such file, and throws the reason when it cannot be read or, with
/// `regularOnly`, is not a regular file.
func readSmallFile(_ path: String, limit: Int, regularOnly: Bool = false) throws(FileReadFailure) -> [UInt8]? {
    let descriptor = upx_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
    if descriptor < 0 && errno == ENOENT { return nil }
    guard descriptor >= 0 else { throw FileReadFailure(reason: String(cString: strerror(errno))) }
    defer { close(descriptor) }

    var status = stat()
    if regularOnly, fstat(descriptor, &status) != 0 || status.st_mode & S_IFMT != S_IFREG {
        throw FileReadFailure(reason: "it is not a regular file")
    }
    guard let bytes = readAll(descriptor, limit: limit) else { throw FileReadFailure(reason: String(cString: strerror(errno))) }
    return bytes
}

/// The reason a file could not be read, as strerror(3) words it or as a sentence.
struct FileReadFailure: Error {
    let reason: String
}

/// Reads a descriptor to its end, at most `limit` bytes; nil on a read error.
///
/// The result may hold a secret, so it never grows by reallocation, which would leave
/// an unwiped copy behind: it reads into one buffer of `limit` bytes and copies once.
public func readAll(_ descriptor: Int32, limit: Int = 1 << 16) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: limit)
    defer { buffer.withUnsafeMutableBytes { wipe($0) } }
    var length = 0
    while length < limit {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + length, limit - length) }
        if count < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if count == 0 { break }
        length += count
    }
    return Array(buffer[0..<length])
}

/// Overwrites memory that held a secret, with `explicit_bzero` so the optimiser cannot drop the write.
public func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    explicit_bzero(base, buffer.count)
}
