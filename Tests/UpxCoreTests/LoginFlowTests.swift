// The six login steps against a fake transport: requests, revision fallback, PIN safety and every reply style.

import FoundationEssentials
import Testing
@testable import UpxCore

// MARK: - Fake transport and server

/// An `HTTPTransport` that records every request and takes each reply from a handler, so no
/// request leaves the process.
final class FakeTransport: HTTPTransport {
    private(set) var requests: [HTTPRequest] = []
    let handler: (HTTPRequest) throws -> HTTPResponse

    init(handler: @escaping (HTTPRequest) throws -> HTTPResponse) {
        self.handler = handler
    }

    /// Replies from a table keyed by `METHOD /path` (no query), and 404 for anything else.
    convenience init(routes: [String: HTTPResponse]) {
        self.init { request in routes[request.route] ?? HTTPResponse(status: 404) }
    }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        requests.append(request)
        return try handler(request)
    }

    /// The `METHOD /path` of each request, in order.
    var routes: [String] { requests.map(\.route) }
}

extension HTTPRequest {
    /// `METHOD /path`, without host or query.
    var route: String {
        let pathAndQuery = URLParts(url)?.pathAndQuery ?? url
        return method + " " + (pathAndQuery.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "")
    }

    var queryItems: [String: String] { URLParts(url)?.queryItems ?? [:] }

    /// Returns the value of the first header named `name`, compared without case.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body ?? [], as: UTF8.self) }

    /// The `data` member of a JSON body.
    var jsonData: JSONValue { (JSONValue.parse(body ?? []) ?? .null)["data"] }

    /// The fields of a form body, percent-decoded.
    var formFields: [String: String] {
        var fields: [String: String] = [:]
        for pair in bodyText.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            fields[percentDecoded(String(parts[0]))] = parts.count > 1 ? percentDecoded(String(parts[1])) : ""
        }
        return fields
    }
}

/// Credentials and hosts of the fake account. The secrets are canaries: no message or log line may contain them.
enum FakeAccount {
    static let apiBaseURL = "http://127.0.0.1:9001"
    static let serviceBaseURL = "http://127.0.0.1:9002"
    static let loginPage = "http://127.0.0.1:9003/login-page"

    static let mobile = "9123456780"
    static let pin = "582937"
    /// `pin` base64-encoded once.
    static let pinBase64 = "NTgyOTM3"
    static let totpSecret = "CANARYTOTPSECRETQQQQ"
    static let totpCode = "491827"
    static let clientID = "client-id-4e7a"
    static let clientSecret = "cs-canary-Zq8+/=&x"
    static let redirectURI = "https://app.example/callback?from=upx"
    static let userID = "7XY123"
    static let profileID = 40_418_231
    static let otpToken = "otp-token-7c1d"
    static let authorizationCode = "auth-code-e55b"
    static let accessToken = "access-token-9f3e"

    /// Every text a message or log line must never contain.
    static let canaries = [pin, pinBase64, totpSecret, totpCode, clientSecret, percentEncoded(clientSecret)]

    static func credentials() -> LoginCredentials {
        LoginCredentials(
            mobileNumber: mobile, pin: Secret(pin), totpSecret: Secret(totpSecret), clientID: clientID,
            clientSecret: Secret(clientSecret), redirectURI: redirectURI)
    }
}

/// Makes a JSON reply whose `Content-Type` carries parameters, as Upstox sends them.
func jsonReply(_ status: Int = 200, _ text: String, headers: [String: String] = [:]) -> HTTPResponse {
    HTTPResponse(
        status: status, headers: ["content-type": "application/json;charset=UTF-8"].merging(headers) { $1 },
        body: Array(text.utf8))
}

/// The replies of an Upstox that accepts the fake account, speaking one revision. A test
/// replaces single routes through `overrides`, keyed like `FakeTransport`'s table.
struct FakeUpstox {
    var revision: ProtocolRevision = .r2026
    var overrides: [String: HTTPResponse] = [:]
    var accessToken = FakeAccount.accessToken

    static let dialogRoute = "GET " + ProtocolTable.authorizationDialogPath
    static let loginPageRoute = "GET /login-page"
    static let otpGenerateRoute = "POST " + ProtocolTable.otpGeneratePath
    static let oauthRoute = "POST " + ProtocolTable.oauthAuthorizePath
    static let tokenRoute = "POST " + ProtocolTable.tokenPath

    static func totpRoute(_ revision: ProtocolRevision) -> String {
        "POST " + ProtocolTable.totpVerifyPath(revision)
    }

