// upx-totp --watch through the built binary: in a tmux pseudo-terminal, and into a pipe.

import Foundation
import Testing

@Suite("upx-totp --watch end to end")
struct TOTPWatchEndToEndTests {
    static let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

    @Test("watch without terminal prints each step")
    func watchWithoutTerminalPrintsEachStep() throws {
        let totp = builtToolsFolder.appendingPathComponent("upx-totp").path
        var environment = baseEnvironment()
        environment["UPSTOX_TOTP_SECRET"] = Self.secret

        // head exits after two lines, so upx-totp's next write ends it; timeout bounds a hang.
        let result = try runCommand(
            "/bin/sh", ["-c", "timeout 10 \"$0\" --watch --period 1 | head -n 2", totp], environment: environment,
            timeout: 20)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3, "stdout: \(result.stdout)")
        for line in lines.prefix(2) {
            #expect(line.count == 6, "stdout: \(result.stdout)")
            let allDigits = line.allSatisfy { $0.isNumber }
            #expect(allDigits, "stdout: \(result.stdout)")
        }
        #expect(lines.first != lines.dropFirst().first, "two steps a second apart gave one code: \(result.stdout)")
    }

    @Test("watch in tmux redraws and exits on Ctrl-C")
    func watchInTmuxExitsOnControlC() throws {
        let tmux = try requireProgram("tmux", package: "tmux")
        let totp = builtToolsFolder.appendingPathComponent("upx-totp").path
        let server = "upx-watch-\(getpid())"
        defer { _ = try? runCommand(tmux, ["-L", server, "kill-server"], timeout: 10) }

        let command = "env UPSTOX_TOTP_SECRET=\(Self.secret) '\(totp)' --watch --period 5; echo EXIT=$?; sleep 60"
        // The tmux server outlives this call and would hold runCommand's pipes open, as well as
        // any other descriptor it inherits, so bash closes them all before starting it.
        let closeAndStart = """
            for fd in /proc/$$/fd/*; do fd=${fd##*/}; ((fd > 2)) && eval "exec $fd>&-"; done
            exec "$0" -L "$1" new-session -d -x 100 -y 10 "$2" </dev/null >/dev/null 2>&1
            """
        let started = try runCommand("/bin/bash", ["-c", closeAndStart, tmux, server, command], timeout: 10)
        try #require(started.status == 0, "tmux failed: \(started.stderr)")
        // kill-server has been seen to leave the server running here, so its pid is killed too.
        let serverID = try runCommand(tmux, ["-L", server, "display-message", "-p", "#{pid}"], timeout: 10).stdout
        defer { if let pid = Int32(serverID.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGKILL) } }

        let watching = try waitForScreen(tmux, server) { $0.contains("next ") }
        #expect(watching.contains("] "), "screen: \(watching)")
        #expect(try cursorVisible(tmux, server) == false, "the cursor is shown while watching")

        _ = try runCommand(tmux, ["-L", server, "send-keys", "C-c"])
        let ended = try waitForScreen(tmux, server) { $0.contains("EXIT=") }
        #expect(ended.contains("EXIT=0"), "screen: \(ended)")
        #expect(try cursorVisible(tmux, server) == true, "Ctrl-C left the cursor hidden")
    }

    /// Polls the pane for up to 10 seconds until `ready` accepts its text, and returns the text.
    private func waitForScreen(_ tmux: String, _ server: String, until ready: (String) -> Bool) throws -> String {
        var screen = ""
        for _ in 0..<100 {
            screen = try runCommand(tmux, ["-L", server, "capture-pane", "-p"]).stdout
            if ready(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("the screen never got ready: \(screen)")
        return screen
    }

    private func cursorVisible(_ tmux: String, _ server: String) throws -> Bool {
        try runCommand(tmux, ["-L", server, "display-message", "-p", "#{cursor_flag}"]).stdout.hasPrefix("1")
    }
}
