// Reading `.env` files as python-dotenv (1.x) reads them, since users of the Python
// client keep their credentials in such files.

/// The variables of one `.env` file, in file order.
public struct DotEnvFile: Sendable {
    public let path: String
    public let entries: [(name: String, value: String)]

    /// Parses a `.env` file as python-dotenv does, with one difference: a line it would skip
    /// with a warning is an error naming the file and line here.
    ///
    /// It reads `NAME=value` with an optional `export` prefix, blank lines, and `#` comments
    /// on their own line or after whitespace behind a value. Single quotes escape only `\\`
    /// and `\'`; double quotes also `\" \a \b \f \n \r \t \v`. Quoted values may span
    /// lines, line ends may be CRLF, and `${NAME}` or `${NAME:-default}` may appear in any value,
    /// single-quoted ones included, as python-dotenv 1.0 expands them. Expansion takes
    /// earlier values of the file first, then `environment`, as its `dotenv_values` does.
    /// Unlike python-dotenv, a UTF-8 byte-order mark is dropped instead of becoming part of
    /// the first name, and a bare `NAME` without `=` is an error.
    public static func parse(_ text: String, path: String, environment: [String: String] = [:]) throws -> DotEnvFile {
        var scanner = DotEnvScanner(text: text, path: path)
        var entries: [(name: String, value: String)] = []
        var resolved: [String: String] = [:]

        while let statement = try scanner.nextStatement() {
            let value = expandVariables(in: statement.value, file: resolved, environment: environment)
            entries.append((statement.name, value))
            resolved[statement.name] = value
        }
        return DotEnvFile(path: path, entries: entries)
    }

    /// Returns the value of the last assignment to `name`, as later lines override earlier ones.
    public func value(_ name: String) -> String? {
        entries.last(where: { $0.name == name })?.value
    }

    /// Replaces `${NAME}` and `${NAME:-default}`; an unset name without a default becomes "".
    static func expandVariables(in value: String, file: [String: String], environment: [String: String]) -> String {
        var result = ""
        var rest = Substring(value)
        while let start = rest.firstRange(of: "${") {
            result += rest[..<start.lowerBound]
            let afterOpen = rest[start.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}") else { break }

            let reference = afterOpen[..<close]
            let name: Substring, fallback: Substring?
            if let colon = reference.firstIndex(of: ":") {
                name = reference[..<colon]
                let tail = reference[reference.index(after: colon)...]
                fallback = tail.hasPrefix("-") ? tail.dropFirst() : nil
                // python-dotenv matches only `:-`; any other `:` leaves the text as written.
                if fallback == nil {
                    result += rest[start.lowerBound...close]
                    rest = afterOpen[afterOpen.index(after: close)...]
                    continue
                }
            } else {
                name = reference
                fallback = nil
            }
            result += file[String(name)] ?? environment[String(name)] ?? fallback.map(String.init) ?? ""
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        return result + rest
    }
}
