// Running another program, such as git, and collecting what it writes.

import CSystem
import Glibc

/// The exit status and both outputs of a finished child process.
public struct ChildProcessResult: Sendable, Equatable {
    /// The exit status, or 128 plus the signal number when a signal ended it, as shells report it.
    public var status: Int32
    public var output: [UInt8]
    public var errorOutput: [UInt8]

    /// The standard error text with surrounding blanks removed, for error messages.
    public var errorText: String {
        String(decoding: errorOutput, as: UTF8.self).trimmingCharacters(in: " \t\r\n")
    }
}

/// Starts programs with `posix_spawn`, feeds them standard input and reads both output streams.
public enum ChildProcess {
    /// Runs `executable` with `arguments` and exactly `environment`, and waits for it to end.
    ///
    /// The child starts with no blocked signals and default signal actions, because a Swift
    /// thread may have blocked some and those would otherwise carry over through `execve`.
    /// Standard input is a socket pair and standard output and error are pipes. `poll` serves
    /// all three together, so a child that fills one while another is pending cannot deadlock.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], input: [UInt8] = []
    ) throws(ChildProcessError) -> ChildProcessResult {
        var inputPipe = try makeSocketPair(executable)
        var outputPipe = try makePipe(executable)
        var errorPipe = try makePipe(executable)
        defer { for descriptor in [inputPipe.1, outputPipe.0, errorPipe.0] where descriptor >= 0 { close(descriptor) } }

        let processID = try spawn(
            executable, arguments, environment,
            redirections: [(STDIN_FILENO, inputPipe.0), (STDOUT_FILENO, outputPipe.1), (STDERR_FILENO, errorPipe.1)])
        close(inputPipe.0)
        close(outputPipe.1)
        close(errorPipe.1)
        inputPipe.0 = -1
        outputPipe.1 = -1
        errorPipe.1 = -1

        var streams = PipeStreams(input: inputPipe.1, pending: input, output: outputPipe.0, error: errorPipe.0)
        streams.exchange()
        inputPipe.1 = -1
        outputPipe.0 = -1
        errorPipe.0 = -1

        let status = shellStatus(waitStatus(processID))
        return ChildProcessResult(status: status, output: streams.outputBytes, errorOutput: streams.errorBytes)
    }

    /// Finds `name` in the folders of `PATH`, or in `/usr/local/bin:/usr/bin:/bin` when PATH is unset.
    public static func find(_ name: String, environment: [String: String]) -> String? {
        let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for folder in folders where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private static func makePipe(_ executable: String) throws(ChildProcessError) -> (Int32, Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard upx_pipe_cloexec(&descriptors) == 0 else {
            throw .cannotStart(program: executable, reason: systemErrorText(errno))
        }
        return (descriptors[0], descriptors[1])
    }

    /// Creates a connected socket pair for standard input in place of a pipe, so the parent can write with
    /// `MSG_NOSIGNAL`. A child that exits early then causes EPIPE instead of a SIGPIPE that would kill the parent.
    private static func makeSocketPair(_ executable: String) throws(ChildProcessError) -> (Int32, Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &descriptors) == 0 else {
            throw .cannotStart(program: executable, reason: systemErrorText(errno))
        }
        shutdown(descriptors[0], Int32(SHUT_WR))
        return (descriptors[0], descriptors[1])
    }

    /// Starts `executable` with no blocked signals and default signal actions, and returns its pid.
    ///
    /// Each redirection makes the parent's descriptor the child's descriptor of that number. With
    /// `newProcessGroup`, the child leads a process group of its own, which `kill(-pid, ...)` ends whole.
    static func spawn(
        _ executable: String, _ arguments: [String], _ environment: [String: String],
        redirections: [(child: Int32, parent: Int32)], newProcessGroup: Bool = false
    ) throws(ChildProcessError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for redirection in redirections {
            posix_spawn_file_actions_adddup2(&actions, redirection.parent, redirection.child)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argumentStrings = ([executable] + arguments).map { strdup($0) }
        let environmentStrings = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer { (argumentStrings + environmentStrings).forEach { free($0) } }
        var argumentVector = argumentStrings + [nil]
        var environmentVector = environmentStrings + [nil]

        var processID = pid_t()
        let result = posix_spawn(&processID, executable, &actions, &attributes, &argumentVector, &environmentVector)
        guard result == 0 else {
            throw .cannotStart(program: executable, reason: systemErrorText(result))
        }
        return processID
    }

    /// Waits for a child and returns its raw wait status.
    static func waitStatus(_ processID: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(processID, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Returns the exit code of a wait status, or 128 plus the signal that ended the child.
    private static func shellStatus(_ status: Int32) -> Int32 {
        let signal = terminatingSignal(status)
        return signal == 0 ? exitCode(status) : 128 + signal
    }

    // The wait status layout of <sys/wait.h>: the low 7 bits are the signal, the next 8 the exit code.
    static func terminatingSignal(_ status: Int32) -> Int32 { status & 0x7f }
    static func exitCode(_ status: Int32) -> Int32 { (status >> 8) & 0xff }
}

/// The parent's ends of a child's three standard streams, served together until all are closed.
private struct PipeStreams {
    var input: Int32
    var pending: [UInt8]
    var output: Int32
    var error: Int32
    var outputBytes: [UInt8] = []
    var errorBytes: [UInt8] = []

    /// Writes the pending input and reads both outputs until the child closes them, then closes every descriptor.
    mutating func exchange() {
        var written = 0
        if pending.isEmpty { closeInput() }
        var buffer = [UInt8](repeating: 0, count: 65536)

        while input >= 0 || output >= 0 || error >= 0 {
            var watched: [pollfd] = []
            if input >= 0 { watched.append(pollfd(fd: input, events: Int16(POLLOUT), revents: 0)) }
            if output >= 0 { watched.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if error >= 0 { watched.append(pollfd(fd: error, events: Int16(POLLIN), revents: 0)) }
            if poll(&watched, nfds_t(watched.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }

            for entry in watched where entry.revents != 0 {
                if entry.fd == input {
                    let count = pending.withUnsafeBytes {
                        send(input, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                    }
                    if count > 0 { written += count }
                    if count < 0 && errno != EINTR && errno != EAGAIN || written == pending.count { closeInput() }
                } else {
                    let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
                    if count > 0 {
                        if entry.fd == output { outputBytes += buffer[0..<count] } else { errorBytes += buffer[0..<count] }
                    } else if count == 0 || errno != EINTR {
                        close(entry.fd)
                        if entry.fd == output { output = -1 } else { error = -1 }
                    }
                }
            }
        }
        closeInput()
        for descriptor in [output, error] where descriptor >= 0 { close(descriptor) }
    }

    private mutating func closeInput() {
        guard input >= 0 else { return }
        close(input)
        input = -1
    }
}

/// A program that could not be started.
public enum ChildProcessError: Error, Equatable {
    case cannotStart(program: String, reason: String)
}
