// upx-login's network options in-process: --verify-online, --logout, timeouts and retries.

import FoundationEssentials
import Testing
@testable import UpxCore

/// 2026-03-10 00:00:00 UTC (05:30 IST).
private let now: Int64 = 1_773_100_800

private let profileRoute = "GET " + ProtocolTable.profilePath
private let logoutRoute = "DELETE " + ProtocolTable.logoutPath
private let cachedToken = "cached-token-c4f1"

private let profileReply = jsonReply(200, #"{"status":"success","data":{"user_id":"CACHED1","user_name":"Cached User"}}"#)
private let logoutReply = jsonReply(200, #"{"status":"success","data":true}"#)
private let invalidTokenReply = jsonReply(401, """
    {"status":"error","errors":[{"errorCode":"UDAPI100050","message":"Invalid token used to access API"}]}
    """)
/// 7 is libcurl's CURLE_COULDNT_CONNECT.
private let connectionRefused = TransportError(url: FakeAccount.apiBaseURL, code: 7, reason: "Couldn't connect to server")

/// One in-process run of upx-login and what it left behind.
private struct NetworkRun {
    var status: Int32
    var output: String
    var error: String
    var transports: [FakeTransport]
    var timeouts: [HTTPTimeouts]
    var waits: [Double]

    var routes: [String] { transports.flatMap(\.routes) }
    var requests: [HTTPRequest] { transports.flatMap(\.requests) }
}

/// Runs upx-login with a keyring and a fake Upstox whose profile and logout routes return
/// `profile` and `logout`. A nil reply makes that route fail with no connection.
private func runNetwork(
    _ arguments: [String], keyring: MemoryKeyring, profile: HTTPResponse? = profileReply,
    logout: HTTPResponse? = logoutReply, extraEnvironment: [String: String] = [:]
) -> NetworkRun {
    var output = "", error = ""
    var transports: [FakeTransport] = []
    var timeouts: [HTTPTimeouts] = []
    var waits: [Double] = []
    let table = FakeUpstox().routes
    let streams = Streams(out: { output += $0 }, err: { error += $0 }, readInput: { nil })

    let makeTransport = { (requested: HTTPTimeouts) -> any HTTPTransport in
        timeouts.append(requested)
        let transport = FakeTransport { request in
            switch request.route {
            case profileRoute:
                guard let profile else { throw connectionRefused }
                return profile
            case logoutRoute:
                guard let logout else { throw connectionRefused }
                return logout
            default:
                return table[request.route] ?? HTTPResponse(status: 404)
            }
        }
        transports.append(transport)
        return transport
    }
    let status = runLoginCommand(arguments, environment: loginEnvironment.merging(extraEnvironment) { $1 }) { environment in
        Context(
            environment: environment, clock: FixedClock(unixSeconds: Double(now)), streams: streams, keyring: keyring,
            makeTransport: makeTransport, workingDirectory: "/nonexistent-upx-test", sleep: { waits.append($0) })
    }
    return NetworkRun(
        status: status, output: output, error: error, transports: transports, timeouts: timeouts, waits: waits)
}

/// Makes a keyring whose profile `default` has a token valid for another hour.
private func cachedKeyring() -> (MemoryKeyring, TokenRecord) {
    let record = TokenRecord(
        accessToken: cachedToken, extendedToken: nil, userID: "CACHED1", userName: "Cached User",
        issuedAt: now - 3_600, expiresAt: now + 3_600)
    let keyring = MemoryKeyring()
    _ = try? keyring.store(name: "upx:default", payload: record.encoded(), timeoutSeconds: 3_600)
    return (keyring, record)
}

private func storedToken(_ keyring: MemoryKeyring) -> String? {
    keyring.keys["upx:default"].flatMap { TokenRecord.decode($0.payload) }?.accessToken
}

// MARK: - --verify-online

@Test func verifyOnlineServesAcceptedToken() throws {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--verify-online", "--print"], keyring: keyring)

    #expect(run.status == 0)
    #expect(run.output == cachedToken + "\n")
    #expect(run.routes == [profileRoute])
    let request = try #require(run.requests.first)
    #expect(request.header("authorization") == "Bearer " + cachedToken)
    #expect(!request.usesCookies)
}

@Test func verifyOnlineRejectedTokenLogsIn() {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--verify-online", "--print"], keyring: keyring, profile: invalidTokenReply)

    #expect(run.status == 0)
    #expect(run.output == FakeAccount.accessToken + "\n")
    // One profile request although the cache is read twice, around the login lock.
    #expect(run.routes.filter { $0 == profileRoute }.count == 1)
    #expect(run.routes.contains(FakeUpstox.tokenRoute))
    #expect(storedToken(keyring) == FakeAccount.accessToken)
    #expect(run.error.hasPrefix("upx-login: Upstox rejected the cached token of key upx:default "
        + "(UDAPI100050: Invalid token used to access API); logging in again\n"))
}

