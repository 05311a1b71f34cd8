// The checks of upx-perm on files and folders that each test creates, and where it looks for them.

import CSystem
import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// A directory under /tmp that is removed with everything in it when the value goes.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/upx-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed: errno \(errno)")
        path = String(cString: created!)
    }

    deinit {
        _ = try? FileManager.default.removeItem(atPath: path)
    }

    /// Creates a file with `text` and then sets `mode`, which the umask cannot narrow.
    @discardableResult
    func makeFile(_ name: String, mode: mode_t, text: String = "UPSTOX_PIN_CODE=123456\n") -> String {
        let filePath = path + "/" + name
        let descriptor = upx_open_mode(filePath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create \(filePath)")
        writeAll(descriptor, text)
        fchmod(descriptor, mode)
        close(descriptor)
        return filePath
    }

    /// Creates a folder and then sets `mode`.
    @discardableResult
    func makeFolder(_ name: String, mode: mode_t = 0o700) -> String {
        let folderPath = path + "/" + name
        precondition(mkdir(folderPath, 0o700) == 0, "cannot create \(folderPath)")
        chmod(folderPath, mode)
        return folderPath
    }

    func mode(of name: String) -> mode_t {
        var status = stat()
        precondition(stat(path + "/" + name, &status) == 0)
        return status.st_mode & 0o7777
    }
}

/// Returns the user name of the effective user, as findings show it.
func currentUserName() -> String {
    String(cString: getpwuid(geteuid()).pointee.pw_name)
}

/// The uid that tests give files of "another user": `nobody`.
let otherUser: uid_t = 65534

/// Returns an environment that keeps git and upx away from the real home folder: HOME is a
/// folder inside `directory`, and git reads no system configuration.
func isolatedEnvironment(_ directory: TemporaryDirectory) -> [String: String] {
    let home = directory.path + "/home"
    mkdir(home, 0o700)
    return ["HOME": home, "PATH": "/usr/local/bin:/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C.UTF-8"]
}

/// Checks `operands` in `directory`, with --fix and the other options given, and returns the report.
func scanPaths(
    _ operands: [String], in directory: TemporaryDirectory, options: PermissionOptions = PermissionOptions(),
    now: Int = Int(time(nil)), beforeFix: @escaping () -> Void = {}
) throws -> PermissionReport {
    let environment = isolatedEnvironment(directory)
    let places = CredentialPlaces(workingDirectory: directory.path, environment: environment)
    var scan = PermissionScan(environment: environment, now: now, options: options)
    scan.beforeFix = beforeFix
    return scan.run(try places.paths(forOperands: operands))
}

/// Returns the checks of the findings on `path`, in order.
func checks(_ report: PermissionReport, on path: String) -> [PermissionFinding.Check] {
    report.findings.filter { $0.path == path }.map(\.check)
}

// MARK: - Where it looks

@Test(arguments: [
    (".env", ".env"), (".env.local", ".env.*"), (".env.production", ".env.*"), ("config.json", "config.json"),
    ("secrets.yaml", "secrets.yaml"), ("credentials.ini", "credentials.ini"), ("kite.token", "*.token"),
    ("upstox_token.json", "upstox_token.json"),
] as [(String, String)])
func credentialNameHasPattern(_ name: String, _ pattern: String) {
    #expect(CredentialPlaces.filePattern(forName: name) == pattern)
}

@Test(arguments: [".env.example", ".env.sample", ".env.template", ".env.dist", ".envrc", ".token", "notes.txt", "config.yaml"])
func otherNameHasNoPattern(_ name: String) {
    #expect(CredentialPlaces.filePattern(forName: name) == nil)
}

@Test func defaultPathsListUsualPlaces() throws {
    let directory = TemporaryDirectory()
    for name in [".env", ".env.local", ".env.example", "config.json", "a.token", "notes.txt", ".envrc"] {
        directory.makeFile(name, mode: 0o600)
    }
    directory.makeFolder("token_cache")
    directory.makeFile("token_cache/cache.json", mode: 0o600)
    directory.makeFolder("sub")
    directory.makeFile("sub/.env", mode: 0o600)
    let environment = isolatedEnvironment(directory)
    directory.makeFolder("home/.upstox")
    directory.makeFolder("home/.config")
    directory.makeFolder("home/.config/upx")
    directory.makeFile("home/.config/upx/default.env", mode: 0o600)

    let places = CredentialPlaces(workingDirectory: directory.path, environment: environment)
    let paths = try places.defaultPaths().map(\.path)
    let home = directory.path + "/home"
    #expect(paths == [".env", ".env.local", "a.token", "config.json", "token_cache", "token_cache/cache.json",
                      home + "/.upstox", home + "/.config/upx", home + "/.config/upx/default.env"])
}