    static func pinRoute(_ revision: ProtocolRevision) -> String {
        "POST " + ProtocolTable.pinVerifyPath(revision)
    }

    var routes: [String: HTTPResponse] {
        var routes = [
            Self.dialogRoute: HTTPResponse(status: 302, headers: [
                "location": FakeAccount.loginPage + "?client_id=\(FakeAccount.clientID)&user_id=\(FakeAccount.userID)&user_type=individual",
            ]),
            Self.loginPageRoute: HTTPResponse(
                status: 200, headers: ["content-type": "text/html"], body: Array("<html>login</html>".utf8)),
            Self.otpGenerateRoute: jsonReply(200, """
                {"success":true,"data":{"validateOTPToken":"\(FakeAccount.otpToken)","nextRequestInterval":30,"isTotpEnabled":true}}
                """),
            Self.totpRoute(revision): jsonReply(200, """
                {"success":true,"data":{"userProfile":{"profileId":\(FakeAccount.profileID),"userId":"\(FakeAccount.userID)"},
                "accounts":[{"profileId":\(FakeAccount.profileID),"userId":"\(FakeAccount.userID)"}]}}
                """),
            Self.pinRoute(revision): jsonReply(200, """
                {"success":true,"data":{"redirectUri":null,"isExternalClientOAuthApp":true}}
                """),
            Self.oauthRoute: jsonReply(200, """
                {"success":true,"data":{"redirectUri":"https://app.example/callback?from=upx&code=\(FakeAccount.authorizationCode)"}}
                """),
            Self.tokenRoute: jsonReply(200, """
                {"access_token":"\(accessToken)","extended_token":null,"user_id":"\(FakeAccount.userID)",
                "user_name":"Test User","email":"test@example.com","user_type":"individual","broker":"UPSTOX",
                "exchanges":["NSE"],"products":["D"],"order_types":["LIMIT"],"poa":false,"ddpi":false,"is_active":true}
                """),
        ]
        routes.merge(overrides) { $1 }
        return routes
    }

    func makeTransport() -> FakeTransport {
        FakeTransport(routes: routes)
    }
}

/// Records the waits and notes of retries in place of sleeping and writing to stderr.
final class RetryRecorder {
    private(set) var waits: [Double] = []
    private(set) var notes: [String] = []

    /// Returns a policy that records here, with a fixed jitter draw of `random`.
    func policy(retries: Int = RetryPolicy.defaultRetries, random: Double = 0.5) -> RetryPolicy {
        RetryPolicy(
            retries: retries, sleep: { [unowned self] in waits.append($0) }, random: { random },
            note: { [unowned self] in notes.append($0) })
    }
}

/// What one run of `LoginFlow` left behind.
struct FlowRun {
    var result: Result<TokenGrant, any Error>
    var transport: FakeTransport
    var log: [String]
    /// The waits between retries, in seconds.
    var waits: [Double] = []
    /// The stderr notes of retries.
    var notes: [String] = []

    var grant: TokenGrant? { try? result.get() }

    /// The thrown error as a tool reports it, or nil when the flow succeeded or threw another type.
    var toolError: (any ToolError)? {
        guard case .failure(let error) = result else { return nil }
        return error as? any ToolError
    }

    func requests(to route: String) -> [HTTPRequest] {
        transport.requests.filter { $0.route == route }
    }
}

/// Runs one login against `server` with the fake account.
func runFlow(_ server: FakeUpstox = FakeUpstox(), countryISDCode: String? = "+91") -> FlowRun {
    runFlow(server.makeTransport(), countryISDCode: countryISDCode)
}

/// Runs one login over `transport` with the fake account, and keeps its result, log lines
/// and retries. Retries wait no time: `RetryRecorder` keeps their waits.
func runFlow(
    _ transport: FakeTransport, countryISDCode: String? = "+91", retries: Int = RetryPolicy.defaultRetries,
    random: Double = 0.5, clock: any WallClock = FixedClock(unixSeconds: 1_773_100_800),
    timeZone: any LocalTimeZone = FixedTimeZone(.india), makeTOTPCode: @escaping () -> String = { FakeAccount.totpCode }
) -> FlowRun {
    var log: [String] = []
    let recorder = RetryRecorder()
    let result = Result<TokenGrant, any Error> {
        let hosts = try UpstoxHosts(api: FakeAccount.apiBaseURL, service: FakeAccount.serviceBaseURL)
        let flow = LoginFlow(
            transport: transport, hosts: hosts, credentials: FakeAccount.credentials(),
            countryISDCode: countryISDCode, retryPolicy: recorder.policy(retries: retries, random: random),
            clock: clock, timeZone: timeZone, makeTOTPCode: makeTOTPCode, log: { log.append($0) })
        return try flow.run()
    }
    return FlowRun(result: result, transport: transport, log: log, waits: recorder.waits, notes: recorder.notes)
}

