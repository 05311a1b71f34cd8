// Splitting URLs, the loopback-only rule for plain http, Location resolution, queries and percent-encoding.

import Testing
@testable import UpxCore

// MARK: - URLParts

@Test func urlPartsHTTPS() throws {
    let parts = try #require(URLParts("https://api.upstox.com/v2/login?client_id=abc"))
    #expect(parts.scheme == "https")
    #expect(parts.host == "api.upstox.com")
    #expect(parts.origin == "https://api.upstox.com")
    #expect(parts.pathAndQuery == "/v2/login?client_id=abc")
    #expect(!parts.isLoopback)
}

@Test func urlPartsLowercasesSchemeAndHost() throws {
    let parts = try #require(URLParts("HTTPS://API.Upstox.COM"))
    #expect(parts.scheme == "https")
    #expect(parts.host == "api.upstox.com")
    #expect(parts.origin == "HTTPS://API.Upstox.COM")
    #expect(parts.pathAndQuery == "")
}

@Test func urlPartsPort() throws {
    let parts = try #require(URLParts("https://example.com:8443/x"))
    #expect(parts.host == "example.com")
    #expect(parts.origin == "https://example.com:8443")
    #expect(parts.pathAndQuery == "/x")
}

@Test func urlPartsQueryWithoutPath() throws {
    let parts = try #require(URLParts("https://example.com?a=1"))
    #expect(parts.host == "example.com")
    #expect(parts.pathAndQuery == "?a=1")
}

@Test func urlPartsAtSignInPath() throws {
    let parts = try #require(URLParts("https://example.com/users/@me"))
    #expect(parts.host == "example.com")
}

@Test(arguments: [
    ("http://127.0.0.1:8080/v2", "127.0.0.1"), ("http://127.8.9.10", "127.8.9.10"),
    ("http://127.255.255.255/", "127.255.255.255"), ("http://127.0.0.0", "127.0.0.0"),
    ("http://localhost:9000", "localhost"), ("http://LocalHost", "localhost"),
    ("http://[::1]:8443/x", "::1"), ("http://[::1]", "::1"),
])
func urlPartsLoopback(_ url: String, _ host: String) throws {
    let parts = try #require(URLParts(url))
    #expect(parts.host == host)
    #expect(parts.isLoopback)
}

@Test(arguments: [
    "http://128.0.0.1", "http://126.0.0.1", "http://127.0.0.1.evil.example", "http://127.0.0.256",
    "http://127.1", "http://127.0.0", "http://127.0.0.1.", "http://localhost.evil.example",
    "http://evil-localhost", "http://[::2]", "http://0.0.0.0", "http://10.0.0.1",
    // Not plain dotted decimal. The resolver looks some of these up in DNS as names.
    "http://127.+0.0.1", "http://127.-0.0.1", "http://127.0.0.09", "http://127.0.0.010", "http://127.0x0.0.1",
    "http://127..0.1", "http://127.0.0.١",
])
func urlPartsNotLoopback(_ url: String) throws {
    let parts = try #require(URLParts(url))
    #expect(!parts.isLoopback)
}

@Test(arguments: [
    "https://user:secret@api.upstox.com/", "http://user@127.0.0.1/", "https://:@example.com",
])
func urlPartsUserInfoRejected(_ url: String) {
    #expect(URLParts(url) == nil)
}

@Test(arguments: [
    "ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "mailto:a@example.com",
    "ws://127.0.0.1/", "example.com/path", "/relative/path", "", "https://", "https:///path",
    "http://[::1", "https:example.com",
])
func urlPartsNonHTTPRejected(_ url: String) {
    #expect(URLParts(url) == nil)
}

// MARK: - validatedBaseURL

@Test(arguments: [
    ("https://api.upstox.com", "https://api.upstox.com"),
    ("https://api.upstox.com/", "https://api.upstox.com"),
    ("https://api.upstox.com///", "https://api.upstox.com"),
    ("https://example.com/prefix/", "https://example.com/prefix"),
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("http://[::1]:8080/", "http://[::1]:8080"),
])
func baseURLAccepted(_ url: String, _ expected: String) throws {
    #expect(try URLRules.validatedBaseURL(url, name: "UPSTOX_API_BASE_URL") == expected)
}

@Test(arguments: [
    "http://api.upstox.com", "http://128.0.0.1", "http://127.0.0.1.evil.example", "http://127.0.0.09:8080",
])
func baseURLPlainHTTPRejected(_ url: String) {
    #expect(throws: UpstoxError.self) { try URLRules.validatedBaseURL(url, name: "UPSTOX_API_BASE_URL") }
}

@Test func baseURLPlainHTTPMessage() throws {
    let error = try #require(throws: UpstoxError.self) {
        try URLRules.validatedBaseURL("http://api.upstox.com", name: "UPSTOX_API_BASE_URL")
    }
    #expect(error.message == "invalid UPSTOX_API_BASE_URL 'http://api.upstox.com': plain http is allowed only for loopback hosts; use https://")
    #expect(error.exitCode == .badInput)
}

@Test func baseURLNotHTTPRejected() {
    #expect(throws: UpstoxError.self) { try URLRules.validatedBaseURL("ftp://example.com", name: "UPSTOX_API_BASE_URL") }
}

@Test func baseURLUserInfoMessageHidesPassword() throws {
    let error = try #require(throws: UpstoxError.self) {
        try URLRules.validatedBaseURL("https://user:hunter2-canary@example.com/", name: "UPSTOX_API_BASE_URL")
    }
    #expect(!error.message.contains("hunter2-canary"))
    #expect(error.message.contains("'https://<redacted>@example.com/'"))
}

