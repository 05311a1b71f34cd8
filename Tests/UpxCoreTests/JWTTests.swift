// Decoding compact JWTs, their time claims, and errors that never show the token.

import FoundationEssentials
import Testing
@testable import UpxCore

/// Encodes bytes as base64url, without padding unless `padded`.
func base64URL(_ text: String, padded: Bool = false) -> String {
    var encoded = ""
    for character in Data(text.utf8).base64EncodedString() {
        switch character {
        case "+": encoded.append("-")
        case "/": encoded.append("_")
        case "=" where !padded: continue
        default: encoded.append(character)
        }
    }
    return encoded
}

/// Builds a compact JWT from header and claims JSON with a fixed signature.
func makeToken(header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: String, padded: Bool = false) -> String {
    base64URL(header, padded: padded) + "." + base64URL(claims, padded: padded) + "." + base64URL("signature")
}

@Test func jwtDecodesHeaderAndClaims() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"sub":"ABC123","exp":1700000000}"#))
    #expect(jwt.header["alg"] == .string("HS256"))
    #expect(jwt.claims["sub"] == .string("ABC123"))
    #expect(jwt.signature == Array("signature".utf8))
    #expect(jwt.paddedParts.isEmpty)
}

@Test func jwtKeepsClaimOrder() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"z":1,"a":2,"m":{"y":true,"b":null}}"#))
    #expect(jwt.claims.members?.map(\.name) == ["z", "a", "m"])
    #expect(jwt.claims.serialized() == #"{"z":1,"a":2,"m":{"y":true,"b":null}}"#)
}

@Test func jwtKeepsUTF8Claims() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"name":"Zoë Ñandú 東京 🚀"}"#))
    #expect(jwt.claims["name"] == .string("Zoë Ñandú 東京 🚀"))
    #expect(jwt.claims.serialized(pretty: true) == "{\n  \"name\": \"Zoë Ñandú 東京 🚀\"\n}")
}

@Test func jwtPaddedPartsAccepted() throws {
    // A one-byte-longer claim set makes the padded form end in "=".
    let token = makeToken(claims: #"{"sub":"A"}"#, padded: true)
    #expect(token.contains("="))
    let jwt = try JWT(decoding: token)
    #expect(jwt.claims["sub"] == .string("A"))
    #expect(jwt.paddedParts.contains(.claims))
}

@Test func jwtWrongPaddingRejected() {
    let token = base64URL("{}") + "." + base64URL(#"{"sub":"A"}"#) + "===." + base64URL("x")
    #expect(throws: JWTError.invalidPadding(.claims)) { try JWT(decoding: token) }
}

@Test func jwtSurroundingWhitespaceIgnored() throws {
    let jwt = try JWT(decoding: "  " + makeToken(claims: #"{"sub":"A"}"#) + "\r\n")
    #expect(jwt.claims["sub"] == .string("A"))
}

@Test func jwtEmptySignatureAccepted() throws {
    let token = base64URL(#"{"alg":"none"}"#) + "." + base64URL(#"{"sub":"A"}"#) + "."
    #expect(try JWT(decoding: token).signature.isEmpty)
}

@Test func jwtTimeClaims() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"exp":1700000300,"iat":1700000000,"nbf":1700000100}"#))
    #expect(jwt.expiry == Date(timeIntervalSince1970: 1_700_000_300))
    #expect(jwt.issuedAt == Date(timeIntervalSince1970: 1_700_000_000))
    #expect(jwt.notBefore == Date(timeIntervalSince1970: 1_700_000_100))
}

@Test func jwtFractionalTimeClaim() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"exp":1700000300.75,"iat":1.7e9}"#))
    #expect(jwt.expiry == Date(timeIntervalSince1970: 1_700_000_300.75))
    #expect(jwt.issuedAt == Date(timeIntervalSince1970: 1_700_000_000))
}

@Test func jwtMissingClaimsAreNil() throws {
    let jwt = try JWT(decoding: makeToken(claims: "{}"))
    #expect(jwt.expiry == nil)
    #expect(jwt.issuedAt == nil)
    #expect(jwt.notBefore == nil)
    #expect(jwt.issuer == nil)
}

@Test func jwtMillisecondClaimsListed() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"exp":1700000000000,"iat":1700000000,"nbf":1699999999000}"#))
    #expect(jwt.millisecondClaims == ["exp", "nbf"])
    #expect(jwt.expiry == Date(timeIntervalSince1970: 1_700_000_000_000))
}