/// Records an issue for each canary found in `text`.
func expectNoCanary(in text: String, _ comment: Comment? = nil) {
    for canary in FakeAccount.canaries {
        #expect(!text.contains(canary), "\(comment?.rawValue ?? "text") contains a secret: \(text)")
    }
}

// MARK: - Happy path

private let routes2026 = [
    FakeUpstox.dialogRoute, FakeUpstox.loginPageRoute, FakeUpstox.otpGenerateRoute, FakeUpstox.totpRoute(.r2026),
    FakeUpstox.pinRoute(.r2026), FakeUpstox.oauthRoute, FakeUpstox.tokenRoute,
]

@Test func loginFlowHappyPathGrant() throws {
    let run = runFlow()
    let grant = try run.result.get()
    #expect(grant.accessToken == FakeAccount.accessToken)
    #expect(grant.extendedToken == nil)
    #expect(grant.userID == FakeAccount.userID)
    #expect(grant.userName == "Test User")
}

@Test func loginFlowHappyPathRequestOrder() {
    // Step 1 is two GETs: the dialog and the login page it redirects to.
    let run = runFlow()
    #expect(run.transport.routes == routes2026)
    #expect(run.transport.requests.first?.url.hasPrefix(FakeAccount.apiBaseURL + "/") == true)
    #expect(run.transport.requests[1].url.hasPrefix(FakeAccount.loginPage + "?") == true)
}

@Test func loginFlowHostsOfSteps() {
    let run = runFlow()
    for request in run.transport.requests[2...5] {
        #expect(request.url.hasPrefix(FakeAccount.serviceBaseURL + "/"), "\(request.route) not on the service host")
    }
    #expect(run.transport.requests[6].url.hasPrefix(FakeAccount.apiBaseURL + "/"))
}

@Test func loginFlowDialogQuery() throws {
    let dialog = try #require(runFlow().requests(to: FakeUpstox.dialogRoute).first)
    #expect(dialog.method == "GET")
    #expect(dialog.queryItems == [
        "response_type": "code", "client_id": FakeAccount.clientID, "redirect_uri": FakeAccount.redirectURI,
    ])
}

@Test func loginFlowOTPGenerateBody() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.otpGenerateRoute).first)
    #expect(request.jsonData == .object([
        "mobileNumber": .string(FakeAccount.mobile), "userId": .string(FakeAccount.userID), "countryIsdCode": .string("+91"),
    ]))
}

@Test(arguments: [nil, ""] as [String?])
func loginFlowOTPGenerateWithoutCountryCode(_ code: String?) throws {
    let request = try #require(runFlow(countryISDCode: code).requests(to: FakeUpstox.otpGenerateRoute).first)
    #expect(request.jsonData["countryIsdCode"] == .null)
    #expect(request.jsonData["mobileNumber"] == .string(FakeAccount.mobile))
}

@Test func loginFlowTOTPVerifyBody() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.totpRoute(.r2026)).first)
    #expect(request.jsonData == .object([
        "otp": .string(FakeAccount.totpCode), "validateOtpToken": .string(FakeAccount.otpToken),
    ]))
}

@Test func loginFlowPINBody2026() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.pinRoute(.r2026)).first)
    #expect(request.jsonData["twoFAMethod"] == .string("SECRET_PIN"))
    #expect(request.jsonData["profileId"] == .number(Double(FakeAccount.profileID)))
    #expect(request.jsonData["inputText"] == .string(FakeAccount.pinBase64))
}

@Test func loginFlowPINEncodedOnce() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.pinRoute(.r2026)).first)
    let inputText = try #require(request.jsonData["inputText"].string)
    let decoded = try #require(Data(base64Encoded: inputText))
    #expect(String(decoding: decoded, as: UTF8.self) == FakeAccount.pin)
}

@Test func loginFlowPINHeaders2026() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.pinRoute(.r2026)).first)
    #expect(request.header("X-Profile-Id") == String(FakeAccount.profileID))
    #expect(request.header("X-User-Id") == FakeAccount.userID)
}

@Test func loginFlowPINQuery() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.pinRoute(.r2026)).first)
    #expect(request.queryItems == [
        "client_id": FakeAccount.clientID, "redirect_uri": ProtocolTable.internalRedirectURI,
    ])
}

