// The statement scanner behind DotEnvFile: quoting, escapes, comments and line numbers.

/// One `NAME=value` of a `.env` file.
struct DotEnvStatement {
    var name: String
    var value: String
}

/// Reads statements from `.env` text scalar by scalar, so CRLF counts as two characters
/// and quoted values may span lines.
struct DotEnvScanner {
    private let scalars: [Unicode.Scalar]
    private let path: String
    private var index = 0
    private var line = 1

    init(text: String, path: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        self.scalars = scalars
        self.path = path
    }

    /// Returns the next statement, or nil at the end of the file.
    mutating func nextStatement() throws -> DotEnvStatement? {
        while true {
            skipBlanks()
            guard let scalar = current else { return nil }
            if scalar == "\n" || scalar == "\r" || scalar == "#" {
                skipRestOfLine()
                continue
            }

            let statementLine = line
            skipExportPrefix()
            let name = readName()
            guard !name.isEmpty, isValidName(name) else { throw error("invalid variable name", at: statementLine) }
            skipBlanks()
            // python-dotenv reads a bare NAME as "no value"; in a credentials file it is a typo.
            guard current == "=" else {
                throw error(restOfLineHasEquals ? "invalid variable name" : "expected NAME=value", at: statementLine)
            }
            index += 1
            skipBlanks()

            let statement: DotEnvStatement
            switch current {
            case "'":
                statement = DotEnvStatement(name: name, value: try readQuoted("'", from: statementLine))
            case "\"":
                statement = DotEnvStatement(name: name, value: try readQuoted("\"", from: statementLine))
            default:
                return DotEnvStatement(name: name, value: readUnquoted())
            }
            try finishQuotedLine(statementLine)
            return statement
        }
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private var restOfLineHasEquals: Bool {
        scalars[index...].prefix(while: { $0 != "\n" }).contains("=")
    }

    private mutating func skipBlanks() {
        while let scalar = current, scalar == " " || scalar == "\t" { index += 1 }
    }

    private mutating func skipRestOfLine() {
        while let scalar = current {
            index += 1
            if scalar == "\n" {
                line += 1
                return
            }
        }
    }

    private mutating func skipExportPrefix() {
        let word: [Unicode.Scalar] = ["e", "x", "p", "o", "r", "t"]
        guard index + word.count < scalars.count, Array(scalars[index..<index + word.count]) == word,
              scalars[index + word.count] == " " || scalars[index + word.count] == "\t" else { return }
        index += word.count
        skipBlanks()
    }

    private mutating func readName() -> String {
        var name = String.UnicodeScalarView()
        while let scalar = current, !" \t\r\n=#".unicodeScalars.contains(scalar) {
            name.append(scalar)
            index += 1
        }
        return String(name)
    }

    private func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }

    /// Reads an unquoted value to the end of the line; whitespace followed by `#` starts a comment.
    private mutating func readUnquoted() -> String {
        var value: [Unicode.Scalar] = []
        while let scalar = current, scalar != "\n" {
            value.append(scalar)
            index += 1
        }
        skipRestOfLine()
        if value.last == "\r" { value.removeLast() }

        if let comment = value.indices.first(where: { $0 > 0 && value[$0] == "#" && (value[$0 - 1] == " " || value[$0 - 1] == "\t") }) {
            value.removeSubrange(comment...)
        }
        while let last = value.last, last == " " || last == "\t" { value.removeLast() }
        return String(String.UnicodeScalarView(value))
    }

    /// Reads a quoted value, decoding the escapes that quote allows.
    private mutating func readQuoted(_ quote: Unicode.Scalar, from statementLine: Int) throws -> String {
        index += 1
        var value = String.UnicodeScalarView()
        while let scalar = current {
            index += 1
            if scalar == quote { return String(value) }
            if scalar == "\n" { line += 1 }
            if scalar == "\\", let next = current, let decoded = decodeEscape(next, in: quote) {
                value.append(decoded)
                index += 1
                continue
            }
            value.append(scalar)
        }
        throw error("unterminated \(quote) quote", at: statementLine)
    }

    private func decodeEscape(_ scalar: Unicode.Scalar, in quote: Unicode.Scalar) -> Unicode.Scalar? {
        if scalar == "\\" || scalar == "'" { return scalar }
        guard quote == "\"" else { return nil }
        switch scalar {
        case "\"": return "\""
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "v": return "\u{0B}"
        default: return nil
        }
    }

    /// After a closing quote only blanks and a comment may follow on that line.
    private mutating func finishQuotedLine(_ statementLine: Int) throws {
        skipBlanks()
        switch current {
        case nil: return
        case "\n", "\r", "#": skipRestOfLine()
        default: throw error("unexpected text after the closing quote", at: line)
        }
    }

    private func error(_ reason: String, at line: Int) -> CredentialError {
        .malformedFile(path: path, line: line, reason: reason)
    }
}
