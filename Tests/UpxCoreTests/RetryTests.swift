// Retries of the login steps against a fake transport: rate limits, transient failures,
// Retry-After, backoff bounds, timeouts, and the steps that are never retried.

import FoundationEssentials
import Testing
@testable import UpxCore

/// Makes a transport that replies to `route` with `failures` in turn, then as `server` does.
private func transport(
    failing route: String, with failures: [Result<HTTPResponse, TransportError>], server: FakeUpstox = FakeUpstox()
) -> FakeTransport {
    let table = server.routes
    var remaining = failures
    return FakeTransport { request in
        if request.route == route, !remaining.isEmpty {
            return try remaining.removeFirst().get()
        }
        return table[request.route] ?? HTTPResponse(status: 404)
    }
}

private let tooManyRequests = Result<HTTPResponse, TransportError>.success(
    HTTPResponse(status: 429, headers: ["retry-after": "1"]))
private let tooManyWithoutRetryAfter = Result<HTTPResponse, TransportError>.success(jsonReply(429, """
    {"status":"error","errors":[{"errorCode":"UDAPI10005","message":"Too Many Request Sent"}]}
    """))
private let unavailable = Result<HTTPResponse, TransportError>.success(HTTPResponse(
    status: 503, headers: ["content-type": "text/html"], body: Array("<html>503 Service Unavailable</html>".utf8)))
/// 56 is libcurl's CURLE_RECV_ERROR.
private let reset = Result<HTTPResponse, TransportError>.failure(
    TransportError(url: "http://127.0.0.1/", code: 56, reason: "Recv failure: Connection reset by peer"))

/// 2026-03-10 09:01:20 UTC, which is 14:31:20 IST.
private let morning: Double = 1_773_133_280

// MARK: - Rate limits

@Test func retryRateLimitWaitsRetryAfter() throws {
    let run = runFlow(transport(failing: FakeUpstox.dialogRoute, with: [tooManyRequests]))

    #expect(run.grant?.accessToken == FakeAccount.accessToken)
    #expect(run.requests(to: FakeUpstox.dialogRoute).count == 2)
    #expect(run.waits == [1])
    #expect(run.notes == ["step 1 (authorization dialog): HTTP 429, retrying in 1.0 s (1 of 2)"])
    #expect(run.log.contains("step 1 (authorization dialog): rate limit (HTTP 429); retry 1 of 2 in 1.0 s (Retry-After)"))
}

@Test func retryAfterHTTPDate() throws {
    // The reply requests a wait until 7 s after the fixed clock's 09:01:20 UTC.
    let reply = HTTPResponse(status: 429, headers: ["retry-after": "Tue, 10 Mar 2026 09:01:27 GMT"])
    let run = runFlow(
        transport(failing: FakeUpstox.otpGenerateRoute, with: [.success(reply)]), clock: FixedClock(unixSeconds: morning))

    #expect(run.grant != nil)
    #expect(run.requests(to: FakeUpstox.otpGenerateRoute).count == 2)
    #expect(run.waits == [7])
}

@Test func retryAfterTooLongFailsAtOnce() throws {
    let reply = HTTPResponse(status: 429, headers: ["retry-after": "120"])
    let run = runFlow(transport(failing: FakeUpstox.otpGenerateRoute, with: [.success(reply)]))
    let error = try #require(run.toolError)

    #expect(run.requests(to: FakeUpstox.otpGenerateRoute).count == 1)
    #expect(run.waits.isEmpty)
    #expect(error.exitCode == .rateLimited)
    #expect(error.message == "step 2 (OTP generate) rate-limited by Upstox (HTTP 429); Upstox's Retry-After asks for a wait of 2m, "
        + "longer than the 60 s upx-login waits by itself; try again after that")
}

