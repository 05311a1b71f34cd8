// Durations as users type them in options (`90m`, `1h30m`) and as tools print them (`5h 12m`).

/// The duration syntax of options such as `--min-valid` and `--leeway`, and the short form tools print.
///
/// A duration is a whole number of seconds (`45`), or one or more groups of digits and a unit,
/// in the order d, h, m, s and each unit at most once: `30s`, `90m`, `1h30m`, `2d12h`.
public enum DurationText {
    /// The maximum duration: 3650 days (about 10 years), beyond the life of any token, so adding
    /// it to a Unix time cannot overflow.
    public static let maximumSeconds: Int64 = 3650 * 86_400

    /// The grammar in one line, for help texts and errors.
    public static let grammar = "seconds, or digits with units d, h, m, s in that order, such as 30s, 90m or 1h30m"

    private static let units: [(letter: Character, seconds: Int64)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]

    /// Parses a duration given to `option`, in seconds.
    public static func parse(_ text: String, option: String) throws(UsageError) -> Int64 {
        let invalid = UsageError.invalidValue(option: option, value: text, reason: "expected a duration: \(grammar)")
        guard !text.isEmpty, text.utf8.count <= 32 else { throw invalid }
        if text.allSatisfy(\.isASCIIDigit) {
            return try checked(Int64(text), text: text, option: option)
        }

        var total: Int64 = 0
        var digits = ""
        var nextUnit = 0
        for character in text {
            if character.isASCIIDigit {
                digits.append(character)
                continue
            }
            guard !digits.isEmpty,
                  let position = units[nextUnit...].firstIndex(where: { $0.letter == character }),
                  let count = Int64(digits) else { throw invalid }
            let (product, overflow) = count.multipliedReportingOverflow(by: units[position].seconds)
            guard !overflow else { throw tooLong(text, option) }
            total += min(product, maximumSeconds + 1)
            digits = ""
            nextUnit = position + 1
        }
        guard digits.isEmpty else { throw invalid }
        return try checked(total, text: text, option: option)
    }

    /// Formats a non-negative number of seconds in its two largest units: `2d 3h`, `5h 12m`, `3m 5s`, `45s`.
    public static func format(_ seconds: Int64) -> String {
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3600
        let minutes = seconds % 3600 / 60
        let rest = seconds % 60
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        if minutes > 0 { return rest > 0 ? "\(minutes)m \(rest)s" : "\(minutes)m" }
        return "\(rest)s"
    }

    private static func checked(_ seconds: Int64?, text: String, option: String) throws(UsageError) -> Int64 {
        guard let seconds, seconds <= maximumSeconds else { throw tooLong(text, option) }
        return seconds
    }

    private static func tooLong(_ text: String, _ option: String) -> UsageError {
        .invalidValue(option: option, value: text, reason: "expected at most \(maximumSeconds / 86_400)d")
    }
}

extension Character {
    /// Whether the character is one of the ASCII digits 0 to 9, unlike `isNumber`, which also takes `½` and `٣`.
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
