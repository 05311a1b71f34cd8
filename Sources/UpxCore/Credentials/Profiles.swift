// Profiles: one account each, with its own env file and its own key in the keyring.

import Glibc

/// An env file a profile reads, and why.
public struct EnvFileLocation: Equatable {
    public let path: String
    /// The option, variable or profile that chose the file, for messages: `--env-file`, `profile work`.
    public let origin: String
    /// True for a file named by --env-file or UPSTOX_ENV_FILE, which is an error when missing.
    public let mustExist: Bool
    /// True for `./.env`, which only a required credential opens.
    public let isWorkingDirectoryFile: Bool
}

/// Profile names, their env files, and the listing of --list-profiles.
public enum Profiles {
    public static let defaultName = "default"

    /// Returns the profile from --profile or UPX_PROFILE; letters, digits, `.`, `_` and `-` only,
    /// because it becomes part of a key name and of a file name.
    public static func name(option: String?, environment: [String: String]) throws -> String {
        let name = option ?? environment["UPX_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultName
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        guard !name.isEmpty, name.count <= 64, allowed, !name.hasPrefix("."), !name.hasPrefix("-") else {
            throw UsageError.invalidValue(
                option: "--profile", value: name, reason: "use 1 to 64 letters, digits, '.', '_' or '-'")
        }
        return name
    }

    /// Returns `${XDG_CONFIG_HOME:-$HOME/.config}/upx`, where profile files live.
    public static func configFolder(_ environment: [String: String]) -> String {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/upx" }
        return homeFolder(environment) + "/.config/upx"
    }

    /// Returns the env files a run reads, in order. A file named by --env-file or UPSTOX_ENV_FILE
    /// is read alone. Otherwise a profile reads `PROFILE.env` in the config folder, and the
    /// default profile then also reads `./.env`, as the Python client does.
    public static func envFiles(
        profile: String, envFileOption: String?, environment: [String: String], workingDirectory: String
    ) -> [EnvFileLocation] {
        if let option = envFileOption {
            return [EnvFileLocation(
                path: absolutePath(option, in: workingDirectory), origin: "--env-file", mustExist: true,
                isWorkingDirectoryFile: false)]
        }
        if let variable = environment["UPSTOX_ENV_FILE"], !variable.isEmpty {
            return [EnvFileLocation(
                path: absolutePath(variable, in: workingDirectory), origin: "UPSTOX_ENV_FILE", mustExist: true,
                isWorkingDirectoryFile: false)]
        }

        var files = [EnvFileLocation(
            path: configFolder(environment) + "/\(profile).env", origin: "profile \(profile)", mustExist: false,
            isWorkingDirectoryFile: false)]
        if profile == defaultName {
            files.append(EnvFileLocation(
                path: absolutePath(".env", in: workingDirectory), origin: "the working directory", mustExist: false,
                isWorkingDirectoryFile: true))
        }
        return files
    }

    /// Returns the names of the profiles that have a file in the config folder, sorted.
    public static func listed(_ environment: [String: String]) -> [String] {
        guard let folder = opendir(configFolder(environment)) else { return [] }
        defer { closedir(folder) }

        var names: [String] = []
        while let entry = readdir(folder) {
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard fileName.hasSuffix(".env") else { continue }
            let name = String(fileName.dropLast(4))
            if (try? Self.name(option: name, environment: [:])) != nil { names.append(name) }
        }
        return names.sorted()
    }

    /// Returns `path` made absolute against `folder`.
    static func absolutePath(_ path: String, in folder: String) -> String {
        if path.hasPrefix("/") { return path }
        return folder + "/" + path
    }

    static func homeFolder(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], home.hasPrefix("/") { return home }
        if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir { return String(cString: directory) }
        return "/"
    }
}
