// Base32 decoding of secrets as people paste them, and its errors.

import Testing
@testable import UpxCore

/// "foobar" and its RFC 4648 base32 prefixes, the section 10 test vectors.
private let rfc4648Vectors: [(String, String)] = [
    ("MY======", "f"), ("MZXQ====", "fo"), ("MZXW6===", "foo"), ("MZXW6YQ=", "foob"),
    ("MZXW6YTB", "fooba"), ("MZXW6YTBOI======", "foobar"),
]

@Test(arguments: rfc4648Vectors.indices)
func base32RFC4648Padded(_ index: Int) throws {
    let (text, expected) = rfc4648Vectors[index]
    #expect(try Base32.decode(text) == Array(expected.utf8))
}

@Test(arguments: rfc4648Vectors.indices)
func base32RFC4648Unpadded(_ index: Int) throws {
    let (text, expected) = rfc4648Vectors[index]
    let unpadded = String(text.prefix { $0 != "=" })
    #expect(try Base32.decode(unpadded) == Array(expected.utf8))
}

@Test func base32Lowercase() throws {
    #expect(try Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
}

@Test func base32MixedCase() throws {
    #expect(try Base32.decode("MzXw6YtBoI") == Array("foobar".utf8))
}

@Test func base32SpacesIgnored() throws {
    #expect(try Base32.decode("mzxw 6ytb oi") == Array("foobar".utf8))
}

@Test func base32HyphensIgnored() throws {
    #expect(try Base32.decode("MZXW-6YTB-OI") == Array("foobar".utf8))
}

@Test func base32LineBreakIgnored() throws {
    #expect(try Base32.decode("MZXW6YTBOI\n") == Array("foobar".utf8))
}

@Test func base32SecretInSecretOut() throws {
    let key = try Base32.decode(Secret("MZXW6YTBOI"))
    #expect(key.revealed() == "foobar")
}

@Test func base32EmptyRejected() {
    #expect(throws: OTPError.emptySecret) { try Base32.decode("") }
}

@Test func base32OnlySeparatorsRejected() {
    #expect(throws: OTPError.emptySecret) { try Base32.decode(" - \n") }
}

@Test func base32OnlyPaddingRejected() {
    #expect(throws: OTPError.emptySecret) { try Base32.decode("====") }
}

@Test func base32DigitOneRejected() {
    #expect(throws: OTPError.invalidBase32Character("1", position: 5)) { try Base32.decode("MZXW1YTB") }
}

@Test func base32PositionCountsSeparators() {
    #expect(throws: OTPError.invalidBase32Character("!", position: 6)) { try Base32.decode("MZXW !") }
}

@Test func base32NonASCIIPositionCountsScalars() {
    #expect(throws: OTPError.invalidBase32Character("é", position: 3)) { try Base32.decode("MZéW") }
}

@Test func base32InvalidUTF8Rejected() {
    #expect(throws: OTPError.invalidBase32Character("\u{FFFD}", position: 2)) {
        try Base32.decode(utf8: [0x4D, 0xFF, 0x5A])
    }
}

@Test func base32PaddingInMiddleRejected() {
    #expect(throws: OTPError.misplacedBase32Padding(position: 3)) { try Base32.decode("MY==MZXQ") }
}

@Test(arguments: [1, 3, 6, 9])
func base32TruncatedLengthRejected(_ count: Int) {
    let text = String(repeating: "A", count: count)
    #expect(throws: OTPError.truncatedBase32(symbolCount: count)) { try Base32.decode(text) }
}

@Test func base32ErrorNamesCharacterAndPosition() {
    let message = OTPError.invalidBase32Character("1", position: 5).message
    #expect(message.contains("'1' at position 5"))
}

@Test func base32ErrorSuggestsLookalikeLetter() {
    let message = OTPError.invalidBase32Character("0", position: 1).message
    #expect(message.contains("'O'"))
}

@Test func base32ErrorShowsInvisibleAsCodePoint() {
    let message = OTPError.invalidBase32Character("\u{00A0}", position: 2).message
    #expect(message.contains("U+00A0"))
}
