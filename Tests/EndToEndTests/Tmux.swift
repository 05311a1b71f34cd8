// A tmux server of a test's own, so a tool can be run on a real pseudo-terminal and typed at.

import Foundation
import Testing

/// One tmux server with one window running a command; stopped when the value is released.
final class TmuxSession {
    let tmux: String
    let server: String
    private var serverID: Int32?

    /// Starts `command` through bash in a detached window of `width` by `height` cells.
    init(_ command: String, width: Int = 100, height: Int = 10) throws {
        tmux = try requireProgram("tmux", package: "tmux")
        server = "upx-test-\(getpid())-\(UUID().uuidString.prefix(8))"

        // The tmux server outlives this call and would hold runCommand's pipes open, as well as
        // any other descriptor it inherits, so bash closes them all before starting it.
        let closeAndStart = """
            for fd in /proc/$$/fd/*; do fd=${fd##*/}; ((fd > 2)) && eval "exec $fd>&-"; done
            exec "$0" -L "$1" new-session -d -x "$3" -y "$4" "$2" </dev/null >/dev/null 2>&1
            """
        let started = try runCommand(
            "/bin/bash", ["-c", closeAndStart, tmux, server, command, String(width), String(height)], timeout: 10)
        try #require(started.status == 0, "tmux failed: \(started.stderr)")
        let pid = try runCommand(tmux, ["-L", server, "display-message", "-p", "#{pid}"], timeout: 10).stdout
        serverID = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        _ = try? runCommand(tmux, ["-L", server, "kill-server"], timeout: 10)
        // kill-server has been seen to leave the server running here, so its pid is killed too.
        if let serverID { kill(serverID, SIGKILL) }
    }

    /// Sends keys as tmux send-keys names them: text, `Enter`, `C-c`, `C-d`.
    func send(_ keys: String...) throws {
        _ = try runCommand(tmux, ["-L", server, "send-keys"] + keys, timeout: 10)
    }

    /// Returns the text of the window.
    func screen() throws -> String {
        try runCommand(tmux, ["-L", server, "capture-pane", "-p"], timeout: 10).stdout
    }

    /// Polls the window for up to 10 seconds until `ready` accepts its text, and returns the text.
    func waitForScreen(until ready: (String) -> Bool) throws -> String {
        var text = ""
        for _ in 0..<100 {
            text = try screen()
            if ready(text) { return text }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("the screen never got ready: \(text)")
        return text
    }

    var cursorVisible: Bool {
        get throws {
            try runCommand(tmux, ["-L", server, "display-message", "-p", "#{cursor_flag}"], timeout: 10).stdout
                .hasPrefix("1")
        }
    }
}
