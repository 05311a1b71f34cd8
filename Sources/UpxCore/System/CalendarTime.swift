// Instants as calendar dates and times in UTC, in India and in the user's own time zone.

import FoundationEssentials
import Glibc

/// A time zone's offset from UTC at one instant, and its abbreviation at that instant.
public struct ZoneOffset: Equatable, Sendable {
    /// Seconds east of UTC: 19800 for IST, -18000 for EST.
    public let seconds: Int
    /// The zone's abbreviation, such as `CET`, or the offset as `+0530` where the zone has none.
    public let abbreviation: String

    public init(seconds: Int, abbreviation: String) {
        self.seconds = seconds
        self.abbreviation = abbreviation
    }

    public static let utc = ZoneOffset(seconds: 0, abbreviation: "UTC")
    /// India Standard Time, UTC+05:30 all year: India has no daylight saving time.
    public static let india = ZoneOffset(seconds: 19_800, abbreviation: "IST")
}

/// The user's time zone, whose offset may change with daylight saving time.
public protocol LocalTimeZone {
    func offset(at instant: Date) -> ZoneOffset
}

/// The process's time zone as localtime(3) finds it: `TZ`, else `/etc/localtime`, else UTC.
public struct SystemTimeZone: LocalTimeZone {
    public init() {}

    public func offset(at instant: Date) -> ZoneOffset {
        var seconds = time_t(CalendarTime.wholeSeconds(instant))
        var fields = tm()
        guard localtime_r(&seconds, &fields) != nil else { return .utc }
        let abbreviation = fields.tm_zone.map { String(cString: $0) } ?? ""
        return ZoneOffset(seconds: fields.tm_gmtoff, abbreviation: abbreviation)
    }
}

/// A time zone with one offset all year, for tests.
public struct FixedTimeZone: LocalTimeZone {
    public let zoneOffset: ZoneOffset

    public init(_ zoneOffset: ZoneOffset) {
        self.zoneOffset = zoneOffset
    }

    public func offset(at instant: Date) -> ZoneOffset { zoneOffset }
}

/// Formatting of instants to the whole second, for any year that a 64-bit `time_t` holds.
public enum CalendarTime {
    /// Returns the whole seconds since 1970-01-01 UTC, rounded down and clamped to Int64's range.
    public static func wholeSeconds(_ instant: Date) -> Int64 {
        let seconds = instant.timeIntervalSince1970.rounded(.down)
        if seconds >= 9.2e18 { return Int64.max }
        if seconds <= -9.2e18 { return Int64.min }
        return Int64(seconds)
    }

    /// Formats an instant as ISO 8601 in UTC: `2026-12-05T22:00:00Z`.
    public static func iso8601(_ instant: Date) -> String {
        guard let fields = fields(of: wholeSeconds(instant)) else { return "invalid" }
        return "\(date(fields))T\(time(fields))Z"
    }

    /// Formats an instant as date, time and zone abbreviation in the given offset: `2026-12-06 03:30:00 IST`.
    public static func text(_ instant: Date, in zone: ZoneOffset) -> String {
        let (shifted, overflow) = wholeSeconds(instant).addingReportingOverflow(Int64(zone.seconds))
        guard !overflow, let fields = fields(of: shifted) else { return "invalid" }
        let abbreviation = zone.abbreviation.isEmpty ? offsetText(zone.seconds) : zone.abbreviation
        return "\(date(fields)) \(time(fields)) \(abbreviation)"
    }

    /// Formats an offset from UTC as `+0530` or `-0500`.
    public static func offsetText(_ seconds: Int) -> String {
        let magnitude = abs(seconds)
        let hours = String(magnitude / 3600).leftPadded(to: 2)
        let minutes = String(magnitude % 3600 / 60).leftPadded(to: 2)
        return (seconds < 0 ? "-" : "+") + hours + minutes
    }

    /// Returns the calendar fields of Unix seconds read as UTC, from gmtime_r(3); nil past its range.
    private static func fields(of seconds: Int64) -> tm? {
        var value = time_t(seconds)
        var fields = tm()
        return gmtime_r(&value, &fields) == nil ? nil : fields
    }

    private static func date(_ fields: tm) -> String {
        let year = Int64(fields.tm_year) + 1900
        let yearText = year < 0 ? "-" + String(-year).leftPadded(to: 4) : String(year).leftPadded(to: 4)
        return "\(yearText)-\(String(fields.tm_mon + 1).leftPadded(to: 2))-\(String(fields.tm_mday).leftPadded(to: 2))"
    }

    private static func time(_ fields: tm) -> String {
        [fields.tm_hour, fields.tm_min, fields.tm_sec].map { String($0).leftPadded(to: 2) }.joined(separator: ":")
    }
}
