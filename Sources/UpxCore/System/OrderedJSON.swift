// A JSON value that keeps object members in document order and numbers as written, for
// showing a JWT's header and claims as the issuer wrote them. `JSONValue` is for replies
// the code reads, where order does not matter.

/// A JSON value whose objects keep their members in document order.
///
/// Numbers keep their literal text, so printing one never rounds it. Objects keep every
/// member, including repeated names; a lookup by name returns the last one.
public indirect enum OrderedJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number as its literal text, such as `1700000000` or `1.5e3`.
    case number(String)
    case string(String)
    case array([OrderedJSON])
    case object([Member])

    /// One name and value of an object.
    public struct Member: Equatable, Sendable {
        public let name: String
        public let value: OrderedJSON

        public init(_ name: String, _ value: OrderedJSON) {
            self.name = name
            self.value = value
        }
    }

    /// Makes a number from an integer.
    public static func integer(_ value: Int64) -> OrderedJSON {
        .number(String(value))
    }

    /// Returns the last member named `name` of an object, or nil when there is none or this is no object.
    public subscript(name: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.name == name }?.value
    }

    public var members: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as a Double: infinite for a literal beyond Double's range, nil for a non-number.
    public var number: Double? {
        if case .number(let literal) = self { return Double(literal) }
        return nil
    }

    /// The names that occur more than once in an object, in order of their first repeat.
    public var repeatedNames: [String] {
        var seen = Set<String>()
        var repeated: [String] = []
        for member in members ?? [] where !seen.insert(member.name).inserted && !repeated.contains(member.name) {
            repeated.append(member.name)
        }
        return repeated
    }

    /// Serialises the value, compact or indented by two spaces, with members in their order.
    ///
    /// Strings keep every character but those JSON requires escaped, plus DEL and the C1 controls,
    /// which a terminal could take as a command.
    public func serialized(pretty: Bool = false) -> String {
        var output = ""
        write(to: &output, pretty: pretty, indent: "")
        return output
    }

    private func write(to output: inout String, pretty: Bool, indent: String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let literal): output += literal
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            writeContainer(elements, open: "[", close: "]", to: &output, pretty: pretty, indent: indent) { element, output, inner in
                element.write(to: &output, pretty: pretty, indent: inner)
            }
        case .object(let members):
            writeContainer(members, open: "{", close: "}", to: &output, pretty: pretty, indent: indent) { member, output, inner in
                Self.writeString(member.name, to: &output)
                output += pretty ? ": " : ":"
                member.value.write(to: &output, pretty: pretty, indent: inner)
            }
        }
    }

    private func writeContainer<Element>(
        _ elements: [Element], open: String, close: String, to output: inout String, pretty: Bool, indent: String,
        writeElement: (Element, inout String, String) -> Void
    ) {
        guard !elements.isEmpty else {
            output += open + close
            return
        }
        let inner = pretty ? indent + "  " : ""
        output += open
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            if pretty { output += "\n" + inner }
            writeElement(element, &output, inner)
        }
        if pretty { output += "\n" + indent }
        output += close
    }

    /// Returns `text` with the control characters but tab and line feed written as `\u` escapes,
    /// for printing text from a token on a terminal.
    public static func escapingControls(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            if scalar == "\t" || scalar == "\n" || !isControl(scalar) {
                output.unicodeScalars.append(scalar)
            } else {
                output += unicodeEscape(scalar)
            }
        }
        return output
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where isControl(scalar): output += unicodeEscape(scalar)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// Returns whether the scalar is a C0 control, DEL or a C1 control.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
    }
}