@Test func loginFlowOAuthApproval() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.oauthRoute).first)
    let requestID = try #require(request.header("x-request-id"))
    #expect(request.queryItems["requestId"] == requestID)
    #expect(request.queryItems["client_id"] == FakeAccount.clientID)
    #expect(request.queryItems["redirect_uri"] == ProtocolTable.internalRedirectURI)
    #expect(request.queryItems["response_type"] == "code")
    #expect(request.jsonData == .object(["userOAuthApproval": .bool(true)]))
}

@Test func loginFlowSameRequestIDOnLoginSteps() throws {
    let run = runFlow()
    let loginSteps = run.transport.requests.dropLast()
    let requestID = try #require(loginSteps.first?.header("x-request-id"))
    #expect(requestID.hasPrefix("WPRO-"))
    #expect(requestID.count == 15)
    #expect(requestID.dropFirst(5).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
    for request in loginSteps {
        #expect(request.header("x-request-id") == requestID, "\(request.route) has another request id")
    }
}

@Test func loginFlowRequestIDDiffersPerLogin() {
    let first = runFlow().transport.requests.first?.header("x-request-id")
    let second = runFlow().transport.requests.first?.header("x-request-id")
    #expect(first != second)
}

@Test func loginFlowLoginStepHeaders() {
    for request in runFlow().transport.requests.dropLast() {
        #expect(request.header("origin") == ProtocolTable.loginPageOrigin, "\(request.route)")
        #expect(request.header("user-agent") == ProtocolTable.userAgent, "\(request.route)")
        #expect(request.header("x-device-details")?.contains("platform=WEB|") == true, "\(request.route)")
        #expect(request.usesCookies, "\(request.route) leaves the cookie jar")
    }
}

@Test func loginFlowLoginStepsSendJSON() {
    for request in runFlow().transport.requests.dropLast() where request.method == "POST" {
        #expect(request.header("content-type") == "application/json", "\(request.route)")
        #expect(JSONValue.parse(request.body ?? [])?["data"].object != nil, "\(request.route) body is not {\"data\": {...}}")
    }
}

@Test func loginFlowTokenExchangeForm() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.tokenRoute).first)
    #expect(request.header("content-type") == "application/x-www-form-urlencoded")
    #expect(!request.usesCookies)
    #expect(request.formFields == [
        "code": FakeAccount.authorizationCode, "client_id": FakeAccount.clientID,
        "client_secret": FakeAccount.clientSecret, "redirect_uri": FakeAccount.redirectURI,
        "grant_type": "authorization_code",
    ])
}

@Test func loginFlowTokenExchangePercentEncoded() throws {
    let request = try #require(runFlow().requests(to: FakeUpstox.tokenRoute).first)
    #expect(request.bodyText.contains("client_secret=cs-canary-Zq8%2B%2F%3D%26x&"))
    #expect(request.bodyText.contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcallback%3Ffrom%3Dupx&"))
    #expect(request.header("x-request-id") == nil)
}

@Test func loginFlowLogHasNoSecrets() {
    let run = runFlow()
    #expect(run.log.count == 7)
    for line in run.log {
        expectNoCanary(in: line, "log line")
    }
}

// MARK: - Revisions

@Test(arguments: [404, 405])
func loginFlowFallsBackTo2025(_ status: Int) throws {
    var server = FakeUpstox(revision: .r2025)
    server.overrides[FakeUpstox.totpRoute(.r2026)] = HTTPResponse(status: status)
    server.overrides[FakeUpstox.pinRoute(.r2026)] = HTTPResponse(status: status)
    let run = runFlow(server)

    #expect(run.grant?.accessToken == FakeAccount.accessToken)
    #expect(run.transport.routes == [
        FakeUpstox.dialogRoute, FakeUpstox.loginPageRoute, FakeUpstox.otpGenerateRoute,
        FakeUpstox.totpRoute(.r2026), FakeUpstox.totpRoute(.r2025),
        FakeUpstox.pinRoute(.r2026), FakeUpstox.pinRoute(.r2025),
        FakeUpstox.oauthRoute, FakeUpstox.tokenRoute,
    ])
}

@Test func loginFlowPINBody2025() throws {
    let run = runFlow(FakeUpstox(revision: .r2025))
    let request = try #require(run.requests(to: FakeUpstox.pinRoute(.r2025)).first)
    #expect(request.jsonData == .object([
        "twoFAMethod": .string("SECRET_PIN"), "inputText": .string(FakeAccount.pinBase64),
    ]))
    #expect(request.header("X-Profile-Id") == nil)
    #expect(request.header("X-User-Id") == nil)
}

