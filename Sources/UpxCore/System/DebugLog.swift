// The --debug log: one line per step on stderr, switched on by the flag, UPSTOX_DEBUG in the
// environment, or UPSTOX_DEBUG in an env file once that has been read.

/// Lines for --debug, written only while enabled. It never receives a secret.
final class DebugLog {
    var enabled: Bool
    let streams: Streams

    init(enabled: Bool, streams: Streams) {
        self.enabled = enabled
        self.streams = streams
    }

    func callAsFunction(_ line: String) {
        write(line)
    }

    func write(_ line: String) {
        if enabled { streams.err("upx-login: \(line)\n") }
    }
}
