// Looking at the kernel keyring the way a user would: through keyctl(1) and /proc/keys.

import Foundation
import Testing

/// keyctl(1) from Debian's keyutils, run as the current user or another one.
struct Keyctl {
    let path: String

    init() throws {
        path = try requireProgram("keyctl", package: "keyutils")
    }

    /// Returns the id of key `name` in the user keyring, or nil when there is none.
    func search(_ name: String, as user: TestUser? = nil) throws -> String? {
        let result = try run(["search", "@u", "user", name], as: user)
        return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// `type;uid;gid;perm;description` of a key.
    func describe(_ id: String, as user: TestUser? = nil) throws -> String {
        try run(["rdescribe", id], as: user).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Removes key `name` and, for a token key, the rate limit's `NAME:logins` beside it.
    func remove(_ name: String, as user: TestUser? = nil) throws {
        for key in name.hasSuffix(":logins") ? [name] : [name, name + ":logins"] {
            if let id = try search(key, as: user) { try run(["invalidate", id], as: user) }
        }
    }

    /// Unlinks key `name` and its `NAME:logins` from the user's persistent keyring. Tests use
    /// this instead of `upx-login --purge`, which would also remove keys of tests running beside them.
    func removeFromPersistent(_ name: String, as user: TestUser) throws {
        let script = """
            keyring=$(keyctl get_persistent @s) || exit 1
            for key in "$1" "$1:logins"; do
                id=$(keyctl search "$keyring" user "$key" 2>/dev/null) && keyctl unlink "$id" "$keyring"
            done
            exit 0
            """
        let result = try user.run([path, "session", "-", "/bin/sh", "-c", script, "sh", name],
                                  environment: baseEnvironment(home: user.home))
        if result.status != 0 {
            throw StandInFailure(reason: "keyctl could not unlink \(name) from the persistent keyring: \(result.stderr)")
        }
    }

    /// Runs keyctl in a new anonymous session keyring, so it possesses nothing upx added.
    @discardableResult
    func run(_ arguments: [String], as user: TestUser? = nil) throws -> CommandResult {
        let command = [path, "session", "-", path] + arguments
        if let user {
            return try user.run(command, environment: baseEnvironment(home: user.home))
        }
        return try runCommand(command[0], Array(command.dropFirst()))
    }
}

/// Returns the timeout column of /proc/keys for a key, such as `6h` or `59m`; `perm` means none.
func procKeysTimeout(of id: String, as user: TestUser? = nil) throws -> String? {
    let hexID = String(UInt32(id)!, radix: 16).leftPadded(8)
    let result: CommandResult
    if let user {
        result = try user.run(["/bin/cat", "/proc/keys"], environment: baseEnvironment(home: user.home))
    } else {
        result = try runCommand("/bin/cat", ["/proc/keys"])
    }
    for line in result.stdout.split(separator: "\n") {
        let columns = line.split(separator: " ", omittingEmptySubsequences: true)
        if columns.first == Substring(hexID), columns.count > 3 { return String(columns[3]) }
    }
    return nil
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

private let userCreation = NSLock()

/// An ordinary user that the tests create, since keyring rules differ for root.
struct TestUser {
    let name: String
    let home: String

    /// Makes (or reuses) the user `name`; needs root. Without root the tests already run as
    /// an ordinary user, so this returns nil. Tests that fill the user's key quota or remove
    /// all its keys take a user of their own, so they cannot upset tests running beside them.
    static func make(_ name: String = "upx-e2e") throws -> TestUser? {
        guard getuid() == 0 else { return nil }
        // useradd fails when another useradd holds the lock on /etc/passwd.
        userCreation.lock()
        defer { userCreation.unlock() }
        if try runCommand("/usr/bin/id", ["-u", name]).status != 0 {
            let useradd = try requireProgram("useradd", package: "passwd")
            let result = try runCommand(useradd, ["--create-home", "--shell", "/bin/bash", name])
            guard result.status == 0 else { throw StandInFailure(reason: "useradd failed: \(result.stderr)") }
        }
        return TestUser(name: name, home: "/home/\(name)")
    }

    /// Runs a command as this user with setpriv (util-linux), keeping no root group.
    func run(_ command: [String], environment: [String: String], directory: URL? = nil) throws -> CommandResult {
        let setpriv = try requireProgram("setpriv", package: "util-linux")
        var environment = environment
        environment["USER"] = name
        environment["LOGNAME"] = name
        return try runCommand(
            setpriv, ["--reuid=\(name)", "--regid=\(name)", "--init-groups", "--"] + command,
            environment: environment, directory: directory)
    }
}