@Test func loginFlowFallbackIsLogged() {
    let run = runFlow(FakeUpstox(revision: .r2025))
    #expect(run.log.contains("step 3 (TOTP verify): revision 2026 not served, trying an older one"))
    #expect(run.log.contains("step 4 (PIN): revision 2026 not served, trying an older one"))
}

@Test func loginFlowNoRevisionServed() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.totpRoute(.r2026)] = HTTPResponse(status: 404)
    server.overrides[FakeUpstox.totpRoute(.r2025)] = HTTPResponse(status: 405)
    let run = runFlow(server)

    #expect(run.toolError?.exitCode == .network)
    #expect(run.toolError?.message.hasPrefix("step 3 (TOTP verify) failed: ") == true)
    #expect(run.requests(to: FakeUpstox.pinRoute(.r2026)).isEmpty)
}

// MARK: - PIN safety

/// Returns every PIN request, of either revision.
private func pinRequests(_ run: FlowRun) -> [HTTPRequest] {
    run.requests(to: FakeUpstox.pinRoute(.r2026)) + run.requests(to: FakeUpstox.pinRoute(.r2025))
}

private let incorrectPIN = #"{"success":false,"error":{"code":"1017106","message":"Incorrect PIN. 4 attempts left"}}"#

@Test(arguments: [200, 400, 401, 403, 422])
func loginFlowIncorrectPINNotRetried(_ status: Int) {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = jsonReply(status, incorrectPIN)
    let run = runFlow(server)

    #expect(pinRequests(run).count == 1)
    #expect(run.transport.routes.last == FakeUpstox.pinRoute(.r2026))
    #expect(run.toolError?.exitCode == .authenticationRejected)
}

@Test func loginFlowIncorrectPINMessage() throws {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = jsonReply(200, incorrectPIN)
    let error = try #require(runFlow(server).toolError)
    #expect(error.message.hasPrefix("step 4 (PIN) rejected by Upstox: incorrect PIN (1017106: Incorrect PIN. 4 attempts left); "))
    #expect(error.message.contains("five wrong PINs lock the account"))
    expectNoCanary(in: error.message)
}

@Test func loginFlowIncorrectPINOn2025NotRetried() {
    var server = FakeUpstox(revision: .r2025)
    server.overrides[FakeUpstox.pinRoute(.r2025)] = jsonReply(200, incorrectPIN)
    let run = runFlow(server)

    #expect(run.requests(to: FakeUpstox.pinRoute(.r2025)).count == 1)
    #expect(run.transport.routes.last == FakeUpstox.pinRoute(.r2025))
    #expect(run.toolError?.exitCode == .authenticationRejected)
}

@Test(arguments: [
    HTTPResponse(status: 500),
    jsonReply(500, #"{"success":true,"data":{}}"#),
    HTTPResponse(status: 502, headers: ["content-type": "text/html"], body: Array("<html>Bad Gateway</html>".utf8)),
    HTTPResponse(status: 503, body: Array("Service Unavailable".utf8)),
])
func loginFlowPINServerErrorNotRetried(_ reply: HTTPResponse) {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = reply
    let run = runFlow(server)

    #expect(pinRequests(run).count == 1)
    #expect(run.transport.routes.last == FakeUpstox.pinRoute(.r2026))
    #expect(run.toolError?.exitCode == .network)
    #expect(run.toolError?.message.hasPrefix("step 4 (PIN) failed: ") == true)
}

@Test func loginFlowPINNetworkFailureNotRetried() {
    let server = FakeUpstox()
    let table = server.routes
    let transport = FakeTransport { request in
        // 56 is libcurl's CURLE_RECV_ERROR.
        if request.route == FakeUpstox.pinRoute(.r2026) {
            throw TransportError(url: request.url, code: 56, reason: "connection reset by peer")
        }
        return table[request.route] ?? HTTPResponse(status: 404)
    }
    let run = runFlow(transport)

    #expect(pinRequests(run).count == 1)
    #expect(run.toolError?.exitCode == .network)
    #expect(run.toolError?.message == "step 4 (PIN) failed: connection reset by peer; Upstox may have counted the PIN, so logins of this "
        + "account wait for a forced one: check UPSTOX_PIN_CODE, then log in once with --force")
}

// MARK: - Step 1 redirects