@Test func retryAfterLongHTTPDateShownAsDuration() throws {
    // Two hours after the fixed clock's 09:01:20 UTC.
    let reply = HTTPResponse(status: 429, headers: ["retry-after": "Tue, 10 Mar 2026 11:01:20 GMT"])
    let run = runFlow(
        transport(failing: FakeUpstox.otpGenerateRoute, with: [.success(reply)]), clock: FixedClock(unixSeconds: morning))
    let error = try #require(run.toolError)

    #expect(run.waits.isEmpty)
    #expect(error.message.contains("Upstox's Retry-After asks for a wait of 2h, longer than"))
}

@Test func retryAfterBeyondAYearSaysOrMore() throws {
    let reply = HTTPResponse(status: 429, headers: ["retry-after": "99999999999999999999"])
    let run = runFlow(transport(failing: FakeUpstox.otpGenerateRoute, with: [.success(reply)]))
    let error = try #require(run.toolError)
    #expect(error.message.contains("asks for a wait of 365d or more, longer than"))
}

@Test(arguments: [0, 0.5, 0.999])
func retryBackoffWithinBounds(_ random: Double) throws {
    let replies = [tooManyWithoutRetryAfter, tooManyWithoutRetryAfter]
    let run = runFlow(transport(failing: FakeUpstox.tokenRoute, with: replies), random: random)

    #expect(run.grant != nil)
    #expect(run.waits.count == 2)
    // Equal jitter: the first wait is 0.5 to 1 s, the second 1 to 2 s.
    #expect(run.waits.first.map { (0.5...1).contains($0) } == true, "first wait \(run.waits)")
    #expect(run.waits.last.map { (1...2).contains($0) } == true, "second wait \(run.waits)")
    #expect(run.waits.first == 0.5 + random * 0.5)
}

@Test func retryBackoffCappedAtMaximumWait() {
    let policy = RetryPolicy(retries: 10, sleep: { _ in }, random: { 0.999_999 })
    #expect(policy.backoff(beforeRetry: 1) < 1)
    #expect(policy.backoff(beforeRetry: 7) > 59.9)
    #expect(policy.backoff(beforeRetry: 10) <= RetryPolicy.maximumWait)
    #expect(RetryPolicy(sleep: { _ in }, random: { 0 }).backoff(beforeRetry: 10) == 30)
}

@Test func retryRateLimitExhausted() throws {
    let replies = Array(repeating: tooManyWithoutRetryAfter, count: 5)
    let run = runFlow(transport(failing: FakeUpstox.totpRoute(.r2026), with: replies))
    let error = try #require(run.toolError)

    #expect(run.requests(to: FakeUpstox.totpRoute(.r2026)).count == 3)
    #expect(run.waits.count == 2)
    #expect(error.exitCode == .rateLimited)
    #expect(error.message == "step 3 (TOTP verify) rate-limited by Upstox (HTTP 429) on all 3 attempts; wait a minute and try again")
}

