// Whether the kernel keeps the system clock synchronised, for tools whose output depends on the time.

import CSystem
import Glibc

/// A source of the kernel's clock synchronisation state.
public protocol ClockStatus {
    /// Returns false when the clock is known to be unsynchronised, true when synchronised, nil when unknown.
    func isSynchronised() -> Bool?
}

/// The kernel's state, read with adjtimex(2) without changing anything.
public struct KernelClockStatus: ClockStatus {
    public init() {}

    /// Reads adjtimex(2) with no mode bits set. The kernel returns TIME_ERROR, or sets
    /// STA_UNSYNC, when no time source (NTP, chrony, systemd-timesyncd) has set the clock lately.
    public func isSynchronised() -> Bool? {
        var state = timex()
        let result = adjtimex(&state)
        if result < 0 { return nil }
        return result != TIME_ERROR && state.status & STA_UNSYNC == 0
    }
}

/// A clock status fixed at one value, for tests.
public struct FixedClockStatus: ClockStatus {
    public let synchronised: Bool?
    public init(synchronised: Bool?) { self.synchronised = synchronised }
    public func isSynchronised() -> Bool? { synchronised }
}