@Test func loginFlowRelativeRedirectChain() throws {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: 302, headers: ["location": "/v2/login/hop?n=1"])
    server.overrides["GET /v2/login/hop"] = HTTPResponse(status: 303, headers: [
        "location": "page?user_id=\(FakeAccount.userID)&client_id=\(FakeAccount.clientID)&user_type=individual",
    ])
    server.overrides["GET /v2/login/page"] = HTTPResponse(status: 200, body: Array("<html></html>".utf8))
    let run = runFlow(server)

    #expect(run.grant != nil)
    #expect(run.transport.requests.count == 8)
    #expect(run.transport.requests[1].url == FakeAccount.apiBaseURL + "/v2/login/hop?n=1")
    #expect(run.transport.requests[2].url.hasPrefix(FakeAccount.apiBaseURL + "/v2/login/page?user_id="))
    #expect(run.requests(to: FakeUpstox.otpGenerateRoute).first?.jsonData["userId"] == .string(FakeAccount.userID))
}

@Test(arguments: [301, 302, 303, 307, 308])
func loginFlowRedirectStatuses(_ status: Int) {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: status, headers: [
        "location": FakeAccount.loginPage + "?user_id=\(FakeAccount.userID)",
    ])
    #expect(runFlow(server).grant != nil)
}

@Test(arguments: [
    "http://login.evil.example/?user_id=X", "http://128.0.0.1/?user_id=X",
    "http://127.0.0.1.evil.example/?user_id=X", "//login.evil.example/?user_id=X",
    "ftp://127.0.0.1/?user_id=X",
])
func loginFlowUnsafeRedirectRejected(_ location: String) {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: 302, headers: ["location": location])
    let run = runFlow(server)

    #expect(run.grant == nil)
    #expect(run.transport.requests.allSatisfy { URLParts($0.url)?.isLoopback == true })
}

@Test func loginFlowPlainHTTPRedirectMessage() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: 302, headers: [
        "location": "http://login.evil.example/?user_id=X",
    ])
    let run = runFlow(server)

    // The server sent the bad redirect, so it is a protocol error, not a configuration one.
    #expect(run.transport.requests.count == 1)
    #expect(run.toolError?.exitCode == .network)
    #expect(run.toolError?.message.contains("redirected to http://login.evil.example/?user_id=X") == true)
    #expect(run.toolError?.message.contains("plain http is allowed only for loopback hosts") == true)
}

@Test func loginFlowRedirectKeepsTrailingSlash() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: 302, headers: [
        "location": "/login/?user_id=\(FakeAccount.userID)&next=/",
    ])
    let run = runFlow(server)

    #expect(run.transport.requests.count > 1)
    #expect(run.transport.requests.dropFirst().first?.url.hasSuffix("&next=/") == true)
}

@Test func loginFlowRedirectWithoutLocation() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: 302)
    let run = runFlow(server)

    #expect(run.toolError?.exitCode == .network)
    #expect(run.toolError?.message == "step 1 (authorization dialog) failed: HTTP 302 redirect without a usable Location")
}

@Test func loginFlowRedirectLoopStops() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: 302, headers: ["location": ProtocolTable.authorizationDialogPath])
    let run = runFlow(server)

    #expect(run.transport.requests.count == 10)
    #expect(run.toolError?.message == "step 1 (authorization dialog) failed: more than 10 redirects")
}

@Test func loginFlowLoginPageWithoutUserID() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = HTTPResponse(status: 302, headers: ["location": FakeAccount.loginPage + "?client_id=x"])
    let run = runFlow(server)

    #expect(run.toolError?.exitCode == .network)
    #expect(run.toolError?.message == "step 1 (authorization dialog) failed: the login page URL carries no user_id")
}

@Test func loginFlowDialogRejectsApp() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.dialogRoute] = jsonReply(400, """
        {"status":"error","errors":[{"errorCode":"UDAPI100068","message":"Check your 'client_id' and 'redirect_uri'"}]}
        """)
    let run = runFlow(server)

    #expect(run.transport.requests.count == 1)
    #expect(run.toolError?.exitCode == .authenticationRejected)
    #expect(run.toolError?.message.contains("client id and redirect URI do not match the app") == true)
}

// MARK: - Reply styles

/// Runs a login whose `route` returns `reply`, and returns the error it ends with.
private func failingRun(_ route: String, _ reply: HTTPResponse) throws -> any ToolError {
    var server = FakeUpstox()
    server.overrides[route] = reply
    let run = runFlow(server)
    #expect(run.transport.routes.last == route, "the login went on after \(route) failed")
    let error = try #require(run.toolError, "the login did not fail with a tool error: \(run.result)")
    expectNoCanary(in: error.message, "error message")
    return error
}

@Test func replyLoginServiceSuccessFalse() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, """
        {"success":false,"error":{"code":"1017016","message":"userId is required"}}
        """))
    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message.hasPrefix("step 2 (OTP generate) rejected by Upstox: request rejected (1017016: userId is required); "))
}