@Test func retryRateLimitCodeInLoginReply() throws {
    // The login service reports a rate limit with HTTP 200 and UDAPI10005.
    let reply = jsonReply(200, #"{"success":false,"error":{"code":"UDAPI10005","message":"Too many requests"}}"#)
    let run = runFlow(transport(failing: FakeUpstox.otpGenerateRoute, with: [.success(reply)]))

    #expect(run.grant != nil)
    #expect(run.requests(to: FakeUpstox.otpGenerateRoute).count == 2)
    #expect(run.notes == ["step 2 (OTP generate): UDAPI10005 (HTTP 200), retrying in 0.8 s (1 of 2)"])
}

@Test func retryRateLimitRetriesZeroDisables() throws {
    let run = runFlow(transport(failing: FakeUpstox.dialogRoute, with: [tooManyRequests]), retries: 0)

    #expect(run.requests(to: FakeUpstox.dialogRoute).count == 1)
    #expect(run.waits.isEmpty)
    #expect(run.toolError?.exitCode == .rateLimited)
}

@Test func retryTOTPFreshCodeEachAttempt() throws {
    var count = 0
    let makeCode = { () -> String in
        count += 1
        return "00000\(count)"
    }
    let run = runFlow(transport(failing: FakeUpstox.totpRoute(.r2026), with: [tooManyRequests]), makeTOTPCode: makeCode)

    let codes = run.requests(to: FakeUpstox.totpRoute(.r2026)).map { $0.jsonData["otp"] }
    #expect(run.grant != nil)
    #expect(codes == [.string("000001"), .string("000002")])
}

// MARK: - The PIN is sent once

/// Returns the PIN requests of a run, of either revision.
private func pinRequests(_ run: FlowRun) -> [HTTPRequest] {
    run.requests(to: FakeUpstox.pinRoute(.r2026)) + run.requests(to: FakeUpstox.pinRoute(.r2025))
}

@Test func retryPINRateLimitSentOnce() throws {
    let run = runFlow(transport(failing: FakeUpstox.pinRoute(.r2026), with: [tooManyRequests]))
    let error = try #require(run.toolError)

    #expect(pinRequests(run).count == 1)
    #expect(run.transport.routes.last == FakeUpstox.pinRoute(.r2026))
    #expect(run.waits.isEmpty)
    #expect(error.exitCode == .rateLimited)
    #expect(error.message == "step 4 (PIN) failed: rate-limited by Upstox (HTTP 429); Upstox may have counted the PIN, "
        + "so logins of this account wait for a forced one: check UPSTOX_PIN_CODE, then log in once with --force")
}

@Test func retryPINRateLimitCodeSentOnce() {
    let reply = jsonReply(200, #"{"success":false,"error":{"code":"UDAPI10005","message":"Too many requests"}}"#)
    let run = runFlow(transport(failing: FakeUpstox.pinRoute(.r2026), with: [.success(reply)]))

    #expect(pinRequests(run).count == 1)
    #expect(run.toolError?.exitCode == .rateLimited)
}

@Test func retryWrongPINSentOnce() {
    let reply = jsonReply(200, #"{"success":false,"error":{"code":"1017106","message":"Incorrect PIN"}}"#)
    let run = runFlow(transport(failing: FakeUpstox.pinRoute(.r2026), with: [.success(reply)]))

    #expect(pinRequests(run).count == 1)
    #expect(run.waits.isEmpty)
    #expect(run.toolError?.exitCode == .authenticationRejected)
}

// MARK: - Transient failures

@Test(arguments: [FakeUpstox.dialogRoute, FakeUpstox.oauthRoute])
func retryTransientOnSafeStep(_ route: String) throws {
    let run = runFlow(transport(failing: route, with: [reset, unavailable]))

    #expect(run.grant?.accessToken == FakeAccount.accessToken)
    #expect(run.requests(to: route).count == 3)
    #expect(run.waits.count == 2)
    #expect(run.notes.first?.hasSuffix(": Recv failure: Connection reset by peer, retrying in 0.8 s (1 of 2)") == true)
    #expect(run.notes.last?.hasSuffix(": HTTP 503, retrying in 1.5 s (2 of 2)") == true)
}

@Test func retryTransientExhaustedOnDialog() throws {
    let run = runFlow(transport(failing: FakeUpstox.dialogRoute, with: [reset, reset, reset, reset]))
    let error = try #require(run.toolError)

    #expect(run.requests(to: FakeUpstox.dialogRoute).count == 3)
    #expect(error.exitCode == .network)
    #expect(error.message == "step 1 (authorization dialog) failed: Recv failure: Connection reset by peer; check the network and the base URLs")
}

@Test(arguments: [
    FakeUpstox.otpGenerateRoute, FakeUpstox.totpRoute(.r2026), FakeUpstox.pinRoute(.r2026), FakeUpstox.tokenRoute,
])
func retryTransientNeverOnJudgingStep(_ route: String) throws {
    for failure in [reset, unavailable] {
        let run = runFlow(transport(failing: route, with: [failure]))
        let error = try #require(run.toolError)

        #expect(run.requests(to: route).count == 1, "\(route) was sent again after \(failure)")
        #expect(run.transport.routes.last == route)
        #expect(run.waits.isEmpty)
        #expect(error.exitCode == .network)
    }
}

// MARK: - Timeouts

@Test func retryTotalTimeoutNamesLimit() throws {
    let timeout = TransportError(
        url: "http://127.0.0.1/", code: 28, reason: "Timeout was reached", exceededTimeout: .total(seconds: 30))
    let run = runFlow(transport(failing: FakeUpstox.otpGenerateRoute, with: [.failure(timeout)]))
    let error = try #require(run.toolError)

    #expect(run.requests(to: FakeUpstox.otpGenerateRoute).count == 1)
    #expect(error.exitCode == .network)
    #expect(error.message == "step 2 (OTP generate) failed: no reply within 30 s (--timeout); "
        + "Upstox may be slow or down: try again later, or allow more time with --timeout")
}

@Test func retryConnectTimeoutOnDialog() throws {
    let timeout = Result<HTTPResponse, TransportError>.failure(TransportError(
        url: "http://127.0.0.1/", code: 28, reason: "Timeout was reached", exceededTimeout: .connect(seconds: 10)))
    let run = runFlow(transport(failing: FakeUpstox.dialogRoute, with: [timeout, timeout, timeout]))
    let error = try #require(run.toolError)

    #expect(run.requests(to: FakeUpstox.dialogRoute).count == 3)
    #expect(run.notes.first == "step 1 (authorization dialog): no connection within 10 s, retrying in 0.8 s (1 of 2)")
    #expect(error.message == "step 1 (authorization dialog) failed: no connection within 10 s (--connect-timeout); "
        + "check the network and the base URLs, or allow more time with --connect-timeout")
}

