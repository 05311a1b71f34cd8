// When an Upstox access token dies.

import FoundationEssentials

/// The daily cut-off of Upstox access tokens: 03:30 IST, which is 22:00 UTC (IST has no
/// daylight saving time, so the UTC hour never moves).
public enum TokenExpiry {
    static let cutoffSecondsIntoUTCDay: Int64 = 22 * 3600
    static let secondsPerDay: Int64 = 86_400

    /// The first 03:30 IST strictly after `issuedAt`: a token issued at 02:30 IST expires
    /// at 03:30 that morning, one issued at 03:30 or later the next morning.
    public static func nextCutoff(after issuedAt: Date) -> Date {
        let seconds = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
        let dayStart = seconds - floorModulo(seconds, secondsPerDay)
        var cutoff = dayStart + cutoffSecondsIntoUTCDay
        if cutoff <= seconds { cutoff += secondsPerDay }
        return Date(timeIntervalSince1970: Double(cutoff))
    }

    /// The expiry of a token: its JWT `exp` claim when it has one, else the next cut-off.
    public static func expiry(claimedExpiry: Date?, issuedAt: Date) -> Date {
        claimedExpiry ?? nextCutoff(after: issuedAt)
    }

    private static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
