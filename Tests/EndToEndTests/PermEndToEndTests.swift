// upx-perm through the built binary, run as root and as the ordinary user upx-e2e, on folders
// and git repositories each test creates.

import Foundation
import Testing

@Suite("upx-perm end to end")
struct PermEndToEndTests {
    @Test("finds and fixes, then nothing", arguments: PermUser.allCases)
    func findsAndFixesThenNothing(as who: PermUser) throws {
        let workspace = try PermWorkspace(as: who)
        try workspace.makeFile(".env", mode: 0o644)
        try workspace.makeFolder("token_cache", mode: 0o775)
        try workspace.makeFile("token_cache/session.json", mode: 0o664)
        try workspace.makeFolder("home/.upstox", mode: 0o755)
        try workspace.handOver()

        let check = try workspace.perm([])
        #expect(check.status == 1, "stderr: \(check.stderr)")
        let flagged = check.stdout.split(separator: "\n").map { String($0.prefix(while: { $0 != ":" })) }
        #expect(flagged == [".env", "token_cache", "token_cache/session.json", workspace.home.path + "/.upstox"])

        let fix = try workspace.perm(["--fix"])
        #expect(fix.status == 0, "stderr: \(fix.stderr)")
        #expect(fix.stdout == """
            fixed .env: mode 0644 -> 0600
            fixed token_cache: mode 0775 -> 0700
            fixed token_cache/session.json: mode 0664 -> 0600
            fixed \(workspace.home.path)/.upstox: mode 0755 -> 0700

            """)
        #expect(try workspace.mode(of: ".env") == 0o600)
        #expect(try workspace.mode(of: "home/.upstox") == 0o700)

        // A second --fix finds nothing and touches nothing: no inode change time moves.
        let changeTimes = try statusChangeTimes(workspace, [".env", "token_cache", "token_cache/session.json", "home/.upstox"])
        let again = try workspace.perm(["--fix"])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.isEmpty)
        #expect(again.stderr.isEmpty)
        #expect(try statusChangeTimes(workspace, [".env", "token_cache", "token_cache/session.json", "home/.upstox"]) == changeTimes)
    }

    @Test("git checks and fix", arguments: PermUser.allCases)
    func gitChecksAndFix(as who: PermUser) throws {
        let workspace = try PermWorkspace(as: who)
        try workspace.git("init", "-q", ".")
        try workspace.makeFile(".env", mode: 0o600)
        try workspace.makeFile("broker.token", mode: 0o600)
        try workspace.git("add", "broker.token")
        try workspace.handOver()

        let check = try workspace.perm(["--json"])
        #expect(check.status == 1, "stderr: \(check.stderr)")
        let findings = try findingsOf(check.stdout)
        #expect(findings.map(\.check) == ["git-not-ignored", "git-tracked", "git-not-ignored"])
        #expect(findings.map(\.path) == [".env", "broker.token", "broker.token"])

        let fix = try workspace.perm(["--fix"])
        #expect(fix.status == 1, "the tracked file remains: \(fix.stdout)")
        let gitignore = try String(contentsOfFile: workspace.path(".gitignore"), encoding: .utf8)
        #expect(gitignore == "# Credentials, added by upx-perm\n.env\n*.token\n")
        let git = try requireProgram("git", package: "git")
        let ignored = try runAs(workspace, [git, "check-ignore", "--no-index", ".env", "broker.token"])
        #expect(ignored.stdout == ".env\nbroker.token\n")

        let after = try findingsOf(try workspace.perm(["--json"]).stdout)
        #expect(after.map(\.check) == ["git-tracked"])
    }

    @Test("swap before fix spares other user's file", arguments: PermUser.allCases)
    func swapBeforeFixSparesOtherFile(as who: PermUser) throws {
        // A git wrapper on PATH replaces .env with a link to another user's file the first time
        // upx-perm runs git, which happens after .env was checked and before it is fixed.
        let workspace = try PermWorkspace(as: who)
        let victimFolder = try makeTemporaryFolder("upx-e2e-victim")
        defer { try? FileManager.default.removeItem(at: victimFolder) }
        let victim = try fileOfAnotherUser(than: workspace.user, in: victimFolder)
        let realGit = try requireProgram("git", package: "git")

        try workspace.git("init", "-q", ".")
        try workspace.makeFile(".gitignore", mode: 0o644, text: ".env\n")
        try workspace.makeFile(".env", mode: 0o644)
        try workspace.makeFolder("bin", mode: 0o755)
        try workspace.makeFile("bin/git", mode: 0o755, text: """
            #!/bin/sh
            if mkdir "$UPX_SWAP_MARKER" 2>/dev/null; then
                ln -s "$UPX_SWAP_VICTIM" "$UPX_SWAP_FILE.swap" && mv -T "$UPX_SWAP_FILE.swap" "$UPX_SWAP_FILE"
            fi
            exec \(realGit) "$@"

            """)
        try workspace.handOver()

        var environment = workspace.environment(path: [workspace.path("bin")])
        environment["UPX_SWAP_MARKER"] = workspace.path("swapped")
        environment["UPX_SWAP_VICTIM"] = victim
        environment["UPX_SWAP_FILE"] = workspace.path(".env")
        let fix = try workspace.perm(["--fix"], environment: environment)

        let swapped = try FileManager.default.destinationOfSymbolicLink(atPath: workspace.path(".env"))
        #expect(swapped == victim, "the wrapper did not swap .env")
        let victimMode = try FileManager.default.attributesOfItem(atPath: victim)[.posixPermissions] as? Int
        #expect(victimMode == 0o644)
        #expect(fix.status == 1)
        #expect(!fix.stdout.contains("fixed"))
        #expect(fix.stderr.contains("upx-perm: not changing .env: it was replaced after the check and is now a symbolic link"))
    }

    @Test("record then change found", arguments: PermUser.allCases)
    func recordThenChangeFound(as who: PermUser) throws {
        let workspace = try PermWorkspace(as: who)
        try workspace.makeFile(".env", mode: 0o600)
        try workspace.handOver()

        let record = try workspace.perm(["--record"])
        #expect(record.status == 0, "stderr: \(record.stderr)")
        #expect(record.stdout == "recorded the fingerprint of .env\n")
        let store = workspace.path("home/.local/state/upx/fingerprints.json")
        #expect(try FileManager.default.attributesOfItem(atPath: store)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: store)[.ownerAccountName] as? String == workspace.user?.name ?? NSUserName())
        #expect(try workspace.perm([]).status == 0)

        let append = try runAs(workspace, ["/bin/sh", "-c", "echo UPSTOX_TOTP_SECRET=changed >> .env"])
        #expect(append.status == 0, "stderr: \(append.stderr)")
        let check = try workspace.perm([])
        #expect(check.status == 1)
        #expect(check.stdout.hasPrefix(".env: its content changed since its fingerprint was recorded on "))
    }

    @Test("quiet, JSON and exit status", arguments: PermUser.allCases)
    func quietJSONAndExitStatus(as who: PermUser) throws {
        let workspace = try PermWorkspace(as: who)
        try workspace.makeFile(".env", mode: 0o640)
        try workspace.handOver()

        let quiet = try workspace.perm(["--quiet", ".env", "/dev/null"])
        #expect(quiet.status == 1)
        #expect(quiet.stdout.isEmpty)
        #expect(quiet.stderr.isEmpty)

        let skipped = try workspace.perm(["/dev/null"])
        #expect(skipped.status == 0)
        #expect(skipped.stderr == "upx-perm: skipping /dev/null: it is a character device, not a regular file or folder\n")

        let missing = try workspace.perm(["missing.env"])
        #expect(missing.status == 3)
        #expect(missing.stderr == "upx-perm: cannot check missing.env: No such file or directory (check the path)\n")

        let usage = try workspace.perm(["--max-age", "soon"])
        #expect(usage.status == 2)

        let json = try findingsOf(try workspace.perm(["--json", ".env"]).stdout)
        #expect(json.map(\.check) == ["mode"])
    }

    @Test("fix opens unreadable own file")
    func fixUnreadableOwnFile() throws {
        // Root reads any file, so the O_PATH route exists only for ordinary users.
        let workspace = try PermWorkspace(as: .ordinary)
        try workspace.makeFile(".env", mode: 0o044)
        try workspace.handOver()
        let cat = try runAs(workspace, ["/bin/cat", ".env"])
        #expect(cat.status != 0, "the file should be unreadable to its owner before the fix")

        let result = try workspace.perm(["--fix", ".env"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "fixed .env: mode 0044 -> 0000\n")
        #expect(result.stderr.isEmpty)
        #expect(try workspace.mode(of: ".env") == 0)
    }

    /// Returns the inode change time of each file, which any mode change moves.
    private func statusChangeTimes(_ workspace: PermWorkspace, _ names: [String]) throws -> [String] {
        let stat = try requireProgram("stat", package: "coreutils")
        return try names.map { try runCommand(stat, ["-c", "%Z.%z", workspace.path($0)]).stdout }
    }

    /// Runs a command in the workspace as its user.
    private func runAs(_ workspace: PermWorkspace, _ command: [String]) throws -> CommandResult {
        if let user = workspace.user {
            return try user.run(command, environment: workspace.environment(), directory: workspace.folder)
        }
        return try runCommand(command[0], Array(command.dropFirst()), environment: workspace.environment(), directory: workspace.folder)
    }

    /// Returns a file with mode 0644 that `user` (or the test runner, when nil) does not own.
    /// As root that is a new file given to upx-e2e or kept by root. Otherwise it is /etc/passwd.
    private func fileOfAnotherUser(than user: TestUser?, in folder: URL) throws -> String {
        guard getuid() == 0 else { return "/etc/passwd" }
        let file = folder.appendingPathComponent("their.env")
        try "UPSTOX_PIN_CODE=111111\n".write(to: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        if user == nil, let other = try TestUser.make() {
            let chown = try requireProgram("chown", package: "coreutils")
            try runCommand(chown, ["\(other.name):\(other.name)", file.path])
        }
        return file.path
    }

    private func findingsOf(_ json: String) throws -> [(check: String, path: String)] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let findings = try #require(object?["findings"] as? [[String: Any]], "no findings in: \(json)")
        return findings.map { ($0["check"] as? String ?? "", $0["path"] as? String ?? "") }
    }
}