@Test(arguments: [
    ("https://user:pw@example.com/a@b", "https://<redacted>@example.com/a@b"),
    ("https://a@b@example.com", "https://<redacted>@example.com"),
    ("https://example.com/a@b", "https://example.com/a@b"),
    ("not a url", "not a url"),
])
func baseURLUserInfoRedacted(_ url: String, _ expected: String) {
    #expect(URLRules.redactingUserInfo(url) == expected)
}

// MARK: - resolve

private let redirectBase = "https://api.upstox.com/v2/login/dialog?client_id=abc"

@Test func resolveAbsolute() {
    #expect(URLRules.resolve("https://login.upstox.com/?user_id=X", against: redirectBase) == "https://login.upstox.com/?user_id=X")
}

@Test func resolveSchemeRelative() {
    #expect(URLRules.resolve("//login.upstox.com/page", against: redirectBase) == "https://login.upstox.com/page")
}

@Test func resolveAbsolutePath() {
    #expect(URLRules.resolve("/login/page?a=1", against: redirectBase) == "https://api.upstox.com/login/page?a=1")
}

@Test func resolveRelativePath() {
    #expect(URLRules.resolve("next?a=1", against: redirectBase) == "https://api.upstox.com/v2/login/next?a=1")
}

@Test func resolveRelativeAgainstBareOrigin() {
    #expect(URLRules.resolve("next", against: "http://127.0.0.1:8080") == "http://127.0.0.1:8080/next")
}

@Test func resolveRelativeIgnoresBaseFragment() {
    #expect(URLRules.resolve("next", against: "https://example.com/a/b#c/d") == "https://example.com/a/next")
}

@Test func resolveQueryOnly() {
    #expect(URLRules.resolve("?user_id=X", against: redirectBase) == "https://api.upstox.com/v2/login/dialog?user_id=X")
}

@Test func resolveKeepsLoopbackPort() {
    #expect(URLRules.resolve("/x", against: "http://[::1]:8443/a/b") == "http://[::1]:8443/x")
}

@Test func resolveInvalidBase() {
    #expect(URLRules.resolve("next", against: "not a url") == nil)
}

// MARK: - queryItems

private func query(_ url: String) -> [String: String] {
    URLParts(url)?.queryItems ?? ["<invalid URL>": url]
}

@Test func queryItemsPercentDecoded() {
    let items = query("https://h/p?user_id=A%20B&uri=https%3A%2F%2Fx%2Fy")
    #expect(items["user_id"] == "A B")
    #expect(items["uri"] == "https://x/y")
}

@Test func queryItemsPlusIsSpace() {
    #expect(query("https://h/p?name=a+b")["name"] == "a b")
}

@Test func queryItemsEncodedPlusKept() {
    #expect(query("https://h/p?name=a%2Bb")["name"] == "a+b")
}

@Test func queryItemsMissingValue() {
    let items = query("https://h/p?flag&empty=&x=1")
    #expect(items["flag"] == "")
    #expect(items["empty"] == "")
    #expect(items["x"] == "1")
}

@Test func queryItemsRepeatedNameKeepsFirst() {
    #expect(query("https://h/p?code=first&code=second")["code"] == "first")
}

@Test func queryItemsStopAtFragment() {
    let items = query("https://h/p?code=abc#state=xyz")
    #expect(items["code"] == "abc")
    #expect(items["state"] == nil)
}

@Test func queryItemsValueWithEquals() {
    #expect(query("https://h/p?token=a=b==")["token"] == "a=b==")
}

@Test func queryItemsEncodedName() {
    #expect(query("https://h/p?user%5Fid=7")["user_id"] == "7")
}

@Test func queryItemsEmptySegmentsSkipped() {
    #expect(query("https://h/p?&&a=1&") == ["a": "1"])
}

@Test func queryItemsNoQuery() {
    #expect(query("https://h/p#a=1").isEmpty)
}

// MARK: - Percent-encoding

@Test func percentEncodedReservedAndNonASCII() {
    #expect(percentEncoded("a b+c/d?e=f&g") == "a%20b%2Bc%2Fd%3Fe%3Df%26g")
    #expect(percentEncoded("ü₹") == "%C3%BC%E2%82%B9")
}

@Test func percentEncodedKeepsUnreserved() {
    let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    #expect(percentEncoded(unreserved) == unreserved)
}

@Test func percentEncodedControlBytes() {
    #expect(percentEncoded("\u{0}\n%") == "%00%0A%25")
}

@Test(arguments: [
    "", "plain", "a b", "a+b", "100%", "%zz", "%41", "https://x/y?a=1&b=2#f", "ü ₹ 日本語 🙂",
    "line\r\nbreak", "'\"\\", String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) }),
])
func percentEncodingRoundTrip(_ value: String) {
    #expect(percentDecoded(percentEncoded(value)) == value)
}

@Test func percentDecodedLowercaseHex() {
    #expect(percentDecoded("%c3%bc") == "ü")
}

@Test(arguments: [
    ("%zz", "%zz"), ("%4", "%4"), ("%", "%"), ("100%", "100%"), ("%4g", "%4g"), ("%g4", "%g4"),
    ("%+1", "%+1"), ("%-0", "%-0"), ("a%zzb%41", "a%zzbA"), ("% 1", "% 1"),
])
func percentDecodedMalformedKept(_ encoded: String, _ expected: String) {
    #expect(percentDecoded(encoded) == expected)
}

@Test func percentDecodedInvalidUTF8Replaced() {
    #expect(percentDecoded("a%FFb") == "a\u{FFFD}b")
}
