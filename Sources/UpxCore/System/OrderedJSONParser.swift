// A strict JSON (RFC 8259) parser that builds `OrderedJSON`, so that object members keep
// their order and numbers their literal text. Errors give a byte position and never the text.

/// A JSON text that could not be parsed: what was wrong and at which byte.
public struct JSONParseError: Error, Equatable, Sendable {
    /// The problem, such as "unexpected character".
    public let reason: String
    /// The 1-based position of the offending byte in the input.
    public let byte: Int

    public var description: String { "\(reason) at byte \(byte)" }
}

extension OrderedJSON {
    /// The deepest nesting of arrays and objects accepted, which keeps the recursion's stack small.
    public static let maximumDepth = 256

    /// Parses one JSON value that fills `bytes`, apart from surrounding whitespace.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> OrderedJSON {
        var parser = OrderedJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected data after the value") }
        return value
    }
}

/// The parser's position in the input.
private struct OrderedJSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func error(_ reason: String, at position: Int? = nil) -> JSONParseError {
        JSONParseError(reason: reason, byte: (position ?? index) + 1)
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> OrderedJSON {
        guard let byte = current else { throw error("unexpected end of the text") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        default: throw error("unexpected character")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> OrderedJSON {
        var members: [OrderedJSON.Member] = []
        if try enterContainer(depth: depth, close: "}") { return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            let name = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
            index += 1
            skipWhitespace()
            members.append(OrderedJSON.Member(name, try parseValue(depth: depth)))
            skipWhitespace()
            if try endOfContainer(close: "}") { return .object(members) }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> OrderedJSON {
        var elements: [OrderedJSON] = []
        if try enterContainer(depth: depth, close: "]") { return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            if try endOfContainer(close: "]") { return .array(elements) }
        }
    }

    /// Consumes the opening bracket, checking the depth, and returns true when the closing
    /// bracket follows at once, which it also consumes.
    mutating func enterContainer(depth: Int, close: Unicode.Scalar) throws(JSONParseError) -> Bool {
        guard depth <= OrderedJSON.maximumDepth else { throw error("nesting deeper than \(OrderedJSON.maximumDepth) levels") }
        index += 1
        skipWhitespace()
        guard current == UInt8(ascii: close) else { return false }
        index += 1
        return true
    }

    /// Consumes the ',' between two elements, returning false, or the closing bracket, returning true.
    mutating func endOfContainer(close: Unicode.Scalar) throws(JSONParseError) -> Bool {
        switch current {
        case UInt8(ascii: ","):
            index += 1
            return false
        case UInt8(ascii: close):
            index += 1
            return true
        case nil:
            throw error("unexpected end of the text")
        default:
            throw error("expected ',' or '\(close)'")
        }
    }

    mutating func expectWord(_ word: String) throws(JSONParseError) {
        for expected in word.utf8 {
            guard current == expected else { throw error("unexpected character") }
            index += 1
        }
    }

    /// Reads a number literal by the JSON grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard try skipDigits() > 0 else { throw error("invalid number") }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard try skipDigits() > 0 else { throw error("invalid number: no digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard try skipDigits() > 0 else { throw error("invalid number: no digit in the exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func skipDigits() throws(JSONParseError) -> Int {
        let start = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    /// Reads a string literal, decoding its escapes. Raw bytes must be valid UTF-8 with no control character.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = index
        index += 1
        var decoded: [UInt8] = []
        while true {
            guard let byte = current else { throw error("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: decoded, as: UTF8.self) else {
                    throw error("invalid UTF-8 in the string", at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &decoded)
            case 0x00...0x1F:
                throw error("control character in a string")
            default:
                decoded.append(byte)
                index += 1
            }
        }
    }

    mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
        guard let byte = current else { throw error("unexpected end of the text") }
        index += 1
        if let replacement = Self.simpleEscapes[byte] {
            decoded.append(replacement)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw error("invalid escape", at: index - 2) }

        var scalarValue = try parseHexQuad()
        if (0xD800...0xDBFF).contains(scalarValue), bytes[index...].starts(with: Array("\\u".utf8)) {
            let resume = index
            index += 2
            let low = try parseHexQuad()
            if (0xDC00...0xDFFF).contains(low) {
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            } else {
                index = resume
            }
        }
        // A lone surrogate is valid JSON syntax but no Unicode scalar, so it becomes U+FFFD.
        let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
        decoded.append(contentsOf: String(Character(scalar)).utf8)
    }

    /// The byte each one-letter escape stands for.
    static let simpleEscapes: [UInt8: UInt8] = [
        UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
        UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
    ]

    mutating func parseHexQuad() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexDigit(byte) else { throw error("invalid \\u escape") }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
