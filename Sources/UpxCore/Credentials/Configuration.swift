// The settings of upx-login, read from the environment first and then from `./.env`.

import CSystem
import Glibc

/// One setting and where it came from, for messages that must name the source but not the value.
public struct ConfigValue {
    public let value: String
    /// `environment` or the path of the file.
    public let source: String
}

/// The `UPSTOX_*` settings of one run.
public struct Configuration {
    public let environment: [String: String]
    public let envFile: DotEnvFile?

    public init(environment: [String: String], envFile: DotEnvFile?) {
        self.environment = environment
        self.envFile = envFile
    }

    /// Reads the environment and, when it exists, `.env` in the working directory.
    ///
    /// With `needed`, the file is read only when the environment lacks one of those names, so
    /// a stray or unsafe `.env` in a shared folder cannot stop a run that needs nothing from it.
    public static func load(context: Context, needed: [String]? = nil) throws -> Configuration {
        if let needed, needed.allSatisfy({ !(context.environment[$0] ?? "").isEmpty }) {
            return Configuration(environment: context.environment, envFile: nil)
        }
        let path = context.workingDirectory + "/.env"
        let envFile = try SecureFile.readEnvFile(at: path, environment: context.environment)
        return Configuration(environment: context.environment, envFile: envFile)
    }

    /// Returns the value from the environment if set there, else from the env file.
    public func value(_ name: String) -> ConfigValue? {
        if let value = environment[name] { return ConfigValue(value: value, source: "the environment") }
        if let file = envFile, let value = file.value(name) { return ConfigValue(value: value, source: file.path) }
        return nil
    }

    /// A setting that must be present and not empty.
    public func required(_ name: String) throws -> ConfigValue {
        guard let found = value(name), !found.value.isEmpty else { throw CredentialError.missing(name: name) }
        return found
    }
}

/// Reading files that hold secrets, refusing ones that other users could read or replace.
public enum SecureFile {
    /// Parses the env file at `path`; nil when there is no such file.
    public static func readEnvFile(at path: String, environment: [String: String] = [:]) throws -> DotEnvFile? {
        guard var bytes = try readSecretFile(at: path) else { return nil }
        defer { bytes.withUnsafeMutableBytes { wipe($0) } }
        return try DotEnvFile.parse(String(decoding: bytes, as: UTF8.self), path: path, environment: environment)
    }

    /// Reads a file that must be owned by this user and closed to group and others, as ssh
    /// requires of private keys. Returns nil when the file does not exist.
    public static func readSecretFile(at path: String) throws -> [UInt8]? {
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
        guard status.st_uid == getuid() else {
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
