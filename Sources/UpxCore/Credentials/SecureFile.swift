// Reading files that hold secrets: env files, NAME_FILE files and systemd credentials.

import CSystem
import Glibc

/// Reading files that hold secrets, rejecting ones that other users could read or replace.
public enum SecureFile {
    /// Parses the env file at `path`; nil when there is no such file.
    public static func readEnvFile(at path: String, environment: [String: String] = [:]) throws -> DotEnvFile? {
        guard var bytes = try readSecretFile(at: path) else { return nil }
        defer { bytes.withUnsafeMutableBytes { wipe($0) } }
        return try DotEnvFile.parse(String(decoding: bytes, as: UTF8.self), path: path, environment: environment)
    }

    /// Reads a file that must be owned by this user and closed to group and others, as ssh
    /// requires of private keys. Returns nil when the file does not exist.
    ///
    /// With `allowingRootOwner`, a file owned by root passes too, as systemd may leave the
    /// credentials it passes to a service.
    public static func readSecretFile(at path: String, allowingRootOwner: Bool = false) throws -> [UInt8]? {
        // O_NONBLOCK keeps a FIFO in the file's place from blocking the open, so fstat can reject it.
        let descriptor = upx_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw CredentialError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }

        // The checks run on the opened file, so a file swapped in after them is never read.
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CredentialError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw CredentialError.unusableFile(
                path: path, reason: "it is not a regular file", remedy: "keep the credentials in a regular file")
        }
        guard status.st_uid == getuid() || (allowingRootOwner && status.st_uid == 0) else {
            throw CredentialError.unusableFile(
                path: path, reason: "it is owned by uid \(status.st_uid), not by you",
                remedy: "use a copy of your own with mode 0600, or ask root to chown it to you")
        }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw CredentialError.unsafeFile(path: path, reason: "mode \(octalMode(mode)) \(accessDescription(mode))")
        }
        // readAll stops at 64 KiB; a larger file would be cut silently, perhaps inside a value.
        guard status.st_size <= 65_536 else {
            throw CredentialError.unreadableFile(path: path, reason: "it is larger than 64 KiB")
        }
        guard let bytes = readAll(descriptor, limit: 65_536) else {
            throw CredentialError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        return bytes
    }
}
