// upx-perm's git checks and .gitignore fixes, in repositories the tests create with the real git.

import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// A git repository in a new temporary folder, with a home folder of its own for git's global files.
private struct Repository {
    let directory = TemporaryDirectory()
    let git: String

    init() throws {
        guard let git = ChildProcess.find("git", environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"]) else {
            throw MissingGit()
        }
        self.git = git
        try run("init", "-q", ".")
    }

    /// Runs git in the repository with the tests' isolated environment and returns its standard output.
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let result = try ChildProcess.run(git, ["-C", directory.path] + arguments, environment: isolatedEnvironment(directory))
        guard result.status == 0 else { throw GitCommandFailed(arguments: arguments, message: result.errorText) }
        return String(decoding: result.output, as: UTF8.self)
    }

    func write(_ name: String, _ text: String) {
        directory.makeFile(name, mode: 0o644, text: text)
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: directory.path + "/" + name, encoding: .utf8)
    }
}

private struct MissingGit: Error, CustomStringConvertible {
    var description: String { "git is not installed; install the Debian package git (apt-get install git)" }
}

private struct GitCommandFailed: Error, CustomStringConvertible {
    let arguments: [String]
    let message: String
    var description: String { "git \(arguments.joined(separator: " ")) failed: \(message)" }
}

@Test func gitTrackedFileFound() throws {
    let repository = try Repository()
    repository.directory.makeFile(".env", mode: 0o600)
    repository.write(".gitignore", ".env\n")
    try repository.run("add", "--force", ".env")
    let report = try scanPaths([".env"], in: repository.directory)
    #expect(checks(report, on: ".env") == [.gitTracked])
    let top = realPath(repository.directory.path)!
    #expect(report.findings.first?.fix == "run in \(top): git rm --cached -- .env; rotate the credentials if a commit with it was ever pushed")
    #expect(report.findings.first?.isFixable == false)
}

@Test func gitNotIgnoredFileFound() throws {
    let repository = try Repository()
    repository.directory.makeFile(".env.local", mode: 0o600)
    let report = try scanPaths([".env.local"], in: repository.directory)
    #expect(checks(report, on: ".env.local") == [.gitNotIgnored])
    #expect(report.findings.first?.reason == "no ignore pattern covers it, so git add would stage it (missing pattern: .env.*)")
}

@Test func gitIgnoredFileClean() throws {
    let repository = try Repository()
    repository.directory.makeFolder("app")
    repository.directory.makeFile("app/.env", mode: 0o600)
    repository.write("app/.gitignore", ".env\n")
    let report = try scanPaths(["app/.env"], in: repository.directory)
    #expect(report.findings.isEmpty)
    #expect(report.errors.isEmpty)
}

@Test func gitGlobalExcludesOnlyFound() throws {
    let repository = try Repository()
    repository.directory.makeFile("config.json", mode: 0o600)
    repository.directory.makeFolder("home/.config")
    repository.directory.makeFolder("home/.config/git")
    repository.write("home/.config/git/ignore", "config.json\n")
    let report = try scanPaths(["config.json"], in: repository.directory)
    #expect(checks(report, on: "config.json") == [.gitIgnoredLocally])
    #expect(report.findings.first?.reason.hasPrefix("only \(repository.directory.path)/home/.config/git/ignore:1 ignores it") == true)
}

@Test func gitInfoExcludeOnlyFound() throws {
    let repository = try Repository()
    repository.directory.makeFile("a.token", mode: 0o600)
    repository.write(".git/info/exclude", "*.token\n")
    let report = try scanPaths(["a.token"], in: repository.directory)
    #expect(checks(report, on: "a.token") == [.gitIgnoredLocally])
    #expect(report.findings.first?.reason.hasPrefix("only .git/info/exclude:1 ignores it") == true)
}

@Test func gitNegatedPatternFound() throws {
    let repository = try Repository()
    repository.directory.makeFile(".env", mode: 0o600)
    repository.write(".gitignore", ".env\n!.env\n")
    let report = try scanPaths([".env"], in: repository.directory)
    #expect(checks(report, on: ".env") == [.gitNotIgnored])
    #expect(report.findings.first?.reason.hasPrefix("!.env in .gitignore:2 takes it back from ignoring") == true)
}

@Test func gitCredentialFolderJudgedOnce() throws {
    let repository = try Repository()
    repository.directory.makeFolder("token_cache")
    repository.directory.makeFile("token_cache/a.json", mode: 0o600)
    repository.directory.makeFile("token_cache/b.json", mode: 0o600)
    let report = try scanPaths(["token_cache"], in: repository.directory)
    #expect(report.findings.map(\.check) == [.gitNotIgnored])
    #expect(report.findings.first?.reason.hasSuffix("(missing pattern: token_cache/)") == true)
}

