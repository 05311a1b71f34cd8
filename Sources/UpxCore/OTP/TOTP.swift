// Time-based one-time passwords (RFC 6238): HOTP with the counter taken from the clock.

import FoundationEssentials

/// The settings of a TOTP generator: hash algorithm, digits, period and epoch.
public struct TOTP: Sendable, Equatable {
    public let hotp: HOTP
    /// Length of one time step, in seconds (RFC 6238 calls it X).
    public let period: Int
    /// The time at which step 0 starts (RFC 6238 calls it T0).
    public let epoch: Date

    /// The defaults are the common authenticator-app settings: SHA-1, 6 digits, 30 seconds from the Unix epoch.
    public init(
        algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30,
        epoch: Date = Date(timeIntervalSince1970: 0)
    ) throws(OTPError) {
        guard period >= 1 else { throw .invalidPeriod(period) }
        self.hotp = try HOTP(algorithm: algorithm, digits: digits)
        self.period = period
        self.epoch = epoch
    }

    public var algorithm: OTPAlgorithm { hotp.algorithm }
    public var digits: Int { hotp.digits }

    /// Returns the time step that contains `date`: whole periods since the epoch, rounded down.
    public func timeStep(at date: Date) throws(OTPError) -> UInt64 {
        UInt64(try elapsedSeconds(at: date)) / UInt64(period)
    }

    /// Returns how many whole seconds are left before the step that contains `date` ends, from 1 to `period`.
    public func secondsRemaining(at date: Date) throws(OTPError) -> Int {
        period - Int(try elapsedSeconds(at: date) % Int64(period))
    }

    /// Computes the code at `date` with raw key bytes held in a secret (decode base32 text with `Base32.decode`).
    public func code(key: Secret, at date: Date) throws(OTPError) -> String {
        try hotp.code(key: key, counter: timeStep(at: date))
    }

    /// Computes the code at `date` with raw key bytes.
    public func code(key: UnsafeRawBufferPointer, at date: Date) throws(OTPError) -> String {
        try hotp.code(key: key, counter: timeStep(at: date))
    }

    /// Whole seconds from the epoch to `date`, rounded down.
    private func elapsedSeconds(at date: Date) throws(OTPError) -> Int64 {
        let elapsed = (date.timeIntervalSince1970 - epoch.timeIntervalSince1970).rounded(.down)
        // 2^63 as a Double; anything at or past it does not fit in Int64.
        guard elapsed >= 0, elapsed < 9_223_372_036_854_775_808.0 else {
            throw .timeOutOfRange(unixSeconds: date.timeIntervalSince1970)
        }
        return Int64(elapsed)
    }
}