@Test(arguments: [
    (6, true), (7, true), (28, true), (35, true), (52, true), (55, true), (56, true),
    (0, false), (1, false), (3, false), (60, false),
] as [(UInt32, Bool)])
func transportErrorTransientCodes(_ code: UInt32, _ transient: Bool) {
    #expect(TransportError(url: "http://127.0.0.1/", code: code, reason: "x").isTransient == transient)
}

// MARK: - Retry-After values

@Test(arguments: [
    ("0", 1), ("1", 1), (" 17 ", 17), ("120", 120),
    ("99999999999999999999", 365 * 86_400), ("99999999999999999999999999999999999999999", 365 * 86_400),
    ("Tue, 10 Mar 2026 09:01:30 GMT", 10),
    ("Tuesday, 10-Mar-26 09:01:30 GMT", 10),
    ("Tue Mar 10 09:01:30 2026", 10),
    ("Tue Mar  3 09:01:20 2026", 1),
    ("Mon, 09 Mar 2026 09:01:20 GMT", 1),
] as [(String, Double)])
func retryAfterParsed(_ value: String, _ seconds: Double) {
    #expect(RetryAfter.seconds(value, now: Date(timeIntervalSince1970: morning)) == seconds)
}

@Test(arguments: [
    "", "-1", "1.5", "soon", "Tue, 10 Mar 2026 09:01:30 UTC", "Tue, 32 Mar 2026 09:01:30 GMT",
    "Tue, 10 Foo 2026 09:01:30 GMT", "Tue, 10 Mar 2026 25:01:30 GMT", "Tue, 10 Mar 2026 09:1:30 GMT",
])
func retryAfterInvalid(_ value: String) {
    #expect(RetryAfter.seconds(value, now: Date(timeIntervalSince1970: morning)) == nil)
}

@Test func retryAfterInvalidFallsBackToBackoff() throws {
    let reply = HTTPResponse(status: 429, headers: ["retry-after": "soon"])
    let run = runFlow(transport(failing: FakeUpstox.dialogRoute, with: [.success(reply)]), random: 0)
    #expect(run.waits == [0.5])
}

