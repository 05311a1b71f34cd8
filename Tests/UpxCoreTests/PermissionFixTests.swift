// upx-perm --fix: modes changed through a descriptor, never loosened, and never on a file swapped in after the check.

import CSystem
import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

private let fixing = PermissionOptions(fix: true)

@Test(arguments: [(0o664, 0o600), (0o4755, 0o700), (0o444, 0o400), (0o070, 0o000), (0o2640, 0o600)] as [(mode_t, mode_t)])
func fixRemovesOtherBitsOnly(_ before: mode_t, _ after: mode_t) throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: before)
    let report = try scanPaths([".env"], in: directory, options: fixing)
    #expect(directory.mode(of: ".env") == after)
    #expect(report.changes == ["fixed .env: mode \(octalMode(UInt32(before))) -> \(octalMode(UInt32(after)))"])
    #expect(report.findings.first?.status == .fixed("mode \(octalMode(UInt32(before))) -> \(octalMode(UInt32(after)))"))
    #expect(report.exitCode == .success)
}

@Test func fixClosesFolderAndContent() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("token_cache", mode: 0o755)
    directory.makeFile("token_cache/a.json", mode: 0o644)
    let report = try scanPaths(["token_cache"], in: directory, options: fixing)
    #expect(directory.mode(of: "token_cache") == 0o700)
    #expect(directory.mode(of: "token_cache/a.json") == 0o600)
    #expect(report.changes == ["fixed token_cache: mode 0755 -> 0700", "fixed token_cache/a.json: mode 0644 -> 0600"])
}

@Test func fixTwiceChangesNothing() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    directory.makeFolder("token_cache", mode: 0o775)
    let first = try scanPaths([".env", "token_cache"], in: directory, options: fixing)
    #expect(first.changes.count == 2)
    let modified = statusOf(directory.path + "/.env")?.modified

    let second = try scanPaths([".env", "token_cache"], in: directory, options: fixing)
    #expect(second.changes.isEmpty)
    #expect(second.findings.isEmpty)
    #expect(second.exitCode == .success)
    #expect(statusOf(directory.path + "/.env")?.modified == modified)
}

@Test func fixChangesOwnSymlinkTarget() throws {
    let directory = TemporaryDirectory()
    let target = directory.makeFile("real.env", mode: 0o644)
    symlink(target, directory.path + "/.env")
    let report = try scanPaths([".env"], in: directory, options: fixing)
    #expect(directory.mode(of: "real.env") == 0o600)
    #expect(report.changes == ["fixed \(realPath(target)!): mode 0644 -> 0600"])
    #expect(linkStatusOf(directory.path + "/.env")?.isSymbolicLink == true)
}

@Test func fixLeavesOtherUsersSymlinkTarget() throws {
    let directory = TemporaryDirectory()
    let target = fileOfOtherUser(in: directory, mode: 0o644)
    symlink(target, directory.path + "/.env")
    let report = try scanPaths([".env"], in: directory, options: fixing)
    #expect(statusOf(target)?.mode == 0o644)
    #expect(report.changes.isEmpty)
    #expect(report.findings.contains { $0.check == .mode && !$0.isFixable })
    #expect(report.exitCode == .negative)
}

@Test func fixSkipsFileSwappedForSymlink() throws {
    // Between the check and the fix, .env becomes a link to another user's file with mode 0644.
    let directory = TemporaryDirectory()
    let victim = fileOfOtherUser(in: directory, mode: 0o644)
    let path = directory.makeFile(".env", mode: 0o644)
    let report = try scanPaths([".env"], in: directory, options: fixing) {
        unlink(path)
        symlink(victim, path)
    }
    #expect(statusOf(victim)?.mode == 0o644)
    #expect(report.changes.isEmpty)
    let finding = try #require(report.findings.first { $0.check == .mode })
    #expect(finding.status == .notFixed(PermissionError.replaced(path: ".env", now: "a symbolic link").message))
    #expect(report.exitCode == .negative)
    #expect(report.errorLines().contains(PermissionError.replaced(path: ".env", now: "a symbolic link").message))
}

@Test func fixSkipsFileSwappedForAnother() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o644)
    let report = try scanPaths([".env"], in: directory, options: fixing) {
        let other = directory.makeFile("other", mode: 0o666)
        rename(other, path)
    }
    #expect(directory.mode(of: ".env") == 0o666)
    #expect(report.findings.first?.status == .notFixed(PermissionError.replaced(path: ".env", now: "another file").message))
}

@Test func fixSkipsFileGivenSecondLink() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o644)
    let report = try scanPaths([".env"], in: directory, options: fixing) {
        link(path, directory.path + "/elsewhere")
    }
    #expect(directory.mode(of: ".env") == 0o644)
    #expect(report.findings.first?.status == .notFixed(PermissionError.hardLinks(path: ".env", count: 2).message))
}

@Test func fixLeavesHardLinkedFile() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o644)
    link(path, directory.path + "/elsewhere")
    let report = try scanPaths([".env"], in: directory, options: fixing)
    #expect(directory.mode(of: ".env") == 0o644)
    #expect(report.findings.map(\.check) == [.mode, .hardLinks])
    #expect(report.findings.allSatisfy { !$0.isFixable })
}

@Test func fixReportsModeThatDidNotTake() throws {
    // A file system that ignores modes, as vfat does, accepts the change and keeps the old mode.
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    let environment = isolatedEnvironment(directory)
    var scan = PermissionScan(environment: environment, now: Int(time(nil)), options: fixing)
    scan.fixer.setMode = { _, _, _ in 0 }
    let places = CredentialPlaces(workingDirectory: directory.path, environment: environment)
    let report = scan.run(try places.paths(forOperands: [".env"]))

    let expected = PermissionError.modeDidNotTake(path: ".env", expected: 0o600, actual: 0o644)
    #expect(report.findings.first?.status == .notFixed(expected.message))
    #expect(report.changes.isEmpty)
    #expect(report.exitCode == .negative)
}

@Test func fixOpensUnreadableOwnFile() throws {
    // An ordinary user cannot open a file of mode 0044 for reading, so the fix goes through O_PATH.
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o044)
    let report = try scanPaths([".env"], in: directory, options: fixing)
    #expect(directory.mode(of: ".env") == 0o000)
    #expect(report.changes == ["fixed .env: mode 0044 -> 0000"])
}

@Test func fixLeavesParentFolder() throws {
    let directory = TemporaryDirectory()
    directory.makeFolder("shared", mode: 0o777)
    directory.makeFile("shared/.env", mode: 0o600)
    let report = try scanPaths(["shared/.env"], in: directory, options: fixing)
    #expect(directory.mode(of: "shared") == 0o777)
    #expect(report.findings.map(\.check) == [.parentFolder])
    #expect(report.exitCode == .negative)
}

/// Returns a file that another user owns, with `mode`. As root, that is a new file given to
/// `nobody`. Otherwise it is /etc/passwd, which root owns and which must then have `mode`.
private func fileOfOtherUser(in directory: TemporaryDirectory, mode: mode_t) -> String {
    guard geteuid() == 0 else {
        precondition(statusOf("/etc/passwd")?.mode == UInt32(mode), "/etc/passwd does not have mode \(octalMode(UInt32(mode)))")
        return "/etc/passwd"
    }
    let folder = directory.makeFolder("other-user", mode: 0o755)
    let path = directory.makeFile("other-user/secret.env", mode: mode)
    chown(path, otherUser, otherUser)
    chown(folder, otherUser, otherUser)
    return path
}
