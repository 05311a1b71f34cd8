// The settings of one run, looked up through every place users keep credentials.

/// One setting and where it came from, for messages that must name the source but not the value.
public struct ConfigValue {
    public let value: String
    /// `the environment`, `UPSTOX_PIN_CODE_FILE (/run/secrets/pin)`, a file path, and the like.
    public let source: String
}

/// The `UPSTOX_*` settings of one run. A name is looked up in this order, and the first source
/// that has a non-empty value wins:
///
/// 1. the environment: `NAME`, then `NAME_FILE` (a file holding the value), then `NAME_CMD`
///    (a shell command printing it);
/// 2. the systemd credential `$CREDENTIALS_DIRECTORY/NAME`;
/// 3. each env file in turn, with `NAME`, `NAME_FILE` and `NAME_CMD` as in the environment.
///
/// Files are read and commands run only when a lookup reaches them, so a run whose environment
/// has everything opens nothing else.
public final class Configuration {
    public let environment: [String: String]
    public let envFiles: [EnvFileLocation]
    let workingDirectory: String
    let commandTimeoutSeconds: Double
    private var loadedFiles: [String: DotEnvFile?] = [:]
    private var resolved: [String: ConfigValue?] = [:]

    /// The seconds a NAME_CMD command may run, unless `UPX_CMD_TIMEOUT` sets another.
    public static let defaultCommandTimeoutSeconds = 30.0

    public init(environment: [String: String], workingDirectory: String, envFiles: [EnvFileLocation]) throws {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.envFiles = envFiles
        commandTimeoutSeconds = try Self.commandTimeout(environment)
    }

    /// Returns the configuration of `profile`, with the env file of --env-file (`envFileOption`),
    /// else `UPSTOX_ENV_FILE`, else the profile's own files.
    public convenience init(context: Context, profile: String, envFileOption: String? = nil) throws {
        let files = Profiles.envFiles(
            profile: profile, envFileOption: envFileOption, environment: context.environment,
            workingDirectory: context.workingDirectory)
        try self.init(environment: context.environment, workingDirectory: context.workingDirectory, envFiles: files)
    }

    /// Returns the first non-empty value of `name` and its source, or nil when no source has one.
    ///
    /// Unless `required`, a lookup does not open `./.env`: a setting that may be absent never
    /// makes a stray or unsafe `.env` in a shared folder stop a run that needs nothing from it.
    public func value(_ name: String, required: Bool = false) throws -> ConfigValue? {
        if let known = resolved[name], known != nil || !required { return known }

        let found = try lookUp(name, required: required)
        resolved[name] = found
        return found
    }

    /// A setting that must be present and not empty.
    public func required(_ name: String) throws -> ConfigValue {
        guard let found = try value(name, required: true) else {
            throw CredentialError.missing(name: name, places: envFiles.map(\.path))
        }
        return found
    }

    private func lookUp(_ name: String, required: Bool) throws -> ConfigValue? {
        if let found = try lookUp(name, in: { self.environment[$0] }, source: "the environment") { return found }
        if let found = try systemdCredential(name) { return found }

        for location in envFiles where required || !location.isWorkingDirectoryFile || loadedFiles[location.path] != nil {
            guard let file = try load(location) else { continue }
            if let found = try lookUp(name, in: file.value, source: file.path) { return found }
        }
        return nil
    }

    /// Looks `name`, `name_FILE` and `name_CMD` up in one set of variables.
    private func lookUp(_ name: String, in variables: (String) -> String?, source: String) throws -> ConfigValue? {
        if let value = variables(name), !value.isEmpty { return ConfigValue(value: value, source: source) }

        if let path = variables(name + "_FILE"), !path.isEmpty {
            let resolvedPath = Profiles.absolutePath(path, in: workingDirectory)
            guard var bytes = try SecureFile.readSecretFile(at: resolvedPath) else {
                throw CredentialError.unreadableFile(path: resolvedPath, reason: "no such file (named by \(name)_FILE)")
            }
            defer { bytes.withUnsafeMutableBytes { wipe($0) } }
            let value = try singleLine(trimmedLine(bytes), name: name, source: "\(name)_FILE (\(resolvedPath))")
            return ConfigValue(value: value, source: "\(name)_FILE (\(resolvedPath))")
        }

        if let command = variables(name + "_CMD"), !command.isEmpty {
            let runner = CredentialCommand(name: name, command: command, timeoutSeconds: commandTimeoutSeconds)
            var bytes = try runner.run(environment: environment)
            defer { bytes.withUnsafeMutableBytes { wipe($0) } }
            let value = try singleLine(bytes, name: name, source: "\(name)_CMD")
            return ConfigValue(value: value, source: "\(name)_CMD")
        }
        return nil
    }

    /// Reads `$CREDENTIALS_DIRECTORY/NAME`, which systemd's `LoadCredential=` fills for a service.
    private func systemdCredential(_ name: String) throws -> ConfigValue? {
        guard let folder = environment["CREDENTIALS_DIRECTORY"], !folder.isEmpty else { return nil }
        let path = folder + "/" + name
        guard var bytes = try SecureFile.readSecretFile(at: path, allowingRootOwner: true) else { return nil }
        defer { bytes.withUnsafeMutableBytes { wipe($0) } }
        let value = try singleLine(trimmedLine(bytes), name: name, source: path)
        return value.isEmpty ? nil : ConfigValue(value: value, source: path)
    }

    private func load(_ location: EnvFileLocation) throws -> DotEnvFile? {
        if let loaded = loadedFiles[location.path] { return loaded }
        let file = try SecureFile.readEnvFile(at: location.path, environment: environment)
        if file == nil, location.mustExist {
            throw CredentialError.unreadableFile(path: location.path, reason: "no such file (named by \(location.origin))")
        }
        loadedFiles[location.path] = .some(file)
        return file
    }

    /// Rejects a value that spans lines, which no credential does; a file or command that
    /// prints more is most likely the wrong one.
    private func singleLine(_ bytes: [UInt8], name: String, source: String) throws -> String {
        guard !bytes.contains(UInt8(ascii: "\n")) else {
            throw CredentialError.invalid(
                name: name, source: source, reason: "it holds more than one line; keep only the value")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func commandTimeout(_ environment: [String: String]) throws -> Double {
        guard let text = environment["UPX_CMD_TIMEOUT"], !text.isEmpty else { return defaultCommandTimeoutSeconds }
        guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
            throw CredentialError.invalid(
                name: "UPX_CMD_TIMEOUT", source: "the environment", reason: "expected seconds between 0 and 3600")
        }
        return seconds
    }
}
