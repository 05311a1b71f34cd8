// Turning terminal echo off while a secret is typed, as getpass(3) and ssh-keygen do.

import Glibc

/// Echo switched off on a terminal for the length of one read, and switched back on even when
/// SIGINT, SIGTERM, SIGHUP or SIGQUIT ends the process during it.
public enum TerminalEcho {
    /// Runs `body` with echo off on `descriptor`, then restores the terminal's settings.
    ///
    /// When `descriptor` is not a terminal, or its settings cannot be read, `body` runs unchanged.
    public static func withEchoOff<Result>(_ descriptor: Int32, _ body: () -> Result) -> Result {
        var original = termios()
        guard tcgetattr(descriptor, &original) == 0 else { return body() }

        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        // ECHONL keeps the newline of Enter visible, so the cursor moves on as the user expects.
        silent.c_lflag |= tcflag_t(ECHONL)
        savedSettings = SavedSettings(descriptor: descriptor, settings: original)
        let previousHandlers = restoringSignals.map { ($0, signal($0, restoreAndRaise)) }
        // A parent may have left these signals blocked, and then Ctrl-C would never end the read.
        var unblocked = sigset_t(), previousMask = sigset_t()
        sigemptyset(&unblocked)
        for number in restoringSignals { sigaddset(&unblocked, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, &previousMask)
        tcsetattr(descriptor, TCSAFLUSH, &silent)

        let result = body()

        tcsetattr(descriptor, TCSANOW, &original)
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        for (number, handler) in previousHandlers { signal(number, handler) }
        savedSettings = nil
        return result
    }

    /// The signals whose default action ends the process and that a user sends from a terminal.
    private static let restoringSignals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    struct SavedSettings {
        let descriptor: Int32
        var settings: termios
    }

    /// The settings to restore, set before the handlers are installed and cleared after they are removed.
    nonisolated(unsafe) static var savedSettings: SavedSettings?
}

/// Restores the saved terminal settings and ends the process by the same signal, so that the
/// exit status still reports it. tcsetattr, signal and raise are async-signal-safe.
private func restoreAndRaise(_ number: Int32) {
    if var saved = TerminalEcho.savedSettings {
        // TCSAFLUSH drops a half-typed secret, which the shell would otherwise read as a command.
        tcsetattr(saved.descriptor, TCSAFLUSH, &saved.settings)
    }
    signal(number, SIG_DFL)
    raise(number)
}
