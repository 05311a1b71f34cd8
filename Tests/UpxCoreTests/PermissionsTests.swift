// Finding and fixing credential files that others can read, in a folder each test creates.

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

    func mode(of name: String) -> mode_t {
        var status = stat()
        precondition(stat(path + "/" + name, &status) == 0)
        return status.st_mode & 0o7777
    }
}

private func currentUserName() -> String {
    String(cString: getpwuid(geteuid()).pointee.pw_name)
}

private func realPath(_ path: String) -> String {
    let resolved = realpath(path, nil)!
    defer { free(resolved) }
    return String(cString: resolved)
}

@Test func permissionsGroupReadableFound() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o640)
    let result = try PermissionChecker(workingDirectory: directory.path).check(".env")
    #expect(result == .finding(PermissionFinding(path: ".env", owner: currentUserName(), mode: 0o640)))
}

@Test func permissionsWorldReadableFound() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o604)
    let result = try PermissionChecker(workingDirectory: directory.path).check(".env")
    #expect(result == .finding(PermissionFinding(path: ".env", owner: currentUserName(), mode: 0o604)))
}

@Test(arguments: [0o600, 0o400, 0o700] as [mode_t])
func permissionsOwnerOnlyClosed(_ mode: mode_t) throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: mode)
    let result = try PermissionChecker(workingDirectory: directory.path).check(".env")
    #expect(result == .closed(path: ".env", mode: UInt32(mode)))
}

@Test func permissionsAbsolutePathKeptAsGiven() throws {
    let directory = TemporaryDirectory()
    let filePath = directory.makeFile("secrets", mode: 0o644)
    let result = try PermissionChecker(workingDirectory: "/").check(filePath)
    #expect(result == .finding(PermissionFinding(path: filePath, owner: currentUserName(), mode: 0o644)))
}

@Test func permissionsDefaultPathsMatchDotEnv() throws {
    let directory = TemporaryDirectory()
    for name in [".env.local", ".env", ".envrc", "notes.txt", ".env.production"] {
        directory.makeFile(name, mode: 0o600)
    }
    let paths = try PermissionChecker(workingDirectory: directory.path).defaultPaths()
    #expect(paths == [".env", ".env.local", ".env.production"])
}

@Test func permissionsDefaultPathsEmptyFolder() throws {
    let directory = TemporaryDirectory()
    #expect(try PermissionChecker(workingDirectory: directory.path).defaultPaths().isEmpty)
}

@Test func permissionsMissingFolderRejected() {
    let checker = PermissionChecker(workingDirectory: "/nonexistent-upx-test")
    let expected = PermissionError.cannotListDirectory(path: "/nonexistent-upx-test", reason: "No such file or directory")
    #expect(throws: expected) { try checker.defaultPaths() }
}

@Test func permissionsDevNullSkipped() throws {
    let result = try PermissionChecker(workingDirectory: "/").check("/dev/null")
    #expect(result == .skipped(path: "/dev/null", kind: "character device"))
}

@Test func permissionsDirectorySkipped() throws {
    let directory = TemporaryDirectory()
    let result = try PermissionChecker(workingDirectory: "/").check(directory.path)
    #expect(result == .skipped(path: directory.path, kind: "directory"))
}

@Test func permissionsMissingFileRejected() {
    let directory = TemporaryDirectory()
    let checker = PermissionChecker(workingDirectory: directory.path)
    #expect(throws: PermissionError.cannotCheck(path: ".env", reason: "No such file or directory")) {
        try checker.check(".env")
    }
}

@Test func permissionsSymlinkJudgedByTarget() throws {
    let directory = TemporaryDirectory()
    let target = directory.makeFile("real.env", mode: 0o644)
    symlink(target, directory.path + "/.env")
    let result = try PermissionChecker(workingDirectory: directory.path).check(".env")
    let expected = PermissionFinding(path: ".env", owner: currentUserName(), mode: 0o644, symlinkTarget: realPath(target))
    #expect(result == .finding(expected))
}

@Test func permissionsDanglingSymlinkRejected() {
    let directory = TemporaryDirectory()
    symlink(directory.path + "/missing", directory.path + "/.env")
    let checker = PermissionChecker(workingDirectory: directory.path)
    #expect(throws: PermissionError.self) { try checker.check(".env") }
}

@Test func permissionsFixSetsOwnerOnlyMode() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o664)
    let change = try PermissionChecker(workingDirectory: directory.path).fix(".env")
    #expect(change == PermissionChange(path: ".env", oldMode: 0o664, newMode: 0o600))
    #expect(directory.mode(of: ".env") == 0o600)
}

@Test func permissionsFixClearsSpecialBits() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o4755)
    _ = try PermissionChecker(workingDirectory: directory.path).fix(".env")
    #expect(directory.mode(of: ".env") == 0o600)
}

@Test func permissionsFixLeavesClosedFile() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o400)
    let change = try PermissionChecker(workingDirectory: directory.path).fix(".env")
    #expect(change == nil)
    #expect(directory.mode(of: ".env") == 0o400)
}

@Test func permissionsFixRejectsSymlink() throws {
    let directory = TemporaryDirectory()
    let target = directory.makeFile("real.env", mode: 0o644)
    symlink(target, directory.path + "/.env")
    let checker = PermissionChecker(workingDirectory: directory.path)
    #expect(throws: PermissionError.symbolicLink(path: ".env", target: realPath(target))) { try checker.fix(".env") }
    #expect(directory.mode(of: "real.env") == 0o644)
}

@Test func permissionsFixRejectsDirectory() {
    let directory = TemporaryDirectory()
    mkdir(directory.path + "/.env", 0o755)
    let checker = PermissionChecker(workingDirectory: directory.path)
    #expect(throws: PermissionError.notRegularFile(path: ".env", kind: "directory")) { try checker.fix(".env") }
}

@Test(.enabled(if: geteuid() == 0, "only root can give a file to another user"))
func permissionsFixRejectsOtherOwner() {
    let directory = TemporaryDirectory()
    let filePath = directory.makeFile(".env", mode: 0o644)
    chown(filePath, 65534, 65534)
    let owner = getpwuid(65534).map { String(cString: $0.pointee.pw_name) } ?? "uid 65534"
    let checker = PermissionChecker(workingDirectory: directory.path)
    #expect(throws: PermissionError.notOwner(path: ".env", owner: owner)) { try checker.fix(".env") }
    #expect(directory.mode(of: ".env") == 0o644)
}

@Test func permissionsFindingSummary() {
    let finding = PermissionFinding(path: ".env", owner: "alice", mode: 0o644)
    #expect(finding.summary == ".env: owner alice, mode 0644 lets group and others read it, expected 0600 (fix: upx-perm --fix .env)")
}

@Test func permissionsFindingSummaryForSymlink() {
    let finding = PermissionFinding(path: ".env", owner: "alice", mode: 0o640, symlinkTarget: "/srv/my app/.env")
    #expect(finding.summary.hasPrefix(".env -> /srv/my app/.env: "))
    #expect(finding.fixCommand == "upx-perm --fix '/srv/my app/.env'")
}

@Test(arguments: [
    (0o640, "lets group read it"), (0o606, "lets others read and write it"),
    (0o677, "lets group and others read, write and execute it"), (0o610, "lets group execute it"),
] as [(UInt32, String)])
func permissionsAccessDescription(_ mode: UInt32, _ expected: String) {
    #expect(accessDescription(mode) == expected)
}

@Test func permissionsOctalMode() {
    #expect(octalMode(0o44) == "0044")
    #expect(octalMode(0o4755) == "4755")
}