@Test(arguments: ["exp", "iat", "nbf"])
func jwtTextTimeClaimRejected(_ name: String) {
    #expect(throws: JWTError.timeClaimNotANumber(name)) {
        try JWT(decoding: makeToken(claims: #"{"\#(name)":"1700000000"}"#))
    }
}

@Test(arguments: ["null", "true", "[1]", "{}"])
func jwtNonNumericExpiryRejected(_ value: String) {
    #expect(throws: JWTError.timeClaimNotANumber("exp")) {
        try JWT(decoding: makeToken(claims: #"{"exp":\#(value)}"#))
    }
}

@Test(arguments: [("exp", "-1"), ("iat", "253402300800000"), ("nbf", "1e400"), ("exp", "-0.5")])
func jwtOutOfRangeTimeClaimRejected(_ name: String, _ value: String) {
    #expect(throws: JWTError.timeClaimOutOfRange(name: name, value: value)) {
        try JWT(decoding: makeToken(claims: #"{"\#(name)":\#(value)}"#))
    }
}

@Test func jwtOutOfRangeMessageNamesClaim() {
    let error = JWTError.timeClaimOutOfRange(name: "exp", value: "-1")
    #expect(error.message == "invalid JWT: the 'exp' claim -1 is out of range (expected seconds from 0 to 253402300799999 since 1970-01-01 UTC)")
    #expect(error.exitCode == .badInput)
}

@Test func jwtLongOutOfRangeValueShortened() {
    let digits = String(repeating: "9", count: 40)
    #expect(throws: JWTError.timeClaimOutOfRange(name: "exp", value: String(repeating: "9", count: 21) + "...")) {
        try JWT(decoding: makeToken(claims: #"{"exp":\#(digits)}"#))
    }
}

@Test func jwtEmptyRejected() {
    #expect(throws: JWTError.empty) { try JWT(decoding: " \n") }
}

@Test(arguments: [("abc", 1), ("a.b", 2), ("a.b.c.d", 4), ("a.b.c.d.e", 5)])
func jwtWrongPartCount(_ token: String, _ count: Int) {
    #expect(throws: JWTError.wrongPartCount(count)) { try JWT(decoding: token) }
}

@Test func jwtTwoPartsMessage() {
    #expect(JWTError.wrongPartCount(2).message
        == "invalid JWT: it has 2 dot-separated parts, not 3 (the signature part is missing; check the token was copied whole)")
}

@Test func jwtEncryptedTokenNamed() {
    // A JWE compact token: protected header, encrypted key, IV, ciphertext and tag.
    let token = base64URL(#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#) + ".a2V5.aXY.Y2lwaGVy.dGFn"
    do {
        _ = try JWT(decoding: token)
        Issue.record("a JWE token should not decode")
    } catch {
        #expect(error == .wrongPartCount(5))
        #expect(error.message.contains("encrypted JWE token"))
    }
}

@Test func jwtTwoTokensOnTwoLinesNamed() {
    let token = base64URL(#"{"alg":"HS256"}"#) + "." + base64URL(#"{"sub":"x"}"#) + ".c2ln"
    #expect(throws: JWTError.severalTokens(2)) { try JWT(decoding: token + "\n" + token + "\n") }
    #expect(JWTError.severalTokens(2).message == "invalid input: 2 tokens, one per line; pass one token")
}

@Test func jwtWrappedTokenStillNamesLineBreak() {
    // A token wrapped over two lines is one token, so the line break inside it is the error.
    let token = base64URL(#"{"alg":"HS256"}"#) + "." + base64URL(#"{"sub":"x"}"#) + ".c2ln"
    let wrapped = token.prefix(10) + "\n" + token.dropFirst(10)
    #expect(throws: JWTError.whitespaceInPart(part: .header, position: 11)) { try JWT(decoding: String(wrapped)) }
}

@Test func jwtEmptyHeaderRejected() {
    #expect(throws: JWTError.emptyPart(.header)) { try JWT(decoding: "." + base64URL("{}") + ".") }
}

@Test func jwtEmptyClaimsRejected() {
    #expect(throws: JWTError.emptyPart(.claims)) { try JWT(decoding: base64URL("{}") + "..") }
}

@Test func jwtStandardBase64CharacterRejected() {
    let token = base64URL("{}") + ".e30+." + base64URL("x")
    #expect(throws: JWTError.invalidBase64URLCharacter(part: .claims, position: 4)) { try JWT(decoding: token) }
}

@Test func jwtBadSignatureCharacterRejected() {
    let token = base64URL("{}") + "." + base64URL("{}") + ".ab!c"
    #expect(throws: JWTError.invalidBase64URLCharacter(part: .signature, position: 3)) { try JWT(decoding: token) }
}

@Test func jwtLineBreakInsidePartNamed() {
    let claims = base64URL(#"{"sub":"ABC123"}"#)
    let token = base64URL("{}") + "." + claims.prefix(5) + "\n" + claims.dropFirst(5) + "." + base64URL("x")
    #expect(throws: JWTError.whitespaceInPart(part: .claims, position: 6)) { try JWT(decoding: token) }
}

@Test func jwtImpossibleLengthRejected() {
    let token = "e30." + "e30xx" + "." + base64URL("x")
    #expect(throws: JWTError.invalidBase64URLLength(part: .claims, length: 5)) { try JWT(decoding: token) }
}

@Test func jwtBadHeaderJSONRejected() {
    let token = base64URL("{alg}") + "." + base64URL("{}") + "."
    let error = JSONParseError(reason: "expected a member name in quotes", byte: 2)
    #expect(throws: JWTError.invalidJSON(.header, error)) { try JWT(decoding: token) }
}

@Test func jwtBadClaimsJSONRejected() {
    let token = base64URL("{}") + "." + base64URL(#"{"exp":}"#) + "."
    let error = JSONParseError(reason: "unexpected character", byte: 8)
    #expect(throws: JWTError.invalidJSON(.claims, error)) { try JWT(decoding: token) }
}

@Test func jwtBadJSONMessageNamesSegment() {
    let error = JWTError.invalidJSON(.claims, JSONParseError(reason: "unexpected character", byte: 8))
    #expect(error.message == "invalid JWT: the claims part (segment 2) is not valid JSON: unexpected character at byte 8")
}

@Test func jwtInvalidUTF8ClaimsRejected() {
    let claims = Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]).base64EncodedString()
        .replacingAll("=", with: "").replacingAll("+", with: "-").replacingAll("/", with: "_")
    let error = JSONParseError(reason: "invalid UTF-8 in the string", byte: 6)
    #expect(throws: JWTError.invalidJSON(.claims, error)) { try JWT(decoding: base64URL("{}") + "." + claims + ".") }
}

@Test func jwtClaimsArrayRejected() {
    let token = base64URL("{}") + "." + base64URL("[1,2]") + "."
    #expect(throws: JWTError.notAnObject(.claims)) { try JWT(decoding: token) }
}

@Test(arguments: [
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMifQ.c2VjcmV0LXNpZ25hdHVyZQ.extra",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMi!Q.c2VjcmV0LXNpZ25hdHVyZQ",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMi.c2VjcmV0LXNpZ25hdHVyZQ",
    "eyJhbGciOiJIUzI1NiJ9.WzEsMiwzXQ.c2VjcmV0LXNpZ25hdHVyZQ",
    "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOiJ0b21vcnJvdyJ9.c2VjcmV0LXNpZ25hdHVyZQ",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMifQ",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIi\nOiJBQkMxMjMifQ.c2VjcmV0LXNpZ25hdHVyZQ",
])
func jwtErrorOmitsToken(_ token: String) throws {
    do {
        _ = try JWT(decoding: token)
        Issue.record("decoding should fail")
    } catch {
        for part in token.split(separator: ".") where part.count > 3 {
            #expect(!error.message.contains(part), "message shows \(part)")
        }
    }
}
