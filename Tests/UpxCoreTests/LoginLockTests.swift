// The per-profile login lock and the checks on its folder.

import Foundation
import Testing
@testable import UpxCore

/// Makes an empty runtime folder for one test.
private func makeRuntimeFolder() throws -> String {
    let path = NSTemporaryDirectory() + "upx-lock-test-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

@Test func loginLockCreatesPrivateFolder() throws {
    let runtime = try makeRuntimeFolder()
    _ = try LoginLock(profile: "alpha", environment: ["XDG_RUNTIME_DIR": runtime])

    let attributes = try FileManager.default.attributesOfItem(atPath: runtime + "/upx")
    #expect(attributes[.posixPermissions] as? Int == 0o700)
    #expect(FileManager.default.fileExists(atPath: runtime + "/upx/login-alpha.lock"))
}

@Test func loginLockRejectsOpenFolder() throws {
    let runtime = try makeRuntimeFolder()
    try FileManager.default.createDirectory(atPath: runtime + "/upx", withIntermediateDirectories: false)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: runtime + "/upx")

    #expect(throws: LockError.self) { try LoginLock(profile: "alpha", environment: ["XDG_RUNTIME_DIR": runtime]) }
}

@Test func loginLockRejectsSymlinkedFolder() throws {
    let runtime = try makeRuntimeFolder()
    let elsewhere = try makeRuntimeFolder()
    try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: elsewhere)
    try FileManager.default.createSymbolicLink(atPath: runtime + "/upx", withDestinationPath: elsewhere)

    let error = #expect(throws: LockError.self) { try LoginLock(profile: "alpha", environment: ["XDG_RUNTIME_DIR": runtime]) }
    #expect(error?.reason.contains("not a folder") == true)
}

@Test func loginLockMissingRuntimeFolderNamesFix() throws {
    let error = #expect(throws: LockError.self) {
        try LoginLock(profile: "alpha", environment: ["XDG_RUNTIME_DIR": "/nonexistent-upx-test/run"])
    }
    #expect(error?.message == "cannot lock /nonexistent-upx-test/run/upx to run one login at a time: "
        + "No such file or directory; set XDG_RUNTIME_DIR to an existing folder of yours")
}

@Test func loginLockIgnoresRelativeRuntimeFolder() throws {
    // A relative XDG_RUNTIME_DIR is invalid by the XDG base directory specification.
    let folder = try LoginLock.privateFolder(["XDG_RUNTIME_DIR": "relative/run"])
    #expect(!folder.hasPrefix("relative/"))
    #expect(folder.hasSuffix("/upx"))
}

@Test func loginLockNeverUnderTmp() throws {
    // Another user could make /tmp/upx-UID first and block every login.
    let folder = try LoginLock.privateFolder([:])
    #expect(!folder.hasPrefix("/tmp/"))
    let home = String(cString: getpwuid(getuid()).pointee.pw_dir)
    #expect(folder == "/run/user/\(getuid())/upx" || folder == home + "/.cache/upx")
}

@Test func loginLockSecondHolderWaits() throws {
    let runtime = try makeRuntimeFolder()
    let first = try LoginLock(profile: "alpha", environment: ["XDG_RUNTIME_DIR": runtime])

    // flock locks belong to open file descriptions, so a second open of the file conflicts.
    let descriptor = open(runtime + "/upx/login-alpha.lock", O_RDWR)
    defer { close(descriptor) }
    #expect(flock(descriptor, LOCK_EX | LOCK_NB) == -1)
    #expect(errno == EWOULDBLOCK)

    withExtendedLifetime(first) {}
}

@Test func loginLockReleasedOnRelease() throws {
    let runtime = try makeRuntimeFolder()
    do {
        _ = try LoginLock(profile: "alpha", environment: ["XDG_RUNTIME_DIR": runtime])
    }
    let descriptor = open(runtime + "/upx/login-alpha.lock", O_RDWR)
    defer { close(descriptor) }
    #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
}
