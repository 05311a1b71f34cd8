// The places upx-perm looks for credentials: the paths given, the usual places, or a search below folders.

import Glibc

/// A file or folder upx-perm judges as a credential.
public struct CredentialPath: Equatable, Sendable {
    /// The path as given or found, shown in the report.
    public let path: String
    /// `path` made absolute against the working directory.
    public let fullPath: String
    /// A folder of credentials, which is expected to have mode 0700, rather than a file (0600).
    public let isFolder: Bool
    /// Whether a missing path is an error (a path given) rather than a place to pass over.
    public let isRequired: Bool
    /// The file or folder whose ignore status git is asked about: the file itself, or the
    /// credential folder it sits in.
    public let ignoreScope: String
    /// The `.gitignore` pattern that covers `ignoreScope`, or nil for its path from the work tree top.
    public let ignorePattern: String?
}

/// The names and folders the security guide of the Python client lists as credentials, and
/// the search for them.
public struct CredentialPlaces: Sendable {
    /// File name patterns, as `.gitignore` writes them, that contain credentials or tokens.
    public static let filePatterns = [".env", ".env.*", "config.json", "secrets.yaml", "credentials.ini",
                                      "*.token", "upstox_token.json"]
    /// Names of folders whose whole content is credentials.
    public static let folderNames = ["token_cache", ".upstox"]
    /// `.env.*` files that projects commit on purpose, with placeholder values, and that the
    /// default places and the search leave out. A path given is still checked.
    public static let templateNames: Set = [".env.example", ".env.sample", ".env.template", ".env.dist"]

    public let workingDirectory: String
    public let environment: [String: String]

