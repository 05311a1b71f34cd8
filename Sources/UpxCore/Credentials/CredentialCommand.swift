// Running a NAME_CMD command, such as `pass show upstox/pin`, whose standard output is a
// credential's value.

import CSystem
import Glibc

/// A shell command that prints one credential, run with a timeout and a cleaned environment.
struct CredentialCommand {
    let name: String
    let command: String
    let timeoutSeconds: Double

    /// Runs the command under `/bin/sh -c` and returns its output without the final line end.
    ///
    /// The child inherits standard input and error, so a password manager can prompt, and gets
    /// `environment` without any `UPSTOX_*` variable, so one credential never reaches another's
    /// command. It runs in its own process group, which is killed when the timeout passes.
    func run(environment: [String: String]) throws(CredentialError) -> [UInt8] {
        let child = try spawn(environment: environment.filter { !$0.key.hasPrefix("UPSTOX_") })
        var output = collectOutput(child)
        defer { output.bytes.withUnsafeMutableBytes { wipe($0) } }

        if output.timedOut { kill(-child.processID, SIGKILL) }
        let status = waitForExit(child.processID)
        if output.timedOut {
            throw failure("it did not finish within \(formatSeconds(timeoutSeconds)) s (raise UPX_CMD_TIMEOUT or check the command)")
        }
        if output.overflowed { throw failure("it printed more than 64 KiB") }
        if let status { throw failure(status) }
        return trimmedLine(output.bytes)
    }

    private struct Child {
        let processID: pid_t
        let outputDescriptor: Int32
    }

    private func spawn(environment: [String: String]) throws(CredentialError) -> Child {
        var pipeEnds: [Int32] = [0, 0]
        guard upx_pipe_cloexec(&pipeEnds) == 0 else { throw failure("pipe2 failed: \(String(cString: strerror(errno)))") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], STDOUT_FILENO)

        // A fresh process group to kill on timeout, an empty signal mask and default dispositions,
        // whatever this process inherited or set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t(), defaults = sigset_t()
        sigemptyset(&emptyMask)
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let arguments = ["/bin/sh", "-c", command]
        let variables = environment.map { "\($0.key)=\($0.value)" }
        var processID: pid_t = 0
        let result = withCStrings(arguments) { argv in
            withCStrings(variables) { envp in
                posix_spawn(&processID, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        close(pipeEnds[1])
        guard result == 0 else {
            close(pipeEnds[0])
            throw failure("cannot start /bin/sh: \(String(cString: strerror(result)))")
        }
        return Child(processID: processID, outputDescriptor: pipeEnds[0])
    }

    private struct Output {
        var bytes: [UInt8] = []
        var timedOut = false
        var overflowed = false
    }

    /// Reads the child's output until it closes the pipe, the timeout passes or 64 KiB arrive.
    private func collectOutput(_ child: Child) -> Output {
        defer { close(child.outputDescriptor) }
        let limit = 65_536
        var output = Output()
        output.bytes.reserveCapacity(limit + 1)
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { chunk.withUnsafeMutableBytes { wipe($0) } }
        let deadline = Stopwatch()

        while true {
            let left = timeoutSeconds * 1000 - Double(deadline.elapsedMilliseconds)
            guard left > 0 else {
                output.timedOut = true
                return output
            }
            var poller = pollfd(fd: child.outputDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left, 60_000).rounded(.up)))
            if ready < 0, errno == EINTR { continue }
            if ready == 0 { continue }

            let count = chunk.withUnsafeMutableBytes { read(child.outputDescriptor, $0.baseAddress!, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return output }
            guard output.bytes.count + count <= limit else {
                output.overflowed = true
                kill(-child.processID, SIGKILL)
                return output
            }
            output.bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Waits for the child and returns nil for exit status 0, else a description of how it ended.
    private func waitForExit(_ processID: pid_t) -> String? {
        var status: Int32 = 0
        while waitpid(processID, &status, 0) < 0 {
            if errno != EINTR { return "waitpid failed: \(String(cString: strerror(errno)))" }
        }
        let exitStatus = (status >> 8) & 0xFF, signal = status & 0x7F
        if signal != 0 { return "it was ended by signal \(signal)" }
        return exitStatus == 0 ? nil : "it exited with status \(exitStatus) (run it by hand to see why)"
    }

    private func failure(_ reason: String) -> CredentialError {
        .commandFailed(name: name, reason: reason)
    }

    private func formatSeconds(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}

/// Drops one final LF or CRLF, as `pass` and `echo` print a value followed by a newline.
func trimmedLine(_ bytes: [UInt8]) -> [UInt8] {
    var end = bytes.count
    if end > 0, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
    if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return Array(bytes[0..<end])
}

/// Calls `body` with a NULL-terminated array of C strings, freed afterwards.
private func withCStrings<Result>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
) -> Result {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
