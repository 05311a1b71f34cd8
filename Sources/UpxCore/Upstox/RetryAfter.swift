// The Retry-After header of a rate-limited or unavailable reply (RFC 9110, section 10.2.3).

import FoundationEssentials
import Glibc

/// Reads a Retry-After value: delay seconds (`120`) or an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
public enum RetryAfter {
    /// The shortest wait taken from a Retry-After, so that `0` or a past date cannot make
    /// upx-login send its retries back to back.
    public static let minimumSeconds: Double = 1
    /// The maximum wait read from a Retry-After. Any wait over a minute ends the run with a
    /// message, so this cap only keeps the number in range.
    public static let maximumSeconds: Double = 365 * 86_400

    /// Returns the wait in seconds that `value` requests at `now`, from 1 s (also for `0` or a
    /// date already past) to a year, or nil when the value is neither form.
    public static func seconds(_ value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: " \t")
        let seconds: Double
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            guard let delay = Double(text) else { return nil }
            seconds = delay
        } else {
            guard let date = httpDate(text) else { return nil }
            seconds = date.timeIntervalSince(now)
        }
        return min(max(seconds, minimumSeconds), maximumSeconds)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses the three date forms that RFC 9110 requires recipients to accept: IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and
    /// asctime (`Sun Nov  6 08:49:37 1994`). The weekday is not checked.
    static func httpDate(_ text: String) -> Date? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        let day: String, month: String, year: String, time: String
        switch words.count {
        case 6 where words[5] == "GMT":
            (day, month, year, time) = (words[1], words[2], words[3], words[4])
        case 5:
            (month, day, time, year) = (words[1], words[2], words[3], words[4])
        default:
            return nil
        }

        let clock = time.split(separator: ":", omittingEmptySubsequences: false)
        guard let monthIndex = months.firstIndex(of: month),
              let dayNumber = number(day, digits: 1...2), (1...31).contains(dayNumber),
              var yearNumber = number(year, digits: 2...4),
              clock.count == 3,
              let hour = number(String(clock[0]), digits: 2...2), hour < 24,
              let minute = number(String(clock[1]), digits: 2...2), minute < 60,
              let second = number(String(clock[2]), digits: 2...2), second <= 60 else { return nil }
        // RFC 850 dates have two-digit years, read here as 1970 to 2069: a fixed pivot in place
        // of RFC 9110's rule that a year more than 50 years ahead is in the past century.
        if year.count == 2 { yearNumber += yearNumber < 70 ? 2000 : 1900 }

        var fields = tm()
        fields.tm_year = Int32(yearNumber - 1900)
        fields.tm_mon = Int32(monthIndex)
        fields.tm_mday = Int32(dayNumber)
        fields.tm_hour = Int32(hour)
        fields.tm_min = Int32(minute)
        fields.tm_sec = Int32(second)
        return Date(timeIntervalSince1970: Double(timegm(&fields)))
    }

    private static func number(_ text: String, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.count), text.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(text)
    }
}
