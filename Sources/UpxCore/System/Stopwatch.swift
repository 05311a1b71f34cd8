// Elapsed time for --debug lines, from the monotonic clock so clock changes do not skew it.

import Glibc

/// Measures time since it was made.
public struct Stopwatch {
    private let start: timespec

    public init() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        start = now
    }

    public var elapsedMilliseconds: Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1_000_000
    }
}
