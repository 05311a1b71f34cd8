// The git pre-commit hook and the CI step in examples/, run in repositories the tests create.

import Foundation
import Testing

@Suite("upx-perm examples")
struct PermExamplesTests {
    @Test("pre-commit hook stops credential commit", arguments: PermUser.allCases)
    func preCommitHookStopsCredentialCommit(as who: PermUser) throws {
        let workspace = try PermWorkspace(as: who)
        try workspace.git("init", "-q", ".")
        try copyExample("pre-commit", to: workspace.path(".git/hooks/pre-commit"))
        try workspace.makeFile(".env", mode: 0o600)
        try workspace.handOver()

        let blocked = try runScript(in: workspace, """
            git add .env && git -c user.name=Test -c user.email=test@example.invalid commit -q -m 'add settings'
            """)
        #expect(blocked.status != 0, "the hook let .env through: \(blocked.stdout)")
        // git sends a hook's standard output to its own standard error.
        #expect(blocked.stderr.contains(".env: git tracks it"))
        #expect(blocked.stderr.contains("pre-commit: fix the findings above"))

        let allowed = try runScript(in: workspace, """
            git rm -q --cached .env && printf '.env\\n' > .gitignore && git add .gitignore &&
            git -c user.name=Test -c user.email=test@example.invalid commit -q -m 'ignore settings'
            """)
        #expect(allowed.status == 0, "stdout: \(allowed.stdout) stderr: \(allowed.stderr)")
    }

    @Test("CI step fails on tracked token", arguments: PermUser.allCases)
    func ciStepFailsOnTrackedToken(as who: PermUser) throws {
        let workspace = try PermWorkspace(as: who)
        try workspace.git("init", "-q", ".")
        try copyExample("ci-check-credentials.sh", to: workspace.path("home/ci-check-credentials.sh"))
        try workspace.makeFile("broker.token", mode: 0o644)
        try workspace.git("add", "broker.token")
        try workspace.handOver()
        let script = workspace.path("home/ci-check-credentials.sh")
        let report = workspace.path("home/report.json")

        let failing = try runScript(in: workspace, "UPX_PERM_REPORT=\(report) bash \(script)")
        #expect(failing.status == 1, "stderr: \(failing.stderr)")
        #expect(failing.stdout.contains("broker.token: git tracks it"))
        #expect(failing.stderr.contains("ci-check-credentials: 2 git finding(s), 1 other finding(s)"))
        #expect(FileManager.default.fileExists(atPath: report))

        let passing = try runScript(in: workspace, """
            git rm -q --cached broker.token && printf '*.token\\n' > .gitignore && UPX_PERM_REPORT=\(report) bash \(script)
            """)
        #expect(passing.status == 0, "stdout: \(passing.stdout) stderr: \(passing.stderr)")
        #expect(passing.stdout.contains("broker.token: group and others can read it"))
    }

    private func copyExample(_ name: String, to path: String) throws {
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("examples/\(name)").path, toPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// Runs a bash script in the workspace as its user, with the built tools on PATH.
    private func runScript(in workspace: PermWorkspace, _ script: String) throws -> CommandResult {
        let bash = try requireProgram("bash", package: "bash")
        let command = [bash, "--norc", "--noprofile", "-c", script]
        if let user = workspace.user {
            return try user.run(command, environment: workspace.environment(), directory: workspace.folder)
        }
        return try runCommand(bash, Array(command.dropFirst()), environment: workspace.environment(), directory: workspace.folder)
    }
}
