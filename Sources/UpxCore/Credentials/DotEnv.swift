// Reading `.env` files as the Python client's users write them.

/// The variables of one `.env` file, in file order.
public struct DotEnvFile: Sendable {
    public let path: String
    public let entries: [(name: String, value: String)]

    /// Parses `NAME=value` lines: an optional `export ` prefix, single or double quotes,
    /// `#` comments on their own line or after an unquoted value, and blank lines.
    public static func parse(_ text: String, path: String) throws -> DotEnvFile {
        var entries: [(name: String, value: String)] = []
        // Swift reads "\r\n" as one Character, so splitting on "\n" alone would miss CRLF line ends.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })

        for (index, rawLine) in lines.enumerated() {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if index == 0, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop(while: { $0 == " " }) }

            guard let equals = line.firstIndex(of: "=") else {
                throw CredentialError.malformedFile(path: path, line: index + 1, reason: "expected NAME=value")
            }
            let name = line[..<equals].trimmingCharacters(in: " \t")
            guard isValidName(name) else {
                throw CredentialError.malformedFile(path: path, line: index + 1, reason: "invalid variable name")
            }
            let value = try parseValue(line[line.index(after: equals)...], path: path, line: index + 1)
            entries.append((name, value))
        }
        return DotEnvFile(path: path, entries: entries)
    }

    /// The value of the last assignment to `name`, as later lines override earlier ones.
    public func value(_ name: String) -> String? {
        entries.last(where: { $0.name == name })?.value
    }

    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || first.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || $0 == "." || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    private static func parseValue(_ raw: Substring, path: String, line: Int) throws -> String {
        let text = raw.drop(while: { $0 == " " || $0 == "\t" })
        guard let quote = text.first, quote == "'" || quote == "\"" else {
            // An unquoted value ends at ` #`, which starts a comment.
            var value = text
            if let comment = value.firstRange(of: " #") { value = value[..<comment.lowerBound] }
            return value.trimmingCharacters(in: " \t")
        }
        let body = text.dropFirst()
        guard let close = body.firstIndex(of: quote) else {
            throw CredentialError.malformedFile(path: path, line: line, reason: "unterminated \(quote) quote")
        }
        return String(body[..<close])
    }
}
