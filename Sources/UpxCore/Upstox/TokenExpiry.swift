// When an Upstox access token dies.

import FoundationEssentials

/// The daily cut-off of Upstox access tokens: 03:30 IST, which is 22:00 UTC (IST has no
/// daylight saving time, so the UTC hour never moves).
public enum TokenExpiry {
    static let cutoffSecondsIntoUTCDay: Int64 = 22 * 3600
    static let secondsPerDay: Int64 = 86_400

    /// Returns the first 03:30 IST strictly after `issuedAt`: a token issued at 02:30 IST expires
    /// at 03:30 that morning, one issued at 03:30 or later the next morning.
    public static func nextCutoff(after issuedAt: Date) -> Date {
        let seconds = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
        let dayStart = seconds - floorModulo(seconds, secondsPerDay)
        var cutoff = dayStart + cutoffSecondsIntoUTCDay
        if cutoff <= seconds { cutoff += secondsPerDay }
        return Date(timeIntervalSince1970: Double(cutoff))
    }

    /// Returns the expiry of a token: its JWT `exp` claim when it has one, else the next
    /// cut-off. A claim past the next cut-off is capped there, because Upstox ends every
    /// access token at 03:30 IST whatever the token claims.
    public static func expiry(claimedExpiry: Date?, issuedAt: Date) -> Date {
        let cutoff = nextCutoff(after: issuedAt)
        guard let claimedExpiry else { return cutoff }
        return min(claimedExpiry, cutoff)
    }

    private static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