@Test func verifyOnlineUnreachableKeepsCache() {
    let (keyring, record) = cachedKeyring()
    let run = runNetwork(["--verify-online", "--print"], keyring: keyring, profile: nil)

    #expect(run.status == ExitCode.network.rawValue)
    #expect(run.output.isEmpty)
    #expect(run.routes == [profileRoute, profileRoute, profileRoute])
    #expect(run.waits.count == 2)
    #expect(storedToken(keyring) == record.accessToken)
    #expect(run.error.hasSuffix("upx-login: profile request failed: Couldn't connect to server; check the network and the "
        + "base URLs; key upx:default kept as it was, not verified (without --verify-online it is used unchecked)\n"))
}

@Test func verifyOnlineQuietHidesRetryNotes() {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--verify-online", "--print", "--quiet"], keyring: keyring, profile: nil)
    #expect(run.status == ExitCode.network.rawValue)
    #expect(run.error.split(separator: "\n").count == 1)
}

@Test func verifyOnlineNotesEachRetry() {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--verify-online", "--print"], keyring: keyring, profile: nil)
    let lines = run.error.split(separator: "\n")

    #expect(lines.count == 3)
    #expect(lines.first?.hasPrefix("upx-login: profile request: Couldn't connect to server, retrying in ") == true)
    #expect(lines.first?.hasSuffix(" s (1 of 2)") == true)
}

@Test func verifyOnlineSkippedForFreshLogin() {
    let run = runNetwork(["--verify-online", "--print"], keyring: MemoryKeyring())
    #expect(run.status == 0)
    #expect(!run.routes.contains(profileRoute))
}

@Test func verifyOnlineDebugHidesToken() {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--verify-online", "--debug"], keyring: keyring, profile: invalidTokenReply)
    #expect(run.status == 0)
    #expect(run.error.contains("profile request: GET /v2/user/profile -> HTTP 401"))
    #expect(!run.error.contains(cachedToken))
    #expect(!run.error.contains(FakeAccount.accessToken))
}

// MARK: - --logout

@Test func logoutRevokesAndRemovesKey() throws {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--logout"], keyring: keyring)

    #expect(run.status == 0)
    #expect(run.output.isEmpty)
    #expect(run.routes == [logoutRoute])
    #expect(run.requests.first?.header("authorization") == "Bearer " + cachedToken)
    #expect(keyring.keys.isEmpty)
    #expect(run.error == "upx-login: logged out Cached User (CACHED1): Upstox revoked the token; removed key upx:default\n")
}

@Test func logoutAlreadyInvalidRemovesKey() {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--logout"], keyring: keyring, logout: invalidTokenReply)

    #expect(run.status == 0)
    #expect(keyring.keys.isEmpty)
    #expect(run.error.contains("so it was already revoked or expired; removed key upx:default"))
}

@Test func logoutUnreachableKeepsKey() {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--logout"], keyring: keyring, logout: nil)

    #expect(run.status == ExitCode.network.rawValue)
    #expect(run.routes.count == 3)
    #expect(storedToken(keyring) == cachedToken)
    #expect(run.error.hasSuffix("logout request failed: Couldn't connect to server; check the network and the base URLs; "
        + "key upx:default kept, so that --logout can be tried again ('upx-login --purge' removes keys without "
        + "revoking their tokens)\n"))
}

@Test func logoutRejectedKeepsKey() {
    let (keyring, _) = cachedKeyring()
    let extended = jsonReply(403, """
        {"status":"error","errors":[{"errorCode":"UDAPI100067","message":"Not permitted with an extended_token"}]}
        """)
    let run = runNetwork(["--logout"], keyring: keyring, logout: extended)

    #expect(run.status == ExitCode.authenticationRejected.rawValue)
    #expect(storedToken(keyring) == cachedToken)
    #expect(run.error.contains("an extended token cannot make this request"))
}

@Test func logoutNothingCached() {
    let run = runNetwork(["--logout", "--profile", "work"], keyring: MemoryKeyring())
    #expect(run.status == 1)
    #expect(run.error == "upx-login: no cached token for profile work: no key upx:work in the user keyring\n")
    #expect(run.transports.isEmpty)
}