@Test func defaultPathsUseXDGConfigHome() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("config")
    directory.makeFolder("config/upx")
    var environment = isolatedEnvironment(directory)
    environment["XDG_CONFIG_HOME"] = directory.path + "/config"
    let places = CredentialPlaces(workingDirectory: directory.path, environment: environment)
    #expect(try places.defaultPaths().map(\.path) == [directory.path + "/config/upx"])
}

@Test func defaultPathsEmptyFolder() throws {
    let directory = TemporaryDirectory()
    let places = CredentialPlaces(workingDirectory: directory.path, environment: [:])
    #expect(try places.defaultPaths().isEmpty)
}

@Test func defaultPathsMissingFolderRejected() {
    // A folder of its own: tests that run fish with HOME=/nonexistent-upx-test make that one.
    let missing = "/nonexistent-upx-test-" + UUID().uuidString
    let places = CredentialPlaces(workingDirectory: missing, environment: [:])
    let expected = PermissionError.cannotListFolder(path: missing, reason: "No such file or directory")
    #expect(throws: expected) { try places.defaultPaths() }
}

@Test func recursiveSearchFindsNestedNames() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("app")
    directory.makeFolder("app/deploy")
    directory.makeFile("app/.env", mode: 0o600)
    directory.makeFile("app/deploy/secrets.yaml", mode: 0o600)
    directory.makeFile("app/main.swift", mode: 0o644)
    directory.makeFolder("app/token_cache")
    directory.makeFile("app/token_cache/t", mode: 0o600)
    directory.makeFolder(".git")
    directory.makeFile(".git/old.token", mode: 0o644)
    let elsewhere = TemporaryDirectory()
    elsewhere.makeFile(".env", mode: 0o644)
    symlink(elsewhere.path, directory.path + "/linked")

    let places = CredentialPlaces(workingDirectory: directory.path, environment: [:])
    let paths = try places.search(below: ".").map(\.path)
    #expect(paths == ["app/.env", "app/deploy/secrets.yaml", "app/token_cache", "app/token_cache/t"])
    #expect(try places.defaultPaths(recursive: true).map(\.path) == paths)
}

@Test func folderOperandIncludesContent() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("keys")
    directory.makeFolder("keys/old")
    directory.makeFile("keys/old/a", mode: 0o600)
    directory.makeFile("keys/b", mode: 0o600)
    directory.makeFolder("keys/.git")
    directory.makeFile("keys/.git/config", mode: 0o644)
    let places = CredentialPlaces(workingDirectory: directory.path, environment: [:])
    let paths = try places.paths(forOperands: ["keys/"])
    #expect(paths.map(\.path) == ["keys/", "keys/b", "keys/old", "keys/old/a"])
    #expect(paths.allSatisfy { $0.ignoreScope == directory.path + "/keys" })
    #expect(paths.map(\.isFolder) == [true, false, true, false])
}

// MARK: - Checks on the file itself

@Test(arguments: [(0o640, "group can read it"), (0o604, "others can read it"), (0o666, "group and others can read and write it")]
      as [(mode_t, String)])
func modeOpenToOthersFound(_ mode: mode_t, _ reason: String) throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: mode)
    let report = try scanPaths([".env"], in: directory)
    let finding = try #require(report.findings.first)
    #expect(report.findings.count == 1)
    #expect(finding.check == .mode)
    #expect(finding.reason == reason)
    #expect(finding.mode == UInt32(mode))
    #expect(finding.expectedMode == 0o600)
    #expect(finding.owner == currentUserName())
    #expect(finding.type == "regular file")
    #expect(finding.fix == "upx-perm --fix .env")
    #expect(report.exitCode == .negative)
}

@Test(arguments: [0o600, 0o400, 0o700, 0o000] as [mode_t])
func ownerOnlyModeClean(_ mode: mode_t) throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: mode)
    let report = try scanPaths([".env"], in: directory)
    #expect(report.findings.isEmpty)
    #expect(report.checkedCount == 1)
    #expect(report.exitCode == .success)
}

@Test func folderExpects0700() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("token_cache", mode: 0o755)
    let report = try scanPaths(["token_cache"], in: directory)
    let finding = try #require(report.findings.first)
    #expect(finding.check == .mode)
    #expect(finding.type == "directory")
    #expect(finding.expectedMode == 0o700)
}

