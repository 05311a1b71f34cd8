// The order-preserving JSON parser and printer behind upx-jwt's header and claims.

import Testing
@testable import UpxCore

private func parse(_ text: String) throws(JSONParseError) -> OrderedJSON {
    try OrderedJSON.parse(Array(text.utf8))
}

@Test func orderedJSONKeepsMemberOrder() throws {
    let value = try parse(#"{"zeta":1,"alpha":2,"mid":3}"#)
    #expect(value.members?.map(\.name) == ["zeta", "alpha", "mid"])
}

@Test func orderedJSONRoundTripsCompact() throws {
    let text = #"{"b":[1,-2.5e-3,true,false,null,"x"],"a":{},"c":[],"d":{"e":"f"}}"#
    #expect(try parse(text).serialized() == text)
}

@Test func orderedJSONPrettyPrint() throws {
    let value = try parse(#" { "a" : [ 1 , { "b" : null } ] , "c" : "d" } "#)
    #expect(value.serialized(pretty: true) == """
        {
          "a": [
            1,
            {
              "b": null
            }
          ],
          "c": "d"
        }
        """)
}

@Test func orderedJSONKeepsNumberLiterals() throws {
    let value = try parse(#"{"big":123456789012345678901234567890,"exp":1e3,"neg":-0.0}"#)
    #expect(value["big"] == .number("123456789012345678901234567890"))
    #expect(value["exp"]?.number == 1000)
    #expect(value.serialized() == #"{"big":123456789012345678901234567890,"exp":1e3,"neg":-0.0}"#)
}

@Test func orderedJSONDecodesEscapes() throws {
    let value = try parse(#"["\"\\\/\b\f\n\r\t", "\u00e9\u6771", "\ud83d\ude80"]"#)
    #expect(value == .array([.string("\"\\/\u{08}\u{0C}\n\r\t"), .string("é東"), .string("🚀")]))
}

@Test func orderedJSONLoneSurrogateReplaced() throws {
    #expect(try parse(#"["\ud800x", "\udc00"]"#) == .array([.string("\u{FFFD}x"), .string("\u{FFFD}")]))
}

@Test func orderedJSONKeepsUTF8() throws {
    let value = try parse(#"{"name":"Zoë 東京 🚀"}"#)
    #expect(value["name"] == .string("Zoë 東京 🚀"))
    #expect(value.serialized() == #"{"name":"Zoë 東京 🚀"}"#)
}

@Test func orderedJSONEscapesControlsWhenPrinting() {
    let value = OrderedJSON.string("a\u{1B}[0m\u{7F}\u{9B}\u{00}\n\"\\/é")
    #expect(value.serialized() == #""a\u001b[0m\u007f\u009b\u0000\n\"\\/é""#)
}

@Test func orderedJSONEscapingControlsKeepsTabsAndLines() {
    #expect(OrderedJSON.escapingControls("a\tb\nc\u{1B}d\u{9B}") == "a\tb\nc\\u001bd\\u009b")
}

@Test func orderedJSONLastRepeatedNameWins() throws {
    let value = try parse(#"{"a":1,"b":2,"a":3,"b":4,"a":5}"#)
    #expect(value["a"] == .number("5"))
    #expect(value.repeatedNames == ["a", "b"])
    #expect(value.members?.count == 5)
}

@Test func orderedJSONLookupOnNonObject() throws {
    #expect(try parse("[1]")["a"] == nil)
    #expect(try parse("{}")["a"] == nil)
}

@Test(arguments: [
    ("", "unexpected end of the text", 1),
    ("{", "expected a member name in quotes", 2),
    (#"{"a" 1}"#, "expected ':' after a member name", 6),
    (#"{"a":1,}"#, "expected a member name in quotes", 8),
    ("[1 2]", "expected ',' or ']'", 4),
    ("[1,", "unexpected end of the text", 4),
    ("01", "unexpected data after the value", 2),
    ("-", "invalid number", 2),
    ("1.", "invalid number: no digit after '.'", 3),
    ("1e+", "invalid number: no digit in the exponent", 4),
    ("tru", "unexpected character", 4),
    ("nul!", "unexpected character", 4),
    (#""abc"#, "unterminated string", 1),
    (#""a\x""#, "invalid escape", 3),
    (#""\u12g4""#, #"invalid \u escape"#, 6),
    ("\"a\tb\"", "control character in a string", 3),
    ("{} x", "unexpected data after the value", 4),
    ("'a'", "unexpected character", 1),
    ("NaN", "unexpected character", 1),
])
func orderedJSONRejects(_ text: String, _ reason: String, _ byte: Int) {
    #expect(throws: JSONParseError(reason: reason, byte: byte)) { try parse(text) }
}

@Test func orderedJSONRejectsInvalidUTF8() {
    #expect(throws: JSONParseError(reason: "invalid UTF-8 in the string", byte: 1)) {
        try OrderedJSON.parse([0x22, 0xFF, 0x22])
    }
}

@Test func orderedJSONDepthLimit() throws {
    let deep = String(repeating: "[", count: OrderedJSON.maximumDepth) + String(repeating: "]", count: OrderedJSON.maximumDepth)
    #expect(throws: Never.self) { try parse(deep) }
    let tooDeep = "[" + deep + "]"
    #expect(throws: JSONParseError(reason: "nesting deeper than 256 levels", byte: 257)) { try parse(tooDeep) }
}
