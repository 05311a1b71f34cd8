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
}

@Test func jwtPaddedPartsAccepted() throws {
    // A one-byte-longer claim set makes the padded form end in "=".
    let token = makeToken(claims: #"{"sub":"A"}"#, padded: true)
    #expect(token.contains("="))
    #expect(try JWT(decoding: token).subject == "A")
}

@Test func jwtSurroundingWhitespaceIgnored() throws {
    let jwt = try JWT(decoding: "  " + makeToken(claims: #"{"sub":"A"}"#) + "\n")
    #expect(jwt.subject == "A")
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

@Test func jwtMissingClaimsAreNil() throws {
    let jwt = try JWT(decoding: makeToken(claims: "{}"))
    #expect(jwt.expiry == nil)
    #expect(jwt.issuedAt == nil)
    #expect(jwt.notBefore == nil)
    #expect(jwt.subject == nil)
}

@Test func jwtNumericSubjectAsText() throws {
    #expect(try JWT(decoding: makeToken(claims: #"{"sub":42}"#)).subject == "42")
}

@Test func jwtExpiredAtExpiry() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"exp":1700000000}"#))
    let clock = FixedClock(unixSeconds: 1_700_000_000)
    #expect(jwt.isExpired(at: clock.now()))
}

@Test func jwtValidBeforeExpiry() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"exp":1700000000}"#))
    let clock = FixedClock(unixSeconds: 1_699_999_999)
    #expect(!jwt.isExpired(at: clock.now()))
}

@Test func jwtWithoutExpiryNeverExpires() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"sub":"A"}"#))
    #expect(!jwt.isExpired(at: FixedClock(unixSeconds: 4_000_000_000).now()))
}

@Test func jwtNotYetValidBeforeNotBefore() throws {
    let jwt = try JWT(decoding: makeToken(claims: #"{"nbf":1700000000}"#))
    #expect(jwt.isNotYetValid(at: FixedClock(unixSeconds: 1_699_999_999).now()))
    #expect(!jwt.isNotYetValid(at: FixedClock(unixSeconds: 1_700_000_000).now()))
}

@Test func jwtEmptyRejected() {
    #expect(throws: JWTError.empty) { try JWT(decoding: " \n") }
}

@Test(arguments: [("abc", 1), ("a.b", 2), ("a.b.c.d", 4), ("a.b.c.d.e", 5)])
func jwtWrongPartCount(_ token: String, _ count: Int) {
    #expect(throws: JWTError.wrongPartCount(count)) { try JWT(decoding: token) }
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

@Test func jwtImpossibleLengthRejected() {
    let token = "e30." + "e30xx" + "." + base64URL("x")
    #expect(throws: JWTError.invalidBase64URLLength(part: .claims, length: 5)) { try JWT(decoding: token) }
}

@Test func jwtBadHeaderJSONRejected() {
    let token = base64URL("{alg}") + "." + base64URL("{}") + "."
    #expect(throws: JWTError.invalidJSON(.header)) { try JWT(decoding: token) }
}

@Test func jwtBadClaimsJSONRejected() {
    let token = base64URL("{}") + "." + base64URL(#"{"exp":}"#) + "."
    #expect(throws: JWTError.invalidJSON(.claims)) { try JWT(decoding: token) }
}

@Test func jwtClaimsArrayRejected() {
    let token = base64URL("{}") + "." + base64URL("[1,2]") + "."
    #expect(throws: JWTError.notAnObject(.claims)) { try JWT(decoding: token) }
}

@Test func jwtTextExpiryRejected() {
    #expect(throws: JWTError.invalidTimeClaim("exp")) {
        try JWT(decoding: makeToken(claims: #"{"exp":"tomorrow"}"#))
    }
}

@Test(arguments: [
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMifQ.c2VjcmV0LXNpZ25hdHVyZQ.extra",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMi!Q.c2VjcmV0LXNpZ25hdHVyZQ",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMi.c2VjcmV0LXNpZ25hdHVyZQ",
    "eyJhbGciOiJIUzI1NiJ9.WzEsMiwzXQ.c2VjcmV0LXNpZ25hdHVyZQ",
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
