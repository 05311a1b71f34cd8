// upx-login run in-process: the cached token, logging in, what is printed and what the keyring keeps.

import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// 2026-03-10 00:00:00 UTC (05:30 IST) = 20_522 days * 86_400 s.
private let now: Int64 = 1_773_100_800

/// The next 03:30 IST after `now`: 2026-03-10 22:00:00 UTC = now + 22 * 3_600.
private let nextCutoff: Int64 = 1_773_180_000

/// The environment of a user who has every credential set, pointing at loopback hosts; the
/// in-process tests of upx-login share it.
let loginEnvironment = [
    "UPSTOX_USERNAME": FakeAccount.mobile,
    "UPSTOX_PIN_CODE": FakeAccount.pin,
    "UPSTOX_TOTP_SECRET": FakeAccount.totpSecret,
    "UPSTOX_CLIENT_ID": FakeAccount.clientID,
    "UPSTOX_CLIENT_SECRET": FakeAccount.clientSecret,
    "UPSTOX_REDIRECT_URI": FakeAccount.redirectURI,
    "UPSTOX_API_BASE_URL": FakeAccount.apiBaseURL,
    "UPSTOX_SERVICE_BASE_URL": FakeAccount.serviceBaseURL,
]

/// Runs upx-login in-process with the context that `makeContext` builds from `environment`.
/// Unless `environment` names an XDG_RUNTIME_DIR, the run gets a new one, whose `upx` folder
/// is also its UPX_STATE_DIR unless that is named, and which is removed afterwards. So its login locks and account stops reach no
/// other run and no folder of the user running the tests.
func runLoginCommand(
    _ arguments: [String], environment: [String: String], makeContext: ([String: String]) -> Context
) -> Int32 {
    var environment = environment
    var madeFolder: String?
    if environment["XDG_RUNTIME_DIR"] == nil {
        var template = Array("/tmp/upx-unit-run-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("cannot create a folder in /tmp: \(String(cString: strerror(errno)))") }
        let folder = String(cString: made)
        madeFolder = folder
        environment["XDG_RUNTIME_DIR"] = folder
        if environment["UPX_STATE_DIR"] == nil { environment["UPX_STATE_DIR"] = folder + "/upx" }
    }
    defer { if let madeFolder { try? FileManager.default.removeItem(atPath: madeFolder) } }
    return ToolRunner.run(LoginCommand.info, arguments: arguments, context: makeContext(environment), body: LoginCommand.run)
}

/// A keyring that contains no key and whose `store` fails with EDQUOT, as the kernel's does when
/// the user's key quota is used up.
private final class FullKeyring: KeyringStore {
    func store(name: String, payload: [UInt8], timeoutSeconds: UInt32) throws -> Int32 {
        throw KeyringError(operation: "add", keyName: name, errorNumber: EDQUOT)
    }

    func read(name: String) throws -> [UInt8]? { nil }

    func remove(name: String) throws -> Bool { false }

    func checkWritable(name: String, payloadSize: Int) throws {
        throw KeyringError(operation: "add", keyName: name, errorNumber: EDQUOT)
    }

    func keyID(name: String) throws -> Int32? { nil }

    func list(prefix: String) throws -> [KeyringEntry] { [] }

    func unlink(_ entry: KeyringEntry) throws {}
}

/// Returns the names of the token keys in `keyring`, without the rate limit's `upx:PROFILE:logins` keys.
func tokenKeys(_ keyring: MemoryKeyring) -> [String] {
    keyring.keys.keys.filter { !$0.hasSuffix(":logins") }.sorted()
}

/// One in-process run of upx-login and what it left behind.
struct LoginRun {
    var status: Int32
    var output: String
    var error: String
    var transports: [FakeTransport]
    /// The waits between retries, recorded in place of sleeping.
    var waits: [Double] = []

    var requestCount: Int { transports.reduce(0) { $0 + $1.requests.count } }

    func requests(to route: String) -> [HTTPRequest] {
        transports.flatMap(\.requests).filter { $0.route == route }
    }
}

/// Runs upx-login through `ToolRunner` with a fixed clock, `keyring`, and a fresh fake
/// transport for each login. The working directory has no `.env`.
func runLogin(
    _ arguments: [String], keyring: any KeyringStore = MemoryKeyring(), server: FakeUpstox = FakeUpstox(),
    environment: [String: String] = loginEnvironment
) -> LoginRun {
    var output = ""
    var error = ""
    var transports: [FakeTransport] = []
    var waits: [Double] = []
    let streams = Streams(out: { output += $0 }, err: { error += $0 }, readInput: { nil })
    let status = runLoginCommand(arguments, environment: environment) { environment in
        Context(
            environment: environment, clock: FixedClock(unixSeconds: Double(now)), streams: streams, keyring: keyring,
            makeTransport: {
                let transport = server.makeTransport()
                transports.append(transport)
                return transport
            },
            workingDirectory: "/nonexistent-upx-test", sleep: { waits.append($0) })
    }
    return LoginRun(status: status, output: output, error: error, transports: transports, waits: waits)
}

/// Makes a keyring holding a record for profile `default` that expires `secondsLeft` after `now`.
func keyringWithRecord(secondsLeft: Int64, token: String = "cached-token") -> (MemoryKeyring, TokenRecord) {
    let record = TokenRecord(
        accessToken: token, extendedToken: nil, userID: "CACHED1", userName: "Cached User",
        issuedAt: now - 3_600, expiresAt: now + secondsLeft)
    let keyring = MemoryKeyring()
    _ = try? keyring.store(name: "upx:default", payload: record.encoded(), timeoutSeconds: 1)
    return (keyring, record)
}

func storedRecord(_ keyring: MemoryKeyring, _ name: String = "upx:default") -> TokenRecord? {
    keyring.keys[name].flatMap { TokenRecord.decode($0.payload) }
}

// MARK: - Cached token

@Test func loginCommandCachedPrintNoRequests() {
    let (keyring, _) = keyringWithRecord(secondsLeft: 301)
    let run = runLogin(["--print"], keyring: keyring)
    #expect(run.status == 0)
    #expect(run.output == "cached-token\n")
    #expect(run.requestCount == 0)
    #expect(run.transports.isEmpty)
}

@Test func loginCommandCachedSummary() {
    let (keyring, _) = keyringWithRecord(secondsLeft: 7 * 3_600 + 5 * 60)
    let run = runLogin([], keyring: keyring)
    #expect(run.output.isEmpty)
    #expect(run.error == "upx-login: using the cached token of Cached User (CACHED1); key upx:default in the user keyring, valid for 7h 5m\n")
}

@Test func loginCommandCachedExport() {
    let (keyring, record) = keyringWithRecord(secondsLeft: 3_600, token: "tok'en $x")
    let run = runLogin(["--export"], keyring: keyring)
    #expect(run.status == 0)
    #expect(run.requestCount == 0)
    #expect(run.output == """
        export UPSTOX_ACCESS_TOKEN='tok'\\''en $x'
        export UPSTOX_TOKEN_EXPIRES_AT=\(record.expiresAt)
        export UPSTOX_USER_ID='CACHED1'

        """)
}

@Test func loginCommandCachedRecordUnchanged() throws {
    let (keyring, record) = keyringWithRecord(secondsLeft: 301)
    _ = runLogin(["--print"], keyring: keyring)
    #expect(storedRecord(keyring) == record)
    #expect(keyring.keys["upx:default"]?.timeoutSeconds == 1)
}

@Test(arguments: [300, 1, 0, -1, -86_400] as [Int64])
func loginCommandShortLivedCacheLogsIn(_ secondsLeft: Int64) {
    let (keyring, _) = keyringWithRecord(secondsLeft: secondsLeft)
    let run = runLogin(["--print"], keyring: keyring)
    #expect(run.status == 0)
    #expect(run.requestCount == 7)
    #expect(run.output == FakeAccount.accessToken + "\n")
    #expect(storedRecord(keyring)?.accessToken == FakeAccount.accessToken)
}

@Test func loginCommandUnreadableCacheLogsIn() throws {
    let keyring = MemoryKeyring()
    _ = try keyring.store(name: "upx:default", payload: Array("not json".utf8), timeoutSeconds: 60)
    let run = runLogin(["--print"], keyring: keyring)
    #expect(run.status == 0)
    #expect(run.requestCount == 7)
}

@Test func loginCommandForceLogsIn() {
    let (keyring, _) = keyringWithRecord(secondsLeft: 20_000)
    let run = runLogin(["--force", "--print"], keyring: keyring)
    #expect(run.status == 0)
    #expect(run.requestCount == 7)
    #expect(run.output == FakeAccount.accessToken + "\n")
    #expect(storedRecord(keyring)?.accessToken == FakeAccount.accessToken)
}

// MARK: - Logging in

@Test func loginCommandStoresRecord() throws {
    let keyring = MemoryKeyring()
    let run = runLogin([], keyring: keyring)
    #expect(run.status == 0)
    #expect(run.output.isEmpty)

    let record = try #require(storedRecord(keyring))
    let requestID = try #require(record.requestID)
    #expect(requestID.hasPrefix("WPRO-"))
    #expect(requestID.count == 15)
    #expect(record == TokenRecord(
        accessToken: FakeAccount.accessToken, extendedToken: nil, userID: FakeAccount.userID, userName: "Test User",
        issuedAt: now, expiresAt: nextCutoff, clientID: FakeAccount.clientID, requestID: requestID))
}

@Test func loginCommandTimeoutIsExpiryMinusNow() {
    // The fake token is no JWT, so the expiry is the next 03:30 IST: nextCutoff - now = 79_200 s.
    let keyring = MemoryKeyring()
    _ = runLogin([], keyring: keyring)
    #expect(keyring.keys["upx:default"]?.timeoutSeconds == 79_200)
}

@Test func loginCommandTimeoutFromJWTExpiry() throws {
    // A JWT whose exp is now + 5_000 s: its claim wins over the 03:30 IST cut-off.
    let keyring = MemoryKeyring()
    var server = FakeUpstox()
    server.accessToken = makeToken(claims: #"{"sub":"7XY123","exp":\#(now + 5_000)}"#)
    let run = runLogin(["--print"], keyring: keyring, server: server)

    #expect(run.output == server.accessToken + "\n")
    #expect(keyring.keys["upx:default"]?.timeoutSeconds == 5_000)
    #expect(storedRecord(keyring)?.expiresAt == now + 5_000)
}

@Test func loginCommandExpiredJWTRejected() throws {
    // A JWT already past its exp is a protocol error (or a wrong clock), not a token to keep.
    let keyring = MemoryKeyring()
    var server = FakeUpstox()
    server.accessToken = makeToken(claims: #"{"exp":\#(now - 10)}"#)
    let run = runLogin(["--print"], keyring: keyring, server: server)
    #expect(run.status == ExitCode.network.rawValue)
    #expect(run.output.isEmpty)
    #expect(keyring.keys["upx:default"] == nil)
}

@Test func loginCommandExportAfterLogin() {
    let run = runLogin(["--export"])
    #expect(run.status == 0)
    #expect(run.output == """
        export UPSTOX_ACCESS_TOKEN='\(FakeAccount.accessToken)'
        export UPSTOX_TOKEN_EXPIRES_AT=\(nextCutoff)
        export UPSTOX_USER_ID='\(FakeAccount.userID)'

        """)
}

@Test func loginCommandLoginSummary() {
    let run = runLogin([])
    #expect(run.error == "upx-login: logged in as Test User (\(FakeAccount.userID)); key upx:default in the user keyring, valid for 22h\n")
}

@Test func loginCommandQuiet() {
    let run = runLogin(["-q", "-p"])
    #expect(run.status == 0)
    #expect(run.output == FakeAccount.accessToken + "\n")
    #expect(run.error.isEmpty)
}

@Test func loginCommandDebugHasNoSecrets() {
    let run = runLogin(["--debug"])
    #expect(run.status == 0)
    #expect(run.error.contains("upx-login: step 4 (PIN): POST /login/open/v4/auth/2fa -> HTTP 200"))
    expectNoCanary(in: run.error, "debug output")
}

@Test func loginCommandDebugFromEnvironment() {
    var environment = loginEnvironment
    environment["UPSTOX_DEBUG"] = "1"
    let run = runLogin([], environment: environment)
    #expect(run.error.contains("upx-login: step 1 (authorization dialog): GET "))
}

// MARK: - Failures

@Test func loginCommandFailureLeavesKeyring() {
    let (keyring, record) = keyringWithRecord(secondsLeft: 100)
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = jsonReply(200, """
        {"success":false,"error":{"code":"1017106","message":"Incorrect PIN"}}
        """)
    let run = runLogin(["--export"], keyring: keyring, server: server)

    #expect(run.status == 4)
    #expect(run.output.isEmpty)
    #expect(storedRecord(keyring) == record)
    #expect(keyring.keys["upx:default"]?.timeoutSeconds == 1)
    #expect(run.error.hasPrefix("upx-login: step 4 (PIN) rejected by Upstox: incorrect PIN"))
    #expect(run.error.filter { $0 == "\n" }.count == 1)
    expectNoCanary(in: run.error, "error output")
}

@Test func loginCommandFailureStoresNothing() {
    let keyring = MemoryKeyring()
    var server = FakeUpstox()
    server.overrides[FakeUpstox.tokenRoute] = jsonReply(200, #"{"access_token":"cut"#)
    let run = runLogin(["--print"], keyring: keyring, server: server)

    #expect(run.status == 5)
    #expect(run.output.isEmpty)
    #expect(tokenKeys(keyring).isEmpty)
}

@Test func loginCommandKeyringFailurePrintsNoToken() {
    let run = runLogin(["--print"], keyring: FullKeyring())
    #expect(run.status == 6)
    #expect(run.output.isEmpty)
    #expect(run.error.hasPrefix("upx-login: cannot add key upx:default in the user keyring: "))
}

@Test(arguments: [
    "UPSTOX_USERNAME", "UPSTOX_PIN_CODE", "UPSTOX_TOTP_SECRET", "UPSTOX_CLIENT_ID", "UPSTOX_CLIENT_SECRET",
    "UPSTOX_REDIRECT_URI",
])
func loginCommandMissingCredential(_ name: String) {
    var environment = loginEnvironment
    environment[name] = nil
    let run = runLogin(["--print"], environment: environment)

    #expect(run.status == 3)
    #expect(run.error.hasPrefix("upx-login: missing credential \(name): set it, \(name)_FILE or \(name)_CMD in the environment or in "))
    #expect(run.error.hasSuffix("/.env (upx-login --check-config lists every source)\n"))
    #expect(run.output.isEmpty)
    #expect(run.transports.isEmpty)
}

@Test func loginCommandEmptyCredentialIsMissing() {
    var environment = loginEnvironment
    environment["UPSTOX_CLIENT_SECRET"] = ""
    let run = runLogin([], environment: environment)
    #expect(run.status == 3)
    #expect(run.error.contains("missing credential UPSTOX_CLIENT_SECRET"))
}

@Test(arguments: [
    ("UPSTOX_USERNAME", "12345"), ("UPSTOX_PIN_CODE", "12a4"), ("UPSTOX_TOTP_SECRET", "not base32!"),
    ("UPSTOX_REDIRECT_URI", "app://callback"),
])
func loginCommandInvalidCredential(_ name: String, _ value: String) {
    var environment = loginEnvironment
    environment[name] = value
    let run = runLogin([], environment: environment)

    #expect(run.status == 3)
    #expect(run.error.hasPrefix("upx-login: invalid \(name) from the environment: "))
    #expect(run.transports.isEmpty)
}

@Test func loginCommandPlainHTTPHostRejected() {
    var environment = loginEnvironment
    environment["UPSTOX_SERVICE_BASE_URL"] = "http://service.example"
    let run = runLogin([], environment: environment)

    #expect(run.status == 3)
    #expect(
        run.error == "upx-login: invalid UPSTOX_SERVICE_BASE_URL from the environment: "
            + "plain http is allowed only for loopback hosts; use https://\n")
    #expect(run.transports.isEmpty)
}

// MARK: - Usage

@Test func loginCommandExportWithPrint() {
    let run = runLogin(["--export", "--print"])
    #expect(run.status == 2)
    #expect(run.error == "upx-login: options '--export' and '--print' cannot be used together (see 'upx-login --help')\n")
    #expect(run.transports.isEmpty)
}

@Test func loginCommandOperandRejected() {
    let run = runLogin(["work"])
    #expect(run.status == 2)
    #expect(run.error == "upx-login: unexpected argument 'work' (see 'upx-login --help')\n")
}

@Test(arguments: ["", ".hidden", "a/b", "../x", "a b", "a:b", "prof\u{0}ile", "ünï", "a*", String(repeating: "p", count: 65)])
func loginCommandInvalidProfile(_ name: String) {
    let run = runLogin(["--profile", name, "--print"])
    #expect(run.status == 2)
    #expect(run.error == "upx-login: invalid value '\(name)' for '--profile': use 1 to 64 letters, digits, '.', '_' or '-' (see 'upx-login --help')\n")
    #expect(run.transports.isEmpty)
}

@Test func loginCommandInvalidProfileFromEnvironment() {
    var environment = loginEnvironment
    environment["UPX_PROFILE"] = "a/b"
    #expect(runLogin([], environment: environment).status == 2)
}

@Test(arguments: ["work", "Work-2.backup_1", String(repeating: "p", count: 64)])
func loginCommandValidProfileNamesKey(_ name: String) {
    let keyring = MemoryKeyring()
    let run = runLogin(["-P", name], keyring: keyring)
    #expect(run.status == 0)
    #expect(tokenKeys(keyring) == ["upx:\(name)"])
}

@Test func loginCommandProfileFromEnvironment() {
    var environment = loginEnvironment
    environment["UPX_PROFILE"] = "desk"
    let keyring = MemoryKeyring()
    _ = runLogin([], keyring: keyring, environment: environment)
    #expect(tokenKeys(keyring) == ["upx:desk"])
}

@Test func loginCommandProfileOptionWinsOverEnvironment() {
    var environment = loginEnvironment
    environment["UPX_PROFILE"] = "desk"
    let keyring = MemoryKeyring()
    _ = runLogin(["--profile=laptop"], keyring: keyring, environment: environment)
    #expect(tokenKeys(keyring) == ["upx:laptop"])
}

@Test func loginCommandProfilesKeptApart() {
    let (keyring, _) = keyringWithRecord(secondsLeft: 20_000)
    let run = runLogin(["--profile", "other", "--print"], keyring: keyring)
    #expect(run.requestCount == 7)
    #expect(storedRecord(keyring)?.accessToken == "cached-token")
    #expect(storedRecord(keyring, "upx:other")?.accessToken == FakeAccount.accessToken)
}
