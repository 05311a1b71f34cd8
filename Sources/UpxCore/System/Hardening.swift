// Process settings that keep secrets out of core dumps and debuggers.

import CSystem
import Glibc

public enum Hardening {
    /// Marks the process non-dumpable: no core dump (unless the administrator set
    /// fs.suid_dumpable to 2, and then the dump is readable by root only), and no ptrace
    /// attach or /proc/PID/mem read by other processes of the user. Call before reading
    /// any secret; execve clears the mark for the program it starts.
    public static func apply() {
        _ = upx_set_dumpable(0)
        reserveStandardDescriptors()
    }

    /// Puts /dev/null, opened for the wrong direction, on each of descriptors 0, 1 and 2 that is
    /// closed. Otherwise the next file opened, such as the login lock, would take the number,
    /// and a token printed to standard output would land in that file. Writing to the
    /// placeholder fails, so the output error is reported and nothing is written anywhere.
    static func reserveStandardDescriptors() {
        // open(2) returns the lowest free number, which is `descriptor` itself.
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            _ = upx_open("/dev/null", (descriptor == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC)
        }
    }
}