// MARK: - Error codes

@Test func errorCodeOTPBlockedNamesLocalTime() throws {
    let reply = jsonReply(200, """
        {"success":false,"error":{"code":"1017069","message":"OTP generation is blocked for 10 minutes"}}
        """)
    let run = runFlow(transport(failing: FakeUpstox.otpGenerateRoute, with: [.success(reply)]), clock: FixedClock(unixSeconds: morning))
    let error = try #require(run.toolError)

    #expect(run.requests(to: FakeUpstox.otpGenerateRoute).count == 1)
    #expect(error.exitCode == .rateLimited)
    #expect(error.message == "step 2 (OTP generate) rejected by Upstox: OTP generation blocked after too many tries "
        + "(1017069: OTP generation is blocked for 10 minutes); try again after 14:42 IST (about 10 minutes)")
}

@Test func errorCodeOTPBlockedInUserZone() {
    let zone = FixedTimeZone(ZoneOffset(seconds: 3600, abbreviation: "CET"))
    let text = ErrorCodes.retryTime(for: "1017069", now: Date(timeIntervalSince1970: morning), timeZone: zone)
    #expect(text == "10:12 CET (about 10 minutes)")
}

@Test func errorCodeOutsideOpeningHours() {
    // 19:00 UTC is 00:30 IST; the API opens at 05:30 IST, 00:00 UTC.
    let evening = Date(timeIntervalSince1970: 1_773_082_800)
    let india = ErrorCodes.retryTime(for: "UDAPI100074", now: evening, timeZone: FixedTimeZone(.india))
    let utc = ErrorCodes.retryTime(for: "UDAPI100074", now: evening, timeZone: FixedTimeZone(.utc))
    #expect(india == "05:30 IST (in 5h)")
    #expect(utc == "05:30 IST (00:00 UTC, in 5h)")
}

@Test func errorCodeTableComplete() {
    let codes = ErrorCodes.table.map(\.code)
    #expect(Set(codes).count == codes.count, "a code is listed twice")
    #expect(Set(ErrorCodes.table.map(\.meaning)).count == codes.count, "two codes share a meaning")
    #expect(Set(ErrorCodes.table.map(\.hint)).count == codes.count, "two codes share a hint")
    for code in [
        "UDAPI100068", "UDAPI100016", "UDAPI10005", "UDAPI100050", "UDAPI100073", "UDAPI100074", "UDAPI100500",
        "1017016", "1017069", "1017106", "UDAPI100057", "UDAPI100036", "UDAPI100067",
    ] {
        #expect(codes.contains(code), "\(code) has no entry")
    }
}

@Test(arguments: ErrorCodes.table.map(\.code))
func errorCodeHasMessage(_ code: String) throws {
    let known = try #require(ErrorCodes.lookup(code))
    let error = UpstoxError.failure(
        step: .tokenExchange, serverError: (code, "server text"), status: 400,
        now: Date(timeIntervalSince1970: morning), timeZone: FixedTimeZone(.india))

    #expect(error.exitCode == known.exitCode)
    #expect(error.message.contains("rejected by Upstox: \(known.meaning) (\(code): server text); "))
    if ErrorCodes.retryTime(for: code, now: Date(timeIntervalSince1970: morning), timeZone: FixedTimeZone(.india)) == nil {
        #expect(error.message.hasSuffix(known.hint))
    } else {
        #expect(error.message.contains("; try again after "))
    }
}

@Test func errorCodeUnknownShowsServerText() throws {
    let reply = jsonReply(200, #"{"success":false,"error":{"code":"1099999","message":"Something new went wrong"}}"#)
    let run = runFlow(transport(failing: FakeUpstox.otpGenerateRoute, with: [.success(reply)]))
    let error = try #require(run.toolError)

    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message == "step 2 (OTP generate) rejected by Upstox: 1099999 Something new went wrong")
}
