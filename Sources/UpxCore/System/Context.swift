// Everything a tool takes from the outside world, injected so unit tests need no real
// time, network, keyring or process.

import FoundationEssentials
import Glibc

/// A source of the current time.
public protocol WallClock {
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that always returns the same instant, for tests.
public struct FixedClock: WallClock {
    public let instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public init(unixSeconds: Double) { self.instant = Date(timeIntervalSince1970: unixSeconds) }
    public func now() -> Date { instant }
}

/// The outside world of one tool run.
public struct Context {
    public var environment: [String: String]
    public var clock: any WallClock
    public var streams: Streams
    public var keyring: any KeyringStore
    /// Makes a new HTTP transport with its own cookie jar and the given timeouts, one per login.
    public var makeTransport: (HTTPTimeouts) -> any HTTPTransport
    public var workingDirectory: String
    /// Waits the given number of seconds, as between retries.
    public var sleep: (Double) -> Void

    public init(
        environment: [String: String], clock: any WallClock, streams: Streams,
        keyring: any KeyringStore, makeTransport: @escaping (HTTPTimeouts) -> any HTTPTransport,
        workingDirectory: String, sleep: @escaping (Double) -> Void = sleepSeconds
    ) {
        self.environment = environment
        self.clock = clock
        self.streams = streams
        self.keyring = keyring
        self.makeTransport = makeTransport
        self.workingDirectory = workingDirectory
        self.sleep = sleep
    }

    /// Makes a context whose transports ignore the timeouts, as fake transports in tests do.
    public init(
        environment: [String: String], clock: any WallClock, streams: Streams,
        keyring: any KeyringStore, makeTransport: @escaping () -> any HTTPTransport,
        workingDirectory: String, sleep: @escaping (Double) -> Void = sleepSeconds
    ) {
        self.init(
            environment: environment, clock: clock, streams: streams, keyring: keyring,
            makeTransport: { _ in makeTransport() }, workingDirectory: workingDirectory, sleep: sleep)
    }

    /// Returns the real process environment, clock, streams, kernel keyring and libcurl.
    public static func live() -> Context {
        Context(
            environment: processEnvironment(),
            clock: SystemClock(),
            streams: .standard(),
            keyring: KernelKeyring(),
            makeTransport: { timeouts in CurlTransport(timeouts: timeouts) },
            workingDirectory: currentDirectory()
        )
    }

    /// Whether --debug output is on through the environment (`UPSTOX_DEBUG=1`, `true` or `yes`).
    public var debugFromEnvironment: Bool {
        guard let value = environment["UPSTOX_DEBUG"]?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }
}

/// Reads the environment of this process from `environ`.
public func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
        let pair = String(cString: pointer)
        if let equals = pair.firstIndex(of: "=") {
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        entry += 1
    }
    return result
}

/// Returns the current working directory, or "." when it cannot be read.
public func currentDirectory() -> String {
    guard let pointer = getcwd(nil, 0) else { return "." }
    defer { free(pointer) }
    return String(cString: pointer)
}