@Test func otherOwnerFound() throws {
    guard geteuid() == 0 else {
        Issue.record("this test needs root to give a file to another user; run the suite as root")
        return
    }
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o600)
    chown(path, otherUser, otherUser)
    let report = try scanPaths([".env"], in: directory)
    #expect(checks(report, on: ".env") == [.owner])
    #expect(report.findings.first?.owner == userName(otherUser))
    #expect(report.findings.first?.fix == "ask root to run: chown \(currentUserName()) .env")
}

@Test func otherOwnersModeNotFixable() throws {
    let directory = TemporaryDirectory()
    // /etc/passwd belongs to root, so for an ordinary user it is another user's file.
    let path: String
    if geteuid() == 0 {
        path = directory.makeFile(".env", mode: 0o644)
        chown(path, otherUser, otherUser)
    } else {
        path = "/etc/passwd"
    }
    let report = try scanPaths([path], in: directory, options: PermissionOptions(fix: true))
    let finding = try #require(report.findings.first { $0.check == .mode })
    #expect(!finding.isFixable)
    #expect(finding.fix.hasPrefix("ask "))
    #expect(report.changes.isEmpty)
    #expect(statusOf(path)?.mode == 0o644)
}

@Test func hardLinksFound() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o600)
    link(path, directory.path + "/copy")
    let report = try scanPaths([".env"], in: directory)
    #expect(checks(report, on: ".env") == [.hardLinks])
    #expect(report.findings.first?.reason.hasPrefix("it has 2 hard links") == true)
}

@Test func symlinkJudgedByTarget() throws {
    let directory = TemporaryDirectory()
    let target = directory.makeFile("real.env", mode: 0o644)
    symlink(target, directory.path + "/.env")
    let report = try scanPaths([".env"], in: directory)
    let finding = try #require(report.findings.first)
    #expect(finding.check == .mode)
    #expect(finding.target == realPath(target))
    #expect(finding.type == "symbolic link to regular file")
    #expect(finding.fix == "upx-perm --fix \(realPath(target)!)")
    #expect(finding.summary.hasPrefix(".env -> \(realPath(target)!): group and others can read it ("))
}

@Test func danglingSymlinkFound() throws {
    let directory = TemporaryDirectory()
    symlink(directory.path + "/missing", directory.path + "/.env")
    let report = try scanPaths([".env"], in: directory)
    let finding = try #require(report.findings.first)
    #expect(finding.check == .danglingLink)
    #expect(finding.target == directory.path + "/missing")
    #expect(finding.mode == nil)
    #expect(report.errors.isEmpty)
    #expect(report.exitCode == .negative)
}

@Test func devNullSkipped() throws {
    let directory = TemporaryDirectory()
    let report = try scanPaths(["/dev/null"], in: directory)
    #expect(report.skipped == [SkippedPath(path: "/dev/null", type: "character device")])
    #expect(report.findings.isEmpty)
    #expect(report.exitCode == .success)
}

@Test func missingOperandRejected() throws {
    let directory = TemporaryDirectory()
    let report = try scanPaths([".env"], in: directory)
    #expect(report.errors == [.cannotCheck(path: ".env", reason: "No such file or directory")])
    #expect(report.exitCode == .badInput)
}

@Test func oldFileGetsRotationReminder() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600)
    let hundredDaysLater = Int(time(nil)) + 100 * 86_400
    let report = try scanPaths([".env"], in: directory, now: hundredDaysLater)
    #expect(checks(report, on: ".env") == [.age])
    #expect(report.findings.first?.reason.hasPrefix("it has not changed for 100 days, more than the 90-day maximum") == true)
}

@Test(arguments: [0, 120])
func maxAgeSetsReminder(_ days: Int) throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600)
    let hundredDaysLater = Int(time(nil)) + 100 * 86_400
    let report = try scanPaths([".env"], in: directory, options: PermissionOptions(maxAgeDays: days), now: hundredDaysLater)
    #expect(report.findings.isEmpty)
}

// MARK: - Folders above

@Test func groupWritableParentFound() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("shared", mode: 0o770)
    directory.makeFile("shared/.env", mode: 0o600)
    let report = try scanPaths(["shared/.env"], in: directory)
    let finding = try #require(report.findings.first)
    #expect(report.findings.count == 1)
    #expect(finding.check == .parentFolder)
    #expect(finding.path == directory.path + "/shared")
    #expect(finding.expectedMode == 0o750)
    #expect(finding.fix == "chmod go-w \(directory.path)/shared")
}

@Test func stickyRootFolderAccepted() throws {
    // The folder from mkdtemp sits in /tmp, which is root's, mode 1777.
    let directory = TemporaryDirectory()
    #expect(statusOf("/tmp")?.mode == 0o1777)
    directory.makeFile(".env", mode: 0o600)
    let report = try scanPaths([".env"], in: directory)
    #expect(report.findings.isEmpty)
}

