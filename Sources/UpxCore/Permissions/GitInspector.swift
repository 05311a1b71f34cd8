// Asking the git program which credential files a work tree tracks and which it ignores.

/// The git binary found on PATH, run with an environment that cannot point it at another repository.
struct GitInspector {
    /// git's path, or nil when PATH has none.
    let executable: String?
    let environment: [String: String]

    /// Variables that would make git use another repository or index than the one found from
    /// the folder, as a pre-commit hook's environment does. git then finds the repository itself.
    static let repositoryVariables: Set = [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
    ]

    init(environment: [String: String]) {
        var gitEnvironment = environment.filter { !Self.repositoryVariables.contains($0.key) }
        // English messages, so that a refusal differs from "not a git repository".
        gitEnvironment["LC_ALL"] = "C"
        gitEnvironment["LANGUAGE"] = nil
        gitEnvironment["GIT_OPTIONAL_LOCKS"] = "0"
        self.environment = gitEnvironment
        executable = ChildProcess.find("git", environment: environment)
    }

    /// Returns the top folder of the work tree that contains `folder`, or nil when there is none.
    ///
    /// git runs only when a `.git` entry sits in `folder` or above it, so files outside any
    /// repository need no git at all. git decides: a `.git` that is not a repository counts as none.
    func workTree(containing folder: String, for path: String) throws(PermissionError) -> String? {
        guard hasGitEntry(atOrAbove: folder) else { return nil }
        let result = try run(["-C", folder, "rev-parse", "--show-toplevel"], for: path)
        if result.status == 0 {
            let top = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: "\n")
            return top.isEmpty ? nil : top
        }
        let message = result.errorText
        if message.contains("not a git repository") || message.contains("must be run in a work tree") { return nil }
        throw .gitFailed(path: path, reason: firstLine(message))
    }

    /// Returns those of `relativePaths` that the index of the work tree at `top` holds.
    func trackedPaths(in top: String, _ relativePaths: [String], for path: String) throws(PermissionError) -> Set<String> {
        var tracked: Set<String> = []
        // Chunks keep the command line well below the kernel's limit on argument length.
        for start in stride(from: 0, to: relativePaths.count, by: 500) {
            let chunk = Array(relativePaths[start..<min(start + 500, relativePaths.count)])
            let result = try run(["--literal-pathspecs", "-C", top, "ls-files", "-z", "--full-name", "--"] + chunk, for: path)
            guard result.status == 0 else { throw .gitFailed(path: path, reason: firstLine(result.errorText)) }
            tracked.formUnion(nulSeparated(result.output))
        }
        return tracked
    }

    /// Returns, for each of `relativePaths` that an ignore pattern matches, the last pattern
    /// that matches it and the file it comes from, as `git check-ignore --verbose` reports it.
    ///
    /// `--no-index` makes git judge tracked files by the patterns too, which it otherwise skips.
    func ignoreMatches(in top: String, _ relativePaths: [String], for path: String) throws(PermissionError) -> [String: IgnoreMatch] {
        var input: [UInt8] = []
        for relativePath in relativePaths {
            input += relativePath.utf8
            input.append(0)
        }
        let arguments = ["-C", top, "check-ignore", "--verbose", "--non-matching", "--no-index", "--stdin", "-z"]
        let result = try run(arguments, input: input, for: path)
        // check-ignore exits 1 when no path is ignored, which is a valid result too.
        guard result.status == 0 || result.status == 1 else {
            throw .gitFailed(path: path, reason: firstLine(result.errorText))
        }

        // Each record is four fields: source, line number, pattern and path. The first three are
        // empty when no pattern matches.
        let fields = nulSeparated(result.output)
        var matches: [String: IgnoreMatch] = [:]
        for start in stride(from: 0, to: fields.count - 3, by: 4) where !fields[start].isEmpty {
            matches[fields[start + 3]] = IgnoreMatch(source: fields[start], line: fields[start + 1], pattern: fields[start + 2])
        }
        return matches
    }

    private func run(_ arguments: [String], input: [UInt8] = [], for path: String) throws(PermissionError) -> ChildProcessResult {
        guard let executable else { throw .gitMissing(path: path) }
        do {
            return try ChildProcess.run(executable, arguments, environment: environment, input: input)
        } catch {
            switch error {
            case .cannotStart(_, let reason):
                throw .gitFailed(path: path, reason: "cannot start \(executable): \(reason)")
            }
        }
    }

    private func hasGitEntry(atOrAbove folder: String) -> Bool {
        var current = folder
        while true {
            if linkStatusOf(current == "/" ? "/.git" : current + "/.git") != nil { return true }
            if current == "/" { return false }
            current = parentFolder(current)
        }
    }
}

/// The ignore pattern that decides whether git ignores a path.
struct IgnoreMatch: Equatable {
    /// The file the pattern is in: relative to the work tree top for a `.gitignore` or
    /// `.git/info/exclude`, absolute for the global excludes file.
    let source: String
    let line: String
    let pattern: String

    /// Whether the pattern ignores the path. A pattern starting with `!` re-includes it.
    var ignores: Bool { !pattern.hasPrefix("!") }

    /// Whether the pattern is in a `.gitignore` inside the work tree, which every clone has.
    var isInRepository: Bool { !source.hasPrefix("/") && lastComponent(source) == ".gitignore" }
}

/// Splits NUL-terminated fields as git's `-z` output writes them.
private func nulSeparated(_ bytes: [UInt8]) -> [String] {
    var fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    if fields.last == "" { fields.removeLast() }
    return fields
}

private func firstLine(_ text: String) -> String {
    String(text.split(separator: "\n").first ?? "git failed")
}
