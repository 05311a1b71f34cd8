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
    /// command. It runs in its own process group, which is killed when the timeout passes, and
    /// starts with no blocked signals, as `ChildProcess.spawn` starts every child.
    func run(environment: [String: String]) throws(CredentialError) -> [UInt8] {
        let child = try spawn(environment: environment.filter { !$0.key.hasPrefix("UPSTOX_") })
        var output = collectOutput(child)
        defer { output.bytes.withUnsafeMutableBytes { wipe($0) } }

        if output.timedOut { kill(-child.processID, SIGKILL) }
        let status = ChildProcess.waitStatus(child.processID)
        if output.timedOut {
            throw failure("it did not finish within \(formatSeconds(timeoutSeconds)) s (raise UPX_CMD_TIMEOUT or check the command)")
        }
        if output.overflowed { throw failure("it printed more than 64 KiB") }
        let signal = ChildProcess.terminatingSignal(status), exitCode = ChildProcess.exitCode(status)
        if signal != 0 { throw failure("it was ended by signal \(signal)") }
        if exitCode != 0 { throw failure("it exited with status \(exitCode) (run it by hand to see why)") }
        return trimmedLine(output.bytes)
    }

    private struct Child {
        let processID: pid_t
        let outputDescriptor: Int32
    }

    private func spawn(environment: [String: String]) throws(CredentialError) -> Child {
        var pipeEnds: [Int32] = [0, 0]
        guard upx_pipe_cloexec(&pipeEnds) == 0 else { throw failure("pipe2 failed: \(String(cString: strerror(errno)))") }

        let processID: pid_t
        do throws(ChildProcessError) {
            processID = try ChildProcess.spawn(
                "/bin/sh", ["-c", command], environment, redirections: [(STDOUT_FILENO, pipeEnds[1])],
                newProcessGroup: true)
        } catch {
            close(pipeEnds[0])
            close(pipeEnds[1])
            switch error {
            case .cannotStart(_, let reason): throw failure("cannot start /bin/sh: \(reason)")
            }
        }
        close(pipeEnds[1])
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
