// Finding which shell runs upx-login, from the name of the parent process.

import CSystem
import Glibc

/// The shell syntax for the process that started this one, read from /proc.
///
/// The parent's name is used and not `$SHELL`, because `$SHELL` is the login shell, which
/// need not be the shell that evaluates the output: a bash user may type the command in fish.
public enum ParentShell {
    /// Returns the syntax for the parent process, or POSIX syntax when /proc cannot be read.
    public static func detect() -> ShellKind {
        guard let stat = readProcFile("/proc/self/stat"),
              let parentID = parentProcessID(fromStat: stat),
              let name = readProcFile("/proc/\(parentID)/comm") else { return .sh }
        return ShellKind.forProcessName(name.trimmingCharacters(in: "\n"))
    }

    /// Returns the parent process id from the text of `/proc/PID/stat`, or nil when it is malformed.
    ///
    /// The fields are `pid (comm) state ppid ...`. The name may contain spaces and ")", so the
    /// fields are counted from the last ")".
    static func parentProcessID(fromStat text: String) -> Int32? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let parentID = Int32(fields[1]), parentID > 0 else { return nil }
        return parentID
    }

    /// Reads a small /proc file, whose size stat reports as 0, to its end.
    private static func readProcFile(_ path: String) -> String? {
        let descriptor = upx_open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return readAll(descriptor, limit: 4096).map { String(decoding: $0, as: UTF8.self) }
    }
}
