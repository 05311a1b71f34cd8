// Process settings that keep secrets out of core dumps and debuggers.

import CSystem

public enum Hardening {
    /// Marks the process non-dumpable: no core dump (unless the administrator set
    /// fs.suid_dumpable to 2, and then the dump is readable by root only), and no ptrace
    /// attach or /proc/PID/mem read by other processes of the user. Call before reading
    /// any secret; execve clears the mark for the program it starts.
    public static func apply() {
        _ = upx_set_dumpable(0)
    }
}