@Test func gitOtherNameGetsAnchoredPattern() throws {
    let repository = try Repository()
    repository.directory.makeFolder("deploy")
    repository.directory.makeFile("deploy/prod[1].key", mode: 0o600)
    let report = try scanPaths(["deploy/prod[1].key"], in: repository.directory)
    #expect(report.findings.first?.reason.hasSuffix("(missing pattern: /deploy/prod\\[1].key)") == true)
}

@Test func gitFixAppendsMissingPatterns() throws {
    let repository = try Repository()
    repository.directory.makeFile(".env", mode: 0o600)
    repository.directory.makeFile("a.token", mode: 0o600)
    repository.write(".gitignore", "build/")
    let report = try scanPaths([".env", "a.token"], in: repository.directory, options: PermissionOptions(fix: true))
    #expect(try repository.read(".gitignore") == "build/\n# Credentials, added by upx-perm\n.env\n*.token\n")
    let top = realPath(repository.directory.path)!
    #expect(report.changes == ["fixed \(top)/.gitignore: appended .env, *.token"])
    #expect(report.findings.map(\.status) == [.fixed(".gitignore:3 ignores it"), .fixed(".gitignore:4 ignores it")])
    #expect(report.exitCode == .success)

    let again = try scanPaths([".env", "a.token"], in: repository.directory, options: PermissionOptions(fix: true))
    #expect(again.findings.isEmpty)
    #expect(again.changes.isEmpty)
}

@Test func gitFixReportsPatternOverridden() throws {
    // A deeper .gitignore outranks the top one, so the appended pattern cannot win.
    let repository = try Repository()
    repository.directory.makeFolder("app")
    repository.directory.makeFile("app/.env", mode: 0o600)
    repository.write("app/.gitignore", "!.env\n")
    let report = try scanPaths(["app/.env"], in: repository.directory, options: PermissionOptions(fix: true))
    guard case .notFixed(let reason) = report.findings.first?.status else {
        Issue.record("expected a finding that --fix could not resolve, got \(report.findings)")
        return
    }
    #expect(reason.hasPrefix("git still does not ignore it: !.env in app/.gitignore:1 decides"))
    #expect(report.exitCode == .negative)
}

@Test func gitHookVariablesIgnored() throws {
    // A pre-commit hook runs with GIT_DIR and GIT_INDEX_FILE set; they must not redirect the checks.
    let repository = try Repository()
    let other = try Repository()
    repository.directory.makeFile(".env", mode: 0o600)
    var environment = isolatedEnvironment(repository.directory)
    environment["GIT_DIR"] = other.directory.path + "/.git"
    environment["GIT_INDEX_FILE"] = other.directory.path + "/.git/index"
    let places = CredentialPlaces(workingDirectory: repository.directory.path, environment: environment)
    let scan = PermissionScan(environment: environment, now: Int(time(nil)), options: PermissionOptions())
    let report = scan.run(try places.paths(forOperands: [".env"]))
    #expect(report.findings.map(\.check) == [.gitNotIgnored])
    #expect(report.errors.isEmpty)
}

@Test func gitMissingReported() throws {
    let repository = try Repository()
    repository.directory.makeFile(".env", mode: 0o600)
    var environment = isolatedEnvironment(repository.directory)
    environment["PATH"] = "/nonexistent-upx-test"
    let places = CredentialPlaces(workingDirectory: repository.directory.path, environment: environment)
    let scan = PermissionScan(environment: environment, now: Int(time(nil)), options: PermissionOptions())
    let report = scan.run(try places.paths(forOperands: [".env"]))
    #expect(report.errors == [.gitMissing(path: ".env")])
    #expect(report.exitCode == .badInput)
}

@Test func noGitOutsideWorkTree() throws {
    // Outside any work tree git is never run, so a missing git does not matter.
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600)
    let environment = ["PATH": "/nonexistent-upx-test"]
    let places = CredentialPlaces(workingDirectory: directory.path, environment: environment)
    let scan = PermissionScan(environment: environment, now: Int(time(nil)), options: PermissionOptions())
    let report = scan.run(try places.paths(forOperands: [".env"]))
    #expect(report.errors.isEmpty)
    #expect(report.findings.isEmpty)
}

@Test(arguments: [
    ("keys/prod.key", false, "/keys/prod.key"), ("a*b?[c]", false, "/a\\*b\\?\\[c]"),
    ("old ", false, "/old\\ "), ("cache", true, "/cache/"), ("#notes", false, "/#notes"),
] as [(String, Bool, String)])
func anchoredPatternEscapes(_ path: String, _ isFolder: Bool, _ expected: String) {
    #expect(anchoredIgnorePattern(path, isFolder: isFolder) == expected)
}
