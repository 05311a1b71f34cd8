// The signal actions a program started by upx-login --exec gets.

import CSystem
import Glibc

/// The signals that this process's parent left ignored, kept ignored for a program it execs.
///
/// A signal ignored at start was ignored on purpose: `nohup` ignores SIGHUP, and a shell
/// ignores SIGINT and SIGQUIT for a background job. env(1) and the shell's exec pass those on,
/// so `--exec` does too. Every other signal gets its default action, whatever upx or a library
/// set later.
public enum InheritedSignals {
    /// The signals ignored when `record()` ran; empty when it never ran.
    nonisolated(unsafe) private static var ignoredAtStart: [Int32] = []

    /// Notes the ignored signals. Call it first in `main`, before any code could change them.
    public static func record() {
        ignoredAtStart = (1..<upx_signal_limit()).filter { upx_signal_is_ignored($0) == 1 }
    }

    /// Empties the signal mask of the calling thread, ignores the signals that were ignored at
    /// start and gives every other signal its default action.
    static func restore() {
        for number in 1..<upx_signal_limit() {
            // SIGKILL, SIGSTOP and the two real-time signals glibc keeps for itself reject a
            // change with EINVAL, and they need none.
            _ = upx_signal_set_action(number, ignoredAtStart.contains(number) ? 1 : 0)
        }
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
    }
}