@Test func replyLoginServiceUnknownCode() throws {
    let error = try failingRun(FakeUpstox.totpRoute(.r2026), jsonReply(200, """
        {"success":false,"error":{"code":"1099999","message":"Something new"}}
        """))
    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message == "step 3 (TOTP verify) rejected by Upstox: 1099999 Something new")
}

@Test func replyLoginServiceSuccessFalseWithoutError() throws {
    let error = try failingRun(FakeUpstox.oauthRoute, jsonReply(200, #"{"success":false}"#))
    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message.hasPrefix("step 5 (OAuth approval) rejected by Upstox: unknown"))
}

@Test func replyWrongOTP() throws {
    let error = try failingRun(FakeUpstox.totpRoute(.r2026), jsonReply(200, """
        {"success":false,"error":{"code":"UDAPI100500","message":"Invalid OTP. 2 attempts left"}}
        """))
    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message.contains("wrong OTP"))
}

@Test func replyAPIErrorsArray() throws {
    let error = try failingRun(FakeUpstox.tokenRoute, jsonReply(401, """
        {"status":"error","errors":[{"errorCode":"UDAPI100016","message":"Invalid Credentials","propertyPath":null}]}
        """))
    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message.hasPrefix("step 6 (token exchange) rejected by Upstox: invalid client credentials (UDAPI100016: Invalid Credentials); "))
}

@Test func replyAPIOlderErrorCode() throws {
    let error = try failingRun(FakeUpstox.tokenRoute, jsonReply(400, """
        {"status":"error","errors":[{"error_code":"UDAPI100073","message":"Client id inactive"}]}
        """))
    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message.contains("(UDAPI100073: Client id inactive)"))
}

@Test func replyAPIStatusErrorOnly() throws {
    let error = try failingRun(FakeUpstox.tokenRoute, jsonReply(400, #"{"status":"error","message":"Bad request"}"#))
    #expect(error.exitCode == .authenticationRejected)
    #expect(error.message == "step 6 (token exchange) rejected by Upstox: unknown Bad request")
}

@Test func replyTooManyRequestsRetryAfter() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, HTTPResponse(status: 429, headers: ["retry-after": "17"]))
    #expect(error.exitCode == .rateLimited)
    #expect(error.message == "step 2 (OTP generate) rate-limited by Upstox (HTTP 429) on all 3 attempts; wait 17 s and try again")
}

@Test func replyTooManyRequestsWithoutRetryAfter() throws {
    let error = try failingRun(FakeUpstox.tokenRoute, jsonReply(429, """
        {"status":"error","errors":[{"errorCode":"UDAPI10005","message":"Too many requests"}]}
        """))
    #expect(error.exitCode == .rateLimited)
    #expect(error.message == "step 6 (token exchange) rate-limited by Upstox (HTTP 429) on all 3 attempts; wait a minute and try again")
}

@Test func replyTooManyRequestsOnRevisionedStep() throws {
    let error = try failingRun(FakeUpstox.totpRoute(.r2026), HTTPResponse(status: 429, headers: ["retry-after": "5"]))
    #expect(error.exitCode == .rateLimited)
}

@Test func replyTooManyRequestsOnDialog() throws {
    let error = try failingRun(FakeUpstox.dialogRoute, HTTPResponse(status: 429, headers: ["retry-after": "30"]))
    #expect(error.exitCode == .rateLimited)
    #expect(error.message == "step 1 (authorization dialog) rate-limited by Upstox (HTTP 429) on all 3 attempts; wait 30 s and try again")
}

@Test func replyOTPBlocked() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, """
        {"success":false,"error":{"code":"1017069","message":"OTP generation blocked. Try after 10 minutes"}}
        """))
    #expect(error.exitCode == .rateLimited)
    #expect(error.message.hasSuffix("; try again after 05:40 IST (about 10 minutes)"))
}

@Test func replyAccountLockedMessage() throws {
    let error = try failingRun(FakeUpstox.pinRoute(.r2026), jsonReply(200, """
        {"success":false,"error":{"code":"1017999","message":"Your account is locked for 24 hours"}}
        """))
    #expect(error.exitCode == .rateLimited)
}

@Test func replyHTMLPage() throws {
    let page = HTTPResponse(
        status: 502, headers: ["content-type": "text/html"],
        body: Array("\n  <!DOCTYPE html><html><body>Bad Gateway</body></html>".utf8))
    let error = try failingRun(FakeUpstox.totpRoute(.r2026), page)
    #expect(error.exitCode == .network)
    #expect(error.message == "step 3 (TOTP verify) failed: an HTML page instead of JSON (HTTP 502); Upstox may be down or a proxy in the way; try again later, or run with --debug to see each reply's status")
}

