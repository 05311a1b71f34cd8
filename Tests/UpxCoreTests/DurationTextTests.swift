// The duration syntax of --min-valid and --leeway, and the short durations tools print.

import FoundationEssentials
import Testing
@testable import UpxCore

@Test(arguments: [
    ("0", 0), ("45", 45), ("30s", 30), ("90m", 5400), ("1h", 3600), ("1h30m", 5400), ("2d12h", 216_000),
    ("1d1h1m1s", 90061), ("0h5m", 300), ("3650d", 315_360_000),
])
func durationParses(_ text: String, _ seconds: Int64) throws {
    #expect(try DurationText.parse(text, option: "--min-valid") == seconds)
}

@Test(arguments: ["", "h", "1x", "1H", "1m1h", "1h1h", "1s2", "-5", "+5", "1.5h", "1 h", "1h 30m", "١h", "½h", "3651d", "99999999999999999999s", "9223372036854775807d"])
func durationRejects(_ text: String) {
    #expect(throws: UsageError.self) { try DurationText.parse(text, option: "--leeway") }
}

@Test func durationErrorGivesGrammar() {
    #expect(throws: UsageError.invalidValue(
        option: "--leeway", value: "1x",
        reason: "expected a duration: seconds, or digits with units d, h, m, s in that order, such as 30s, 90m or 1h30m")
    ) { try DurationText.parse("1x", option: "--leeway") }
}

@Test func durationTooLong() {
    #expect(throws: UsageError.invalidValue(option: "--min-valid", value: "3651d", reason: "expected at most 3650d")) {
        try DurationText.parse("3651d", option: "--min-valid")
    }
}

@Test(arguments: [
    (0, "0s"), (45, "45s"), (60, "1m"), (185, "3m 5s"), (3600, "1h"), (18_720, "5h 12m"), (86_400, "1d"),
    (183_600, "2d 3h"), (90061, "1d 1h"),
])
func durationFormats(_ seconds: Int64, _ text: String) {
    #expect(DurationText.format(seconds) == text)
}

@Test func calendarTimeFormats() {
    let instant = Date(timeIntervalSince1970: 1_796_508_000.9)
    #expect(CalendarTime.iso8601(instant) == "2026-12-05T22:00:00Z")
    #expect(CalendarTime.text(instant, in: .utc) == "2026-12-05 22:00:00 UTC")
    #expect(CalendarTime.text(instant, in: .india) == "2026-12-06 03:30:00 IST")
    #expect(CalendarTime.text(instant, in: ZoneOffset(seconds: -18_000, abbreviation: "EST")) == "2026-12-05 17:00:00 EST")
}

@Test func calendarTimeFarYears() {
    #expect(CalendarTime.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    #expect(CalendarTime.iso8601(Date(timeIntervalSince1970: 253_402_300_799)) == "9999-12-31T23:59:59Z")
    #expect(CalendarTime.iso8601(Date(timeIntervalSince1970: 1_700_000_000_000)) == "55840-11-08T22:13:20Z")
}

@Test func calendarTimeOffsetText() {
    #expect(CalendarTime.offsetText(19_800) == "+0530")
    #expect(CalendarTime.offsetText(-12_600) == "-0330")
    #expect(CalendarTime.offsetText(0) == "+0000")
}

@Test func systemTimeZoneAnswers() {
    // The machine's zone is unknown to the test; the offset must be a real one.
    #expect(abs(SystemTimeZone().offset(at: Date(timeIntervalSince1970: 1_700_000_000)).seconds) <= 14 * 3600)
}
