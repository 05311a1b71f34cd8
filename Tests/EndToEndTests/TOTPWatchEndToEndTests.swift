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
        let pipeline = #"timeout 10 "$0" --watch --period 1 | head -n 2; echo "status=${PIPESTATUS[0]}" >&2"#
        let result = try runCommand("/bin/bash", ["-c", pipeline, totp], environment: environment, timeout: 20)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3, "stdout: \(result.stdout)")
        for line in lines.prefix(2) {
            #expect(line.count == 6, "stdout: \(result.stdout)")
            let allDigits = line.allSatisfy { $0.isNumber }
            #expect(allDigits, "stdout: \(result.stdout)")
        }
        #expect(lines.first != lines.dropFirst().first, "two steps a second apart gave one code: \(result.stdout)")
        // Like other filters, upx-totp ends by SIGPIPE (128 + 13) when the reader goes away.
        #expect(result.stderr.contains("status=141"), "stderr: \(result.stderr)")
    }

    @Test("watch in tmux redraws and exits on Ctrl-C")
    func watchInTmuxExitsOnControlC() throws {
        let totp = builtToolsFolder.appendingPathComponent("upx-totp").path
        let command = "env UPSTOX_TOTP_SECRET=\(Self.secret) '\(totp)' --watch --period 5; echo EXIT=$?; sleep 60"
        let session = try TmuxSession(command)

        let watching = try session.waitForScreen { $0.contains("next ") }
        #expect(watching.contains("] "), "screen: \(watching)")
        #expect(try session.cursorVisible == false, "the cursor is shown while watching")

        try session.send("C-c")
        let ended = try session.waitForScreen { $0.contains("EXIT=") }
        #expect(ended.contains("EXIT=0"), "screen: \(ended)")
        #expect(try session.cursorVisible == true, "Ctrl-C left the cursor hidden")
    }
}