@Test func replyHTMLPageWithStatus200() throws {
    let page = HTTPResponse(status: 200, headers: ["content-type": "text/html"], body: Array("<html>Maintenance</html>".utf8))
    let error = try failingRun(FakeUpstox.tokenRoute, page)
    #expect(error.message == "step 6 (token exchange) failed: an HTML page instead of JSON (HTTP 200); Upstox may be down or a proxy in the way; try again later, or run with --debug to see each reply's status")
}

@Test func replyEmptyBody() throws {
    let error = try failingRun(FakeUpstox.oauthRoute, HTTPResponse(status: 200))
    #expect(error.exitCode == .network)
    #expect(error.message == "step 5 (OAuth approval) failed: empty reply (HTTP 200); Upstox may be down or a proxy in the way; try again later, or run with --debug to see each reply's status")
}

@Test func replyTruncatedJSON() throws {
    let error = try failingRun(FakeUpstox.tokenRoute, jsonReply(200, #"{"access_token":"abc","user_id":"7X"#))
    #expect(error.exitCode == .network)
    #expect(error.message == "step 6 (token exchange) failed: the reply is not valid JSON, perhaps cut short (HTTP 200); Upstox may be down or a proxy in the way; try again later, or run with --debug to see each reply's status")
}

@Test func replyTruncatedJSONOnLoginStep() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, #"{"success":true,"data":{"validateOTP"#))
    #expect(error.exitCode == .network)
    #expect(error.message.hasPrefix("step 2 (OTP generate) failed: "))
}

@Test func replyJSONArrayNotObject() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, "[1,2,3]"))
    #expect(error.exitCode == .network)
}

@Test func replyMissingData() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, #"{"success":true}"#))
    #expect(error.message == "step 2 (OTP generate) failed: the reply has no data object")
}

@Test func replyMissingField() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, #"{"success":true,"data":{}}"#))
    #expect(error.message == "step 2 (OTP generate) failed: the reply has no data.validateOTPToken")
}

@Test func replyProfileIDAsString() throws {
    let error = try failingRun(FakeUpstox.totpRoute(.r2026), jsonReply(200, """
        {"success":true,"data":{"userProfile":{"profileId":"123","userId":"7XY123"}}}
        """))
    #expect(error.message == "step 3 (TOTP verify) failed: the reply has no data.userProfile.profileId and userId")
}

@Test func replyOAuthWithoutCode() throws {
    let error = try failingRun(FakeUpstox.oauthRoute, jsonReply(200, """
        {"success":true,"data":{"redirectUri":"https://app.example/callback?error=denied"}}
        """))
    #expect(error.message == "step 5 (OAuth approval) failed: the reply has no data.redirectUri with a code")
}

@Test func replyTokenWithoutAccessToken() throws {
    let error = try failingRun(FakeUpstox.tokenRoute, jsonReply(200, #"{"user_id":"7XY123"}"#))
    #expect(error.message == "step 6 (token exchange) failed: the reply has no access_token")
}

@Test func replyServerErrorWithoutBodyCode() throws {
    let error = try failingRun(FakeUpstox.oauthRoute, jsonReply(500, #"{"success":true,"data":{}}"#))
    #expect(error.message == "step 5 (OAuth approval) failed: HTTP 500")
}

@Test func replyContentTypeParametersAccepted() {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.otpGenerateRoute] = jsonReply(
        200, #"{"success":true,"data":{"validateOTPToken":"t"}}"#,
        headers: ["content-type": "application/json; charset=utf-8; boundary=x"])
    server.overrides[FakeUpstox.tokenRoute] = jsonReply(
        200, #"{"access_token":"a","user_id":"u","user_name":"n"}"#, headers: ["content-type": "APPLICATION/JSON;CHARSET=UTF-8"])
    #expect(runFlow(server).grant?.accessToken == "a")
}

@Test func replyServerMessageMadePrintable() throws {
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, """
        {"success":false,"error":{"code":"1099999","message":"line one\\nline two\\u001b[31m"}}
        """))
    #expect(!error.message.contains("\n"))
    #expect(!error.message.contains("\u{1B}"))
}

@Test func replyLongServerMessageCut() throws {
    let long = String(repeating: "x", count: 500)
    let error = try failingRun(FakeUpstox.otpGenerateRoute, jsonReply(200, """
        {"success":false,"error":{"code":"1099999","message":"\(long)"}}
        """))
    #expect(error.message.hasSuffix(String(repeating: "x", count: 200) + "..."))
}