@Test func logoutExpiredTokenNoRequest() throws {
    let keyring = MemoryKeyring()
    let record = TokenRecord(
        accessToken: cachedToken, extendedToken: nil, userID: "CACHED1", userName: "Cached User",
        issuedAt: now - 7_200, expiresAt: now - 10)
    _ = try keyring.store(name: "upx:default", payload: record.encoded(), timeoutSeconds: 60)
    let run = runNetwork(["--logout"], keyring: keyring)

    #expect(run.status == 0)
    #expect(run.transports.isEmpty)
    #expect(keyring.keys.isEmpty)
}

@Test func logoutUnreadableKeyRemoved() throws {
    let keyring = MemoryKeyring()
    _ = try keyring.store(name: "upx:default", payload: Array("not json".utf8), timeoutSeconds: 60)
    let run = runNetwork(["--logout"], keyring: keyring)

    #expect(run.status == 0)
    #expect(run.transports.isEmpty)
    #expect(keyring.keys.isEmpty)
}

@Test(arguments: ["--force", "--export", "--print", "--verify-online"])
func logoutConflictingOption(_ option: String) {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--logout", option], keyring: keyring)

    #expect(run.status == 2)
    #expect(run.error == "upx-login: options '--logout' and '\(option)' cannot be used together (see 'upx-login --help')\n")
    #expect(run.transports.isEmpty)
    #expect(storedToken(keyring) == cachedToken)
}

// MARK: - Timeouts and retries

@Test func timeoutsDefault() {
    let run = runNetwork(["--print"], keyring: MemoryKeyring())
    #expect(run.timeouts == [HTTPTimeouts(connect: 10, total: 30)])
}

@Test func timeoutsFromOptions() {
    let run = runNetwork(["--print", "--connect-timeout", "5", "--timeout=1m30s"], keyring: MemoryKeyring())
    #expect(run.status == 0)
    #expect(run.timeouts == [HTTPTimeouts(connect: 5, total: 90)])
}

@Test func timeoutsFromEnvironmentOptionWins() {
    let variables = ["UPX_CONNECT_TIMEOUT": "3s", "UPX_TIMEOUT": "45", "UPX_RETRIES": "0"]
    let fromEnvironment = runNetwork(["--print"], keyring: MemoryKeyring(), extraEnvironment: variables)
    let fromOption = runNetwork(["--print", "--timeout", "20s"], keyring: MemoryKeyring(), extraEnvironment: variables)

    #expect(fromEnvironment.timeouts == [HTTPTimeouts(connect: 3, total: 45)])
    #expect(fromOption.timeouts == [HTTPTimeouts(connect: 3, total: 20)])
}

@Test func retriesFromEnvironment() {
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(
        ["--verify-online"], keyring: keyring, profile: nil, extraEnvironment: ["UPX_RETRIES": "0"])
    #expect(run.routes == [profileRoute])
    #expect(run.waits.isEmpty)
}

@Test(arguments: [
    (["--timeout", "0"], "invalid value '0' for '--timeout': expected a duration from 1s to 1h"),
    (["--timeout", "2h"], "invalid value '2h' for '--timeout': expected a duration from 1s to 1h"),
    (["--connect-timeout", "ten"], "invalid value 'ten' for '--connect-timeout': expected a duration: "
        + DurationText.grammar),
    (["--retries", "11"], "invalid value '11' for '--retries': expected a number of retries from 0 to 10"),
    (["--retries", "-1"], "invalid value '-1' for '--retries': expected a number of retries from 0 to 10"),
] as [([String], String)])
func networkOptionInvalid(_ arguments: [String], _ message: String) {
    let run = runNetwork(arguments, keyring: MemoryKeyring())
    #expect(run.status == 2)
    #expect(run.error == "upx-login: \(message) (see 'upx-login --help')\n")
    #expect(run.transports.isEmpty)
}

@Test(arguments: ["UPX_CONNECT_TIMEOUT", "UPX_TIMEOUT", "UPX_RETRIES"])
func networkVariableInvalid(_ name: String) {
    let run = runNetwork([], keyring: MemoryKeyring(), extraEnvironment: [name: "soon"])
    #expect(run.status == 2)
    #expect(run.error.hasPrefix("upx-login: invalid value 'soon' for '\(name)': "))
}

@Test func networkVariableInvalidEvenWithCache() {
    // A bad setting is reported at once, not only on the day a login needs it.
    let (keyring, _) = cachedKeyring()
    let run = runNetwork(["--print"], keyring: keyring, extraEnvironment: ["UPX_TIMEOUT": "0"])
    #expect(run.status == 2)
    #expect(run.output.isEmpty)
}