@Test func parentOfOtherUserFound() throws {
    guard geteuid() == 0 else {
        Issue.record("this test needs root to give a folder to another user; run the suite as root")
        return
    }
    let directory = TemporaryDirectory()
    let folder = directory.makeFolder("theirs", mode: 0o755)
    directory.makeFile("theirs/.env", mode: 0o600)
    chown(folder, otherUser, otherUser)
    let report = try scanPaths(["theirs/.env"], in: directory)
    #expect(checks(report, on: folder) == [.parentFolder])
    #expect(report.findings.first?.owner == userName(otherUser))
}

@Test func parentFolderReportedOnce() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("shared", mode: 0o777)
    directory.makeFile("shared/.env", mode: 0o600)
    directory.makeFile("shared/a.token", mode: 0o600)
    let report = try scanPaths(["shared/.env", "shared/a.token"], in: directory)
    #expect(report.findings.map(\.check) == [.parentFolder])
}

// MARK: - Fingerprints

@Test func recordedFileChangeFound() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o600)
    let recorded = try scanPaths([".env"], in: directory, options: PermissionOptions(record: true))
    #expect(recorded.recorded == [".env"])
    #expect(try scanPaths([".env"], in: directory).findings.isEmpty)

    let descriptor = open(path, O_WRONLY | O_APPEND)
    writeAll(descriptor, "UPSTOX_TOTP_SECRET=changed\n")
    close(descriptor)
    let report = try scanPaths([".env"], in: directory)
    #expect(checks(report, on: ".env") == [.changed])
    #expect(report.findings.first?.fix == "check the change; if it is yours, run: upx-perm --record .env")
}

@Test func fingerprintFileIsPrivate() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600)
    _ = try scanPaths([".env"], in: directory, options: PermissionOptions(record: true))
    let store = directory.path + "/home/.local/state/upx/fingerprints.json"
    #expect(statusOf(store)?.mode == 0o600)
    #expect(statusOf(parentFolder(store))?.mode == 0o700)
    let text = try String(contentsOfFile: store, encoding: .utf8)
    #expect(!text.contains("123456"))
    #expect(text.contains(realPath(directory.path + "/.env")!))
}

@Test func writableFingerprintFileRejected() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600)
    _ = try scanPaths([".env"], in: directory, options: PermissionOptions(record: true))
    chmod(directory.path + "/home/.local/state/upx/fingerprints.json", 0o666)
    let report = try scanPaths([".env"], in: directory)
    #expect(report.exitCode == .badInput)
    #expect(report.errors.first?.message.contains("mode 0666 lets others change it") == true)
}

@Test func sha256MatchesKnownValue() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile("abc", mode: 0o600, text: "abc")
    let hash = try sha256(ofFile: path, expecting: try #require(statusOf(path)), displayedAs: "abc")
    // The SHA-256 of "abc" from FIPS 180-2, appendix B.1.
    #expect(hash == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
}

// MARK: - Output

@Test func findingSummaryLine() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    let report = try scanPaths([".env"], in: directory)
    let expected = ".env: group and others can read it (regular file, owner \(currentUserName()), mode 0644, "
        + "expected 0600; fix: upx-perm --fix .env)"
    #expect(report.outputLines == [expected])
    #expect(report.summary == "checked 1 path, 1 finding")
}

@Test func reportJSONKeys() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o640)
    let json = try scanPaths([".env"], in: directory).json
    #expect(json.object?.keys.sorted() == ["changes", "checked", "errors", "exit_status", "findings", "recorded", "skipped"])
    let finding = try #require(json["findings"].array?.first)
    #expect(finding["check"] == .string("mode"))
    #expect(finding["mode"] == .string("0640"))
    #expect(finding["expected_mode"] == .string("0600"))
    #expect(finding["status"] == .string("open"))
    #expect(finding["target"] == .null)
    #expect(finding["fixable"] == .bool(true))
    #expect(json["exit_status"] == .number(1))
}

@Test(arguments: [
    (0o640, "lets group read it"), (0o606, "lets others read and write it"),
    (0o677, "lets group and others read, write and execute it"), (0o610, "lets group execute it"),
    (0o600, "lets only the owner in"),
] as [(UInt32, String)])
func accessDescriptionNamesClasses(_ mode: UInt32, _ expected: String) {
    #expect(accessDescription(mode) == expected)
}

@Test func octalModeHasFourDigits() {
    #expect(octalMode(0o44) == "0044")
    #expect(octalMode(0o4755) == "4755")
}