    public init(workingDirectory: String, environment: [String: String]) {
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    /// Returns the `.gitignore` pattern that matches a credential file's name, or nil when none does.
    public static func filePattern(forName name: String) -> String? {
        if templateNames.contains(name) { return nil }
        if name == ".env.." || name == ".env." { return nil }
        if name.hasPrefix(".env.") { return ".env.*" }
        if name.hasSuffix(".token") && name.count > ".token".count { return "*.token" }
        return filePatterns.contains(name) ? name : nil
    }

    /// Returns the usual places that exist: credential files in the working directory, its
    /// `token_cache/`, `~/.upstox/` and upx's configuration folder, each folder with its content.
    /// With `recursive`, the working directory is searched to any depth instead of its top level.
    public func defaultPaths(recursive: Bool = false) throws(PermissionError) -> [CredentialPath] {
        var places: [CredentialPath] = []
        if recursive {
            places = try search(below: ".")
        } else {
            let names = try listFolder(workingDirectory, displayedAs: workingDirectory)
            // A dangling link has no status to follow, but its name still makes it a credential.
            for name in names where statusOf(workingDirectory + "/" + name)?.isDirectory != true {
                if let pattern = Self.filePattern(forName: name) {
                    places.append(file(name, pattern: pattern, isRequired: false))
                }
            }
            if names.contains("token_cache") {
                places += try folder("token_cache", pattern: "token_cache/", isRequired: false)
            }
        }
        if let home = environment["HOME"], !home.isEmpty {
            places += try folder(home + "/.upstox", pattern: ".upstox/", isRequired: false)
        }
        if let configuration = upxConfigurationFolder(environment) {
            places += try folder(configuration, pattern: nil, isRequired: false)
        }
        return places
    }

    /// Returns the credential paths for the paths given: a file as it is, a folder with all its content.
    public func paths(forOperands operands: [String]) throws(PermissionError) -> [CredentialPath] {
        var places: [CredentialPath] = []
        for operand in operands {
            if statusOf(resolvedPath(operand, in: workingDirectory))?.isDirectory == true {
                let name = lastComponent(operand)
                let pattern = Self.folderNames.contains(name) ? name + "/" : nil
                places += try folder(operand, pattern: pattern, isRequired: true)
            } else {
                places.append(file(operand, pattern: Self.filePattern(forName: lastComponent(operand)), isRequired: true))
            }
        }
        return places
    }

    /// Returns the credentials found below `folder` by name, without following symbolic links
    /// to folders and without entering `.git`.
    public func search(below folder: String) throws(PermissionError) -> [CredentialPath] {
        var places: [CredentialPath] = []
        let fullFolder = resolvedPath(folder, in: workingDirectory)
        for name in try listFolder(fullFolder, displayedAs: folder) where name != ".git" {
            let child = joined(folder, name)
            guard let status = linkStatusOf(resolvedPath(child, in: workingDirectory)) else { continue }
            if status.isDirectory {
                if Self.folderNames.contains(name) {
                    places += try self.folder(child, pattern: name + "/", isRequired: false)
                } else {
                    places += try search(below: child)
                }
            } else if let pattern = Self.filePattern(forName: name) {
                places.append(file(child, pattern: pattern, isRequired: false))
            }
        }
        return places
    }

    private func file(_ path: String, pattern: String?, isRequired: Bool) -> CredentialPath {
        let fullPath = normalizedPath(resolvedPath(path, in: workingDirectory))
        return CredentialPath(
            path: path, fullPath: fullPath, isFolder: false, isRequired: isRequired,
            ignoreScope: fullPath, ignorePattern: pattern)
    }

    /// Returns a credential folder and everything below it, all covered by the folder's ignore pattern.
    /// A folder that does not exist yields nothing unless it is required.
    private func folder(_ path: String, pattern: String?, isRequired: Bool) throws(PermissionError) -> [CredentialPath] {
        let fullPath = normalizedPath(resolvedPath(path, in: workingDirectory))
        let top = CredentialPath(
            path: path, fullPath: fullPath, isFolder: true, isRequired: isRequired,
            ignoreScope: fullPath, ignorePattern: pattern)
        guard statusOf(fullPath)?.isDirectory == true else { return isRequired ? [top] : [] }
        return [top] + (try content(of: path, scope: fullPath, pattern: pattern))
    }

    private func content(of folder: String, scope: String, pattern: String?) throws(PermissionError) -> [CredentialPath] {
        var places: [CredentialPath] = []
        // A credential folder that is also a repository keeps git's own files in .git, which are no credentials.
        for name in try listFolder(resolvedPath(folder, in: workingDirectory), displayedAs: folder) where name != ".git" {
            let child = joined(folder, name)
            let fullPath = normalizedPath(resolvedPath(child, in: workingDirectory))
            let isFolder = linkStatusOf(fullPath)?.isDirectory == true
            places.append(CredentialPath(
                path: child, fullPath: fullPath, isFolder: isFolder, isRequired: false,
                ignoreScope: scope, ignorePattern: pattern))
            if isFolder { places += try content(of: child, scope: scope, pattern: pattern) }
        }
        return places
    }

    /// Lists a folder's entries, sorted by name so that reports come out in a stable order.
    private func listFolder(_ fullPath: String, displayedAs path: String) throws(PermissionError) -> [String] {
        guard let stream = opendir(fullPath) else {
            throw .cannotListFolder(path: path, reason: systemErrorText(errno))
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// Returns upx's configuration folder, `${XDG_CONFIG_HOME:-$HOME/.config}/upx`, or nil when
/// neither variable is set.
func upxConfigurationFolder(_ environment: [String: String]) -> String? {
    if let base = environment["XDG_CONFIG_HOME"], base.hasPrefix("/") { return base + "/upx" }
    guard let home = environment["HOME"], !home.isEmpty else { return nil }
    return home + "/.config/upx"
}

/// Appends `name` to `folder` with one slash between them.
private func joined(_ folder: String, _ name: String) -> String {
    if folder == "." { return name }
    return folder.hasSuffix("/") ? folder + name : folder + "/" + name
}

/// Removes empty and `.` components from an absolute path, so `/a/./b/` becomes `/a/b`.
/// `..` stays, because a symbolic link before it decides where it leads.
func normalizedPath(_ path: String) -> String {
    let components = path.split(separator: "/").filter { $0 != "." }
    return "/" + components.joined(separator: "/")
}

/// Returns the last component of a path, ignoring trailing slashes.
func lastComponent(_ path: String) -> String {
    let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
    return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
}
