// upx-totp --watch: the code, the seconds left and the next code, kept current until Ctrl-C.

import FoundationEssentials
import Glibc

/// A wait between updates of --watch, ended early by a request to stop.
public protocol WatchPause {
    /// Waits up to `seconds`; returns false when the watch should stop instead.
    func wait(seconds: Double) -> Bool
}

/// Waits with sigtimedwait(2), so SIGINT (Ctrl-C) and SIGTERM end the watch and the terminal
/// can be restored, instead of killing the process with the cursor hidden.
public final class SignalPause: WatchPause {
    private var signals = sigset_t()

    /// Blocks SIGINT and SIGTERM for this thread, so they stay pending until `wait` takes them.
    public init() {
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    public func wait(seconds: Double) -> Bool {
        let whole = seconds.rounded(.down)
        var timeout = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))
        let result = sigtimedwait(&signals, nil, &timeout)
        // -1 is the timeout (EAGAIN) or another signal's interruption (EINTR): keep watching.
        return result < 0
    }
}

/// The --watch loop. On a terminal it redraws one line each second; elsewhere it prints one
/// line each time step, as text or JSON.
struct TOTPWatch {
    let totp: TOTP
    let key: Secret
    let json: Bool
    let streams: Streams
    let clock: any WallClock

    static let hideCursor = "\u{1B}[?25l"
    static let showCursor = "\u{1B}[?25h"
    static let clearLine = "\r\u{1B}[K"

    /// Runs until `pause` reports a stop or standard output fails, then restores the terminal.
    func run(pause: any WatchPause) throws -> ExitCode {
        let redraw = streams.outputIsTerminal && !json
        if redraw { streams.out(Self.hideCursor) }
        defer { if redraw { streams.out(Self.showCursor + "\n") } }

        var printedStep: UInt64?
        while streams.outputError() == nil {
            let now = clock.now()
            let step = try totp.timeStep(at: now)
            let remaining = try totp.secondsRemaining(at: now)
            if redraw {
                streams.out(Self.clearLine + (try line(step: step, remaining: remaining)))
            } else if step != printedStep {
                streams.out(try record(step: step, remaining: remaining) + "\n")
                printedStep = step
            }

            // Wake at the next whole second on a terminal, else at the start of the next step.
            let fraction = now.timeIntervalSince1970 - now.timeIntervalSince1970.rounded(.down)
            let delay = (redraw ? 1 : Double(remaining)) - fraction
            guard pause.wait(seconds: max(delay, 0.001)) else { break }
        }
        return .success
    }

    /// Formats the terminal line: code, a bar of the seconds left, the seconds, and the next code.
    func line(step: UInt64, remaining: Int) throws -> String {
        let width = min(totp.period, 30)
        let filled = (remaining * width + totp.period - 1) / totp.period
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let next = try totp.hotp.code(key: key, counter: step &+ 1)
        return "\(try totp.hotp.code(key: key, counter: step))  [\(bar)] \(remaining)s  next \(next)"
    }

    /// Formats the line for one step when output is not a terminal: the code, or a JSON object.
    func record(step: UInt64, remaining: Int) throws -> String {
        let code = try totp.hotp.code(key: key, counter: step)
        guard json else { return code }
        let next = try totp.hotp.code(key: key, counter: step &+ 1)
        let fields: [String: JSONValue] = [
            "code": .string(code), "counter": .unsignedInteger(step), "remaining": .number(Double(remaining)),
            "next": .string(next),
        ]
        return JSONValue.object(fields).serialized()
    }
}
