// upx-login's keyring choice, status, purge, rate limit and audit trail, run in-process.

import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// The fixed clock of `runLogin`: 2026-03-10 00:00:00 UTC, 22 hours before the next 03:30 IST.
private let clockSeconds: Int64 = 1_773_100_800

// MARK: - Rate limit

@Test func rateLimitAllowsFiveLogins() throws {
    let limit = LoginRateLimit(keyring: MemoryKeyring(), profile: "p")
    for offset in 0..<5 {
        try limit.check(at: clockSeconds + Int64(offset))
        try limit.recordStart(at: clockSeconds + Int64(offset))
    }
    #expect(throws: LoginLimitError.self) { try limit.check(at: clockSeconds + 10) }
}

@Test func rateLimitWindowSlides() throws {
    let limit = LoginRateLimit(keyring: MemoryKeyring(), profile: "p")
    for offset in 0..<5 { try limit.recordStart(at: clockSeconds + Int64(offset) * 10) }
    // The first start leaves the window 300 s after it.
    #expect(throws: LoginLimitError.self) { try limit.check(at: clockSeconds + 299) }
    try limit.check(at: clockSeconds + 300)
    #expect(try limit.recentStarts(at: clockSeconds + 300).count == 4)
}

@Test func rateLimitKeyTimesOutWithWindow() throws {
    let keyring = MemoryKeyring()
    try LoginRateLimit(keyring: keyring, profile: "p").recordStart(at: clockSeconds)
    #expect(keyring.keys["upx:p:logins"]?.timeoutSeconds == 300)
}

@Test func rateLimitRejectionNamesNextTime() throws {
    let limit = LoginRateLimit(keyring: MemoryKeyring(), profile: "desk")
    for _ in 0..<5 { try limit.recordStart(at: clockSeconds) }
    do {
        try limit.check(at: clockSeconds + 60)
        Issue.record("a 6th login was allowed")
    } catch let error as LoginLimitError {
        #expect(error.exitCode == .rateLimited)
        #expect(error.message.hasPrefix("login of profile desk not started: 5 logins in the last 5m already"))
        #expect(error.message.contains("in 4m (--force logs in anyway)"))
    }
}

@Test func loginCommandConfigurationErrorNotCounted() throws {
    // Someone fixing a typo in their settings sends nothing to Upstox, so the limit ignores it.
    let keyring = MemoryKeyring()
    var broken = loginEnvironment
    broken["UPSTOX_TOTP_SECRET"] = "not base32!"
    for _ in 0..<6 {
        let run = runLogin(["--quiet"], keyring: keyring, environment: broken)
        #expect(run.status == 3)
        #expect(run.requestCount == 0)
    }
    #expect(try LoginRateLimit(keyring: keyring, profile: "default").recentStarts(at: clockSeconds).isEmpty)
    #expect(runLogin(["--quiet"], keyring: keyring).status == 0)
    #expect(try LoginRateLimit(keyring: keyring, profile: "default").recentStarts(at: clockSeconds).count == 1)
}

@Test func otpBlockRejectsForTenMinutes() throws {
    let keyring = MemoryKeyring()
    let limit = LoginRateLimit(keyring: keyring, profile: "p")
    try limit.recordOTPBlock(at: clockSeconds)
    #expect(throws: LoginLimitError.self) { try limit.check(at: clockSeconds + 599) }
    try limit.check(at: clockSeconds + 600)
    #expect(keyring.keys["upx:p:logins"]?.timeoutSeconds == 600)
}

@Test func rateLimitUnreadableKeyCountsNothing() throws {
    let keyring = MemoryKeyring()
    _ = try keyring.store(name: "upx:p:logins", payload: Array("garbage".utf8), timeoutSeconds: 60)
    try LoginRateLimit(keyring: keyring, profile: "p").check(at: clockSeconds)
}

@Test func loginCommandSixthLoginRejected() {
    // A bot restarting after each failed login: every attempt counts.
    let keyring = MemoryKeyring()
    var server = FakeUpstox()
    server.overrides[FakeUpstox.tokenRoute] = jsonReply(500, #"{"status":"error","errors":[{"errorCode":"UDAPI100500"}]}"#)
    for _ in 0..<5 {
        #expect(runLogin(["--quiet"], keyring: keyring, server: server).status == 5)
    }
    let rejected = runLogin(["--print"], keyring: keyring)
    #expect(rejected.status == 7)
    #expect(rejected.requestCount == 0)
    #expect(rejected.output.isEmpty)
    #expect(rejected.error.hasPrefix("upx-login: login of profile default not started"))
    #expect(runLogin(["--force", "--quiet"], keyring: keyring).status == 0)
}

@Test func loginCommandCutoffNoteUnderMinimum() {
    let (keyring, _) = keyringWithRecord(secondsLeft: 22 * 3_600)
    let run = runLogin(["--print", "--min-valid", "23h"], keyring: keyring)
    #expect(run.requestCount == 0)
    #expect(run.output == "cached-token\n")
    #expect(run.error.hasPrefix("upx-login: note: the cached token has less than 23h left"))
}

@Test func loginCommandOTPBlockRemembered() {
    let keyring = MemoryKeyring()
    var server = FakeUpstox()
    server.overrides[FakeUpstox.otpGenerateRoute] = jsonReply(
        200, #"{"success":false,"error":{"code":"1017069","message":"OTP generation blocked"}}"#)
    #expect(runLogin([], keyring: keyring, server: server).status == 7)

    let again = runLogin([], keyring: keyring)
    #expect(again.status == 7)
    #expect(again.requestCount == 0)
    #expect(again.error.contains("Upstox blocked OTP generation (1017069)"))
}

@Test func loginCommandWrongPINStopsLogins() throws {
    let keyring = MemoryKeyring()
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = jsonReply(
        200, #"{"success":false,"error":{"code":"1017106","message":"Incorrect PIN"}}"#)
    #expect(runLogin([], keyring: keyring, server: server).status == 4)

    let again = runLogin([], keyring: keyring, server: server)
    #expect(again.status == 7)
    #expect(again.requestCount == 0)
    #expect(again.error.contains("Upstox rejected the PIN of profile default (1017106) at "))
    #expect(again.error.hasSuffix("then log in once with --force ('upx-login -P default --force')\n"))

    let status = runLogin(["--status"], keyring: keyring)
    #expect(status.output.contains("blocked:  Upstox rejected the PIN (1017106) at "))

    // Once the PIN is right, one forced login clears the stop.
    #expect(runLogin(["--force", "--quiet"], keyring: keyring).status == 0)
    let blocks = try LoginRateLimit(keyring: keyring, profile: "default").blocks(at: clockSeconds)
    #expect(blocks.pinRejectedAt == nil)
    #expect(blocks.otpBlockedUntil == nil)
}

@Test func pinRejectionKeptWhenKeyringFull() throws {
    // The start is the one key stored. The profile's record of the rejected PIN then finds the
    // quota used up, and the account's stop file keeps the stop.
    let keyring = FillingKeyring(storesLeft: 1)
    let (environment, _) = try environmentWithLockFolder()
    let run = runLogin([], keyring: keyring, server: wrongPINServer(), environment: environment)
    #expect(run.status == 4)
    #expect(!run.error.contains("warning"))

    let again = runLogin([], keyring: keyring, server: wrongPINServer(), environment: environment)
    #expect(again.status == 7)
    #expect(again.requestCount == 0)
}

@Test func stopFileUnwritableSendsNoPIN() throws {
    // The stop is written before the PIN is sent, so a run that cannot write it sends none.
    let (environment, folder) = try environmentWithLockFolder()
    // A folder where the new file would be written makes the write fail, even for root.
    let stop = AccountStops(folder: folder, mobileNumber: FakeAccount.mobile).path
    #expect(mkdir(stop + ".\(getpid()).tmp", 0o700) == 0)

    let audit = folder + "/audit.log"
    let run = runLogin(["--audit-log", audit], server: wrongPINServer(), environment: environment)
    #expect(run.status == 3)
    #expect(run.requests(to: FakeUpstox.pinRoute(.r2026)).isEmpty)
    // Three steps went out, so the failure keeps its request id.
    let line = try String(contentsOfFile: audit, encoding: .utf8)
    #expect(line.contains(" outcome=failure profile=default keyring=user request=WPRO-"))
    #expect(run.output.isEmpty)
    #expect(run.error.hasPrefix("upx-login: login of profile default stopped before sending the PIN: cannot write the stop "
        + "file \(stop) (File exists), which keeps a wrong PIN from being sent twice; "))
}

@Test func killedDuringPINLeavesStop() throws {
    // A run killed while the PIN request waits for its reply records nothing afterwards, so
    // the stop written before the request must already record that a PIN went out.
    let (environment, folder) = try environmentWithLockFolder()
    let stops = AccountStops(folder: folder, mobileNumber: FakeAccount.mobile)
    try stops.recordPINSent(at: clockSeconds, profile: "desk")

    let run = runLogin(["-P", "laptop"], environment: environment)
    #expect(run.status == 7)
    #expect(run.requestCount == 0)
    #expect(run.error.contains("the PIN that profile desk sent for the same account at 00:00 UTC got no clear reply"))
}

@Test func withdrawnPINKeepsEarlierMark() throws {
    // A forced run whose PIN never left takes back its own mark, not one of a killed run.
    let (_, folder) = try environmentWithLockFolder()
    let stops = AccountStops(folder: folder, mobileNumber: FakeAccount.mobile)
    try stops.recordPINSent(at: clockSeconds, profile: "desk")
    try stops.recordPINSent(at: clockSeconds + 60, profile: "laptop")
    try stops.withdrawPINSent(at: clockSeconds + 60)

    #expect(throws: LoginLimitError.pinUnanswered(profile: "desk", at: clockSeconds, by: "desk")) {
        try stops.check(profile: "desk", at: clockSeconds + 120)
    }
}

@Test func withdrawnPINKeepsUnreadableRecord() throws {
    let (_, folder) = try environmentWithLockFolder()
    let stops = AccountStops(folder: folder, mobileNumber: FakeAccount.mobile)
    #expect(FileManager.default.createFile(atPath: stops.path, contents: Data("garbage".utf8)))
    try stops.recordPINSent(at: clockSeconds, profile: "desk")
    try stops.withdrawPINSent(at: clockSeconds)

    #expect(throws: LoginLimitError.self) { try stops.check(profile: "desk", at: clockSeconds + 60) }
}

@Test func acceptedPINLeavesNoStop() throws {
    // The PIN step clears the mark it wrote, even when a later step fails.
    let (environment, folder) = try environmentWithLockFolder()
    var server = FakeUpstox()
    server.overrides[FakeUpstox.tokenRoute] = jsonReply(500, #"{"status":"error","errors":[{"errorCode":"UDAPI100500"}]}"#)
    #expect(runLogin(["--quiet"], server: server, environment: environment).status == 5)

    #expect(!FileManager.default.fileExists(atPath: AccountStops(folder: folder, mobileNumber: FakeAccount.mobile).path))
    #expect(runLogin(["--quiet", "-P", "other"], environment: environment).status == 0)
}

@Test func emptyBaseURLRejected() {
    // A test whose server failed to start must not fall back to Upstox's own host.
    var environment = loginEnvironment
    environment["UPSTOX_SERVICE_BASE_URL"] = ""
    let run = runLogin(["--print"], environment: environment)
    #expect(run.status == 3)
    #expect(run.requestCount == 0)
    #expect(run.error == "upx-login: invalid UPSTOX_SERVICE_BASE_URL from the environment: it is set but empty; "
        + "unset it to use Upstox's own host, or set the URL\n")
}

@Test func forcedLoginPastPINLiftsStops() throws {
    // A forced login whose PIN Upstox accepts lifts the stops, even when a later step fails.
    let (environment, _) = try environmentWithLockFolder()
    let keyring = MemoryKeyring()
    #expect(runLogin([], keyring: keyring, server: wrongPINServer(), environment: environment).status == 4)
    var failingExchange = FakeUpstox()
    failingExchange.overrides[FakeUpstox.tokenRoute] = jsonReply(500, #"{"status":"error","errors":[{"errorCode":"UDAPI100500"}]}"#)
    #expect(runLogin(["--force", "--quiet"], keyring: keyring, server: failingExchange, environment: environment).status == 5)

    let next = runLogin(["--quiet"], keyring: keyring, environment: environment)
    #expect(next.status == 0, "\(next.error)")
}

@Test func wrongPINStopsOtherProfilesAndNoKeyring() throws {
    // Five wrong PINs lock the account whichever profile or keyring sent them.
    let (environment, _) = try environmentWithLockFolder()
    #expect(runLogin(["-P", "desk"], server: wrongPINServer(), environment: environment).status == 4)

    for arguments in [["-P", "laptop"], ["--no-keyring"], ["-P", "desk", "--keyring", "persistent"]] {
        let run = runLogin(arguments, environment: environment)
        #expect(run.status == 7, "\(arguments)")
        #expect(run.requestCount == 0, "\(arguments)")
        #expect(run.error.contains("(1017106) at 00:00 UTC, and five wrong PINs lock the account"), "\(arguments)")
    }
}

@Test func pinServerFaultStopsNextLogin() throws {
    // A 5xx after the PIN was sent does not say whether Upstox counted a wrong PIN.
    let (environment, _) = try environmentWithLockFolder()
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = jsonReply(503, #"{"status":"error","errors":[{"errorCode":"UDAPI100500"}]}"#)
    let failed = runLogin([], server: server, environment: environment)
    #expect(failed.status == 5)
    #expect(failed.error.contains("Upstox may have counted the PIN"))
    #expect(!failed.error.contains("try again later"))

    let again = runLogin([], environment: environment)
    #expect(again.status == 7)
    #expect(again.requestCount == 0)
    #expect(again.error.contains("the PIN of profile default at 00:00 UTC got no clear reply, so Upstox may have counted a wrong PIN"))

    // A forced login that succeeds lifts the stop.
    #expect(runLogin(["--force", "--quiet"], environment: environment).status == 0)
    #expect(runLogin(["--quiet", "-P", "other"], environment: environment).status == 0)
}

@Test func pinConnectTimeoutLeavesNoStop() throws {
    // The connection never opened, so no PIN was sent.
    let error = UpstoxError.timedOut(step: .pinVerify, limit: .connect(seconds: 10))
    #expect(!error.leavesPINOutcomeUnknown)
    #expect(UpstoxError.timedOut(step: .pinVerify, limit: .total(seconds: 30)).leavesPINOutcomeUnknown)
    #expect(!UpstoxError.network(step: .otpGenerate, reason: "reset").leavesPINOutcomeUnknown)
}

@Test func stateFolderOfOthersNamesItsVariable() throws {
    var environment = loginEnvironment
    let state = try temporaryFolder()
    environment["UPX_STATE_DIR"] = state + "/upx"
    #expect(mkdir(state + "/upx", 0o755) == 0)

    let run = runLogin([], environment: environment)
    #expect(run.status == 3)
    #expect(run.requestCount == 0)
    #expect(run.error.hasSuffix("other users can enter it (mode 755); remove it, or set UPX_STATE_DIR to a folder of yours\n"))
}

@Test func stopFileUnreadableStopsLogin() throws {
    let (environment, folder) = try environmentWithLockFolder()
    let stop = AccountStops(folder: folder, mobileNumber: FakeAccount.mobile).path
    #expect(FileManager.default.createFile(atPath: stop, contents: Data("{\"pin_rejected_at\":1}x".utf8)))

    let run = runLogin([], environment: environment)
    #expect(run.status == 7)
    #expect(run.requestCount == 0)
    #expect(run.error.contains("cannot read the stop file \(stop) (it is not a stop record)"))

    #expect(runLogin(["--force", "--quiet"], environment: environment).status == 0)
    #expect(!FileManager.default.fileExists(atPath: stop))
}

@Test func stopFileNamesNoMobileNumber() {
    let path = AccountStops(folder: "/run/user/1000/upx", mobileNumber: FakeAccount.mobile).path
    #expect(path.hasPrefix("/run/user/1000/upx/account-"))
    #expect(path.hasSuffix(".stop"))
    #expect(!path.contains(FakeAccount.mobile))
}

/// Returns the login environment with a runtime and state folder that the runs of one test
/// share, and the folder `upx` made in it, where the login locks, limits and stops go.
private func environmentWithLockFolder() throws -> (environment: [String: String], lockFolder: String) {
    var environment = loginEnvironment
    let runtime = try temporaryFolder()
    environment["XDG_RUNTIME_DIR"] = runtime
    environment["UPX_STATE_DIR"] = runtime + "/upx"
    guard mkdir(runtime + "/upx", 0o700) == 0 else { throw FolderNotMade() }
    return (environment, runtime + "/upx")
}

/// Returns a fake Upstox that rejects the PIN with 1017106.
private func wrongPINServer() -> FakeUpstox {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = jsonReply(
        200, #"{"success":false,"error":{"code":"1017106","message":"Incorrect PIN"}}"#)
    return server
}

@Test func pinRejectionLastsAWeek() throws {
    let keyring = MemoryKeyring()
    let limit = LoginRateLimit(keyring: keyring, profile: "p")
    try limit.recordPINRejection(at: clockSeconds)
    #expect(keyring.keys["upx:p:logins"]?.timeoutSeconds == UInt32(7 * 86_400))
    #expect(throws: LoginLimitError.self) { try limit.check(at: clockSeconds + 7 * 86_400 - 1) }
    try limit.check(at: clockSeconds + 7 * 86_400)
}

@Test func successClearsOTPBlock() throws {
    let limit = LoginRateLimit(keyring: MemoryKeyring(), profile: "p")
    try limit.recordOTPBlock(at: clockSeconds)
    try limit.recordSuccess(at: clockSeconds + 60)
    try limit.check(at: clockSeconds + 61)
}

// MARK: - Serving the cache

@Test(arguments: [
    (301, Int64(300), true), (300, 300, false), (3_600, 3_600, false), (3_601, 3_600, true), (10, 0, true),
] as [(Int64, Int64, Bool)])
func cacheServesOnlyAboveMinimum(secondsLeft: Int64, minimum: Int64, served: Bool) throws {
    // An expiry before the next cut-off, so that the cut-off rule does not apply.
    let keyring = MemoryKeyring()
    let record = TokenRecord(
        accessToken: "t", extendedToken: nil, userID: "U", userName: "N", issuedAt: clockSeconds,
        expiresAt: clockSeconds + secondsLeft)
    _ = try keyring.store(name: "upx:default", payload: record.encoded(), timeoutSeconds: 1)
    let cache = TokenCache(profile: "default", kind: .user, keyring: keyring, minimumValidity: minimum)
    #expect((try cache.usableRecord(at: Date(timeIntervalSince1970: Double(clockSeconds))) != nil) == served)
}

@Test func cacheServedBeforeCutoff() throws {
    // 03:27 IST: a new token would also die at 03:30, so the cached one is served though under 5 minutes.
    let cutoff = clockSeconds + 22 * 3_600
    let record = TokenRecord(
        accessToken: "t", extendedToken: nil, userID: "U", userName: "N", issuedAt: cutoff - 3_600, expiresAt: cutoff)
    let keyring = MemoryKeyring()
    _ = try keyring.store(name: "upx:default", payload: record.encoded(), timeoutSeconds: 1)
    let cache = TokenCache(profile: "default", kind: .user, keyring: keyring)
    #expect(try cache.usableRecord(at: Date(timeIntervalSince1970: Double(cutoff - 180))) == record)
    #expect(try cache.usableRecord(at: Date(timeIntervalSince1970: Double(cutoff))) == nil)
}

@Test func minimumValidityFromEnvironment() throws {
    let none = ParsedArguments()
    #expect(try TokenCache.minimumValidity(none, environment: [:]) == 300)
    #expect(try TokenCache.minimumValidity(none, environment: ["UPX_MIN_VALID": "1h30m"]) == 5_400)
    #expect(throws: UsageError.self) { try TokenCache.minimumValidity(none, environment: ["UPX_MIN_VALID": "soon"]) }
}

@Test func loginCommandMinValidFlagWinsOverEnvironment() {
    var environment = loginEnvironment
    environment["UPX_MIN_VALID"] = "1m"
    let (keyring, _) = keyringWithRecord(secondsLeft: 3_600)
    #expect(runLogin(["--print"], keyring: keyring, environment: environment).requestCount == 0)
    #expect(runLogin(["--print", "--min-valid", "30m"], keyring: keyring, environment: environment).requestCount == 0)
    #expect(runLogin(["--print", "--min-valid", "2h"], keyring: keyring, environment: environment).requestCount == 7)
}

@Test func loginCommandNoKeyringStoresNothing() throws {
    let (keyring, _) = keyringWithRecord(secondsLeft: 3_600)
    let (environment, _) = try environmentWithLockFolder()
    let run = runLogin(["--no-keyring", "--print"], keyring: keyring, environment: environment)
    #expect(run.status == 0)
    #expect(run.requestCount == 7)
    #expect(run.output == FakeAccount.accessToken + "\n")
    #expect(storedRecord(keyring)?.accessToken == "cached-token")
    #expect(keyring.keys["upx:default:logins"] == nil)
    #expect(run.error.contains("not stored (--no-keyring)"))
}

@Test func noKeyringLoginCountedInFile() throws {
    let (environment, folder) = try environmentWithLockFolder()
    #expect(runLogin(["--no-keyring", "--quiet"], environment: environment).status == 0)

    let limit = LoginRateLimit(folder: folder, profile: "default")
    #expect(try limit.recentStarts(at: clockSeconds) == [clockSeconds])
    var status = stat()
    #expect(lstat(folder + "/login-default.limits", &status) == 0)
    #expect(status.st_mode & 0o777 == 0o600)
}

@Test func noKeyringWrongPINStopsNextLogin() throws {
    // A container restarting after each failure has no keyring, and five wrong PINs lock the account.
    let (environment, _) = try environmentWithLockFolder()
    let server = wrongPINServer()
    #expect(runLogin(["--no-keyring"], server: server, environment: environment).status == 4)

    let again = runLogin(["--no-keyring"], server: server, environment: environment)
    #expect(again.status == 7)
    #expect(again.requestCount == 0)
    #expect(again.error.contains("Upstox rejected the PIN of profile default (1017106) at "))
    #expect(runLogin(["--no-keyring", "--force", "--quiet"], environment: environment).status == 0)
    #expect(runLogin(["--no-keyring", "--quiet"], environment: environment).status == 0)
}

@Test func limitFileUnreadableRejected() throws {
    let (environment, folder) = try environmentWithLockFolder()
    #expect(mkdir(folder + "/login-default.limits", 0o700) == 0)

    let run = runLogin(["--no-keyring", "--print"], environment: environment)
    #expect(run.status == 3)
    #expect(run.requestCount == 0)
    #expect(run.output.isEmpty)
    #expect(run.error.hasPrefix("upx-login: cannot keep the login count of a --no-keyring login in \(folder)/login-default.limits: "))
}

@Test(arguments: [["--no-keyring", "--keyring", "user"], ["--status", "--purge"], ["--no-keyring", "--status"]])
func loginCommandConflictingActions(_ arguments: [String]) {
    let run = runLogin(arguments)
    #expect(run.status == 2)
    #expect(run.requestCount == 0)
}

@Test func loginCommandClientSecretLineBreakRejectedFirst() {
    var environment = loginEnvironment
    environment["UPSTOX_CLIENT_SECRET"] = "secret\nmore"
    let run = runLogin(["--print"], environment: environment)
    #expect(run.status == 3)
    #expect(run.requestCount == 0)
    #expect(run.error.contains("UPSTOX_CLIENT_SECRET"))
    #expect(!run.error.contains("secret\nmore"))
}

@Test func loginCommandUnknownKeyring() {
    let run = runLogin(["--keyring", "thread"])
    #expect(run.status == 2)
    #expect(run.error.contains("expected user, persistent or session"))
}

// MARK: - Status and purge

@Test func statusShowsRecordWithoutToken() {
    let (keyring, _) = keyringWithRecord(secondsLeft: 3_600, token: "secret-token-text")
    let run = runLogin(["--status"], keyring: keyring)
    #expect(run.status == 0)
    #expect(!run.output.contains("secret-token-text"))
    #expect(run.output.contains("profile:  default\n"))
    #expect(run.output.contains("user:     Cached User (CACHED1)\n"))
    #expect(run.output.contains("status:   valid for 1h\n"))
    #expect(run.requestCount == 0)
}

@Test(arguments: [(Int64(3_600), ["--status"], Int32(0)), (120, ["--status"], 0), (120, ["--status", "--min-valid", "5m"], 1),
                  (-60, ["--status"], 1)] as [(Int64, [String], Int32)])
func statusExitStatus(secondsLeft: Int64, arguments: [String], status: Int32) {
    let (keyring, _) = keyringWithRecord(secondsLeft: secondsLeft)
    #expect(runLogin(arguments, keyring: keyring).status == status)
}

@Test func statusJSONHasNoToken() throws {
    let (keyring, record) = keyringWithRecord(secondsLeft: 120, token: "secret-token-text")
    let run = runLogin(["--status", "--json"], keyring: keyring)
    #expect(run.status == 0)
    #expect(!run.output.contains("secret-token-text"))
    let object = try #require(JSONValue.parse(Array(run.output.utf8)))
    #expect(object["state"] == .string("expiring"))
    #expect(object["valid"] == .bool(true))
    #expect(object["expires_at"] == .number(Double(record.expiresAt)))
    #expect(object["user_id"] == .string("CACHED1"))
    #expect(object["recent_logins"] == .number(0))
    #expect(object.object?["access_token"] == nil)
}

@Test(arguments: [
    ["--status", "--print"], ["--status", "--export"], ["--purge", "--json"], ["--status", "exec", "true"],
    ["--purge", "--profile", "desk"], ["--purge", "--keyring", "user"], ["--status", "--force"],
    ["--status", "--verify-online"], ["--list-profiles", "-P", "desk"],
])
func statusAndPurgeRejectOutput(_ arguments: [String]) {
    let run = runLogin(arguments)
    #expect(run.status == 2)
    #expect(run.output.isEmpty)
}

@Test func statusWithoutTokenExitsOne() {
    let run = runLogin(["--status", "-P", "empty"])
    #expect(run.status == 1)
    #expect(run.output.contains("status:   no cached token"))
}

@Test func listProfilesShowsTokenKeysOnly() throws {
    let (keyring, _) = keyringWithRecord(secondsLeft: 3_600)
    _ = try keyring.store(name: "upx:counted:logins", payload: [], timeoutSeconds: 1)
    var environment = loginEnvironment
    environment["XDG_CONFIG_HOME"] = "/nonexistent-upx-test"
    let run = runLogin(["--list-profiles"], keyring: keyring, environment: environment)
    #expect(run.status == 0)
    #expect(run.output == "default  (no env file)  token of CACHED1 valid for 1h\n")
}

@Test func purgeRemovesEveryUpxKey() throws {
    let (keyring, _) = keyringWithRecord(secondsLeft: 3_600)
    _ = try keyring.store(name: "upx:desk:logins", payload: [], timeoutSeconds: 1)
    _ = try keyring.store(name: "other:key", payload: [], timeoutSeconds: 1)
    let run = runLogin(["--purge"], keyring: keyring)
    #expect(run.status == 0)
    #expect(keyring.keys.keys.sorted() == ["other:key"])
    #expect(run.error.contains("upx-login: removed key upx:default (id "))
    #expect(run.error.contains("upx-login: removed key upx:desk:logins (id "))
}

// MARK: - Audit trail

@Test func auditFieldsArePlainWords() {
    var event = AuditEvent(outcome: "failure", profile: "desk", keyring: "user")
    event.userID = "7AB 123\n; rm"
    event.expiresAt = clockSeconds
    event.exitStatus = 4
    event.errorCode = "1017106"
    #expect(event.fields
        == "outcome=failure profile=desk keyring=user user=7AB_123___rm expires=2026-03-10T00:00:00Z exit=4 code=1017106")
}

@Test func auditFileGetsLoginAndFailure() throws {
    let folder = try temporaryFolder()
    let path = folder + "/audit.log"
    #expect(runLogin(["--audit-log", path, "--quiet"]).status == 0)
    var server = FakeUpstox()
    server.overrides[FakeUpstox.pinRoute(.r2026)] = jsonReply(
        200, #"{"success":false,"error":{"code":"1017106","message":"Incorrect PIN"}}"#)
    #expect(runLogin(["--audit-log", path, "--force"], server: server).status == 4)

    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0].contains(" outcome=login profile=default keyring=user user=\(FakeAccount.userID) expires="))
    #expect(lines[0].contains(" request=WPRO-"))
    #expect(lines[1].contains(" outcome=failure profile=default keyring=user request=WPRO-"))
    #expect(lines[1].hasSuffix(" exit=4 code=1017106"))
    #expect(!lines.joined().contains(FakeAccount.pin))
    var status = stat()
    #expect(stat(path, &status) == 0)
    #expect(status.st_mode & 0o777 == 0o600)
}

@Test func auditFileOpenToOthersRejectedFirst() throws {
    let folder = try temporaryFolder()
    let path = folder + "/audit.log"
    #expect(creat(path, 0o644) >= 0)
    #expect(chmod(path, 0o644) == 0)
    let run = runLogin(["--audit-log", path])
    #expect(run.status == 3)
    #expect(run.requestCount == 0)
    #expect(run.error == "upx-login: cannot append to the audit log \(path): mode 644 lets other users at it (run: upx-perm --fix \(path))\n")
}

@Test func auditFileSymbolicLinkRejected() throws {
    let folder = try temporaryFolder()
    #expect(symlink(folder + "/target", folder + "/link") == 0)
    let run = runLogin(["--audit-log", folder + "/link"])
    #expect(run.status == 3)
    #expect(run.error.hasSuffix(": it is a symbolic link (name the file it points to)\n"))
}

@Test func auditFileEmptyNameIsUsageError() {
    #expect(runLogin(["--audit-log", ""]).status == 2)
}

/// A keyring in memory whose stores fail with EDQUOT once `storesLeft` have been made.
private final class FillingKeyring: KeyringStore {
    private let keys = MemoryKeyring()
    private var storesLeft: Int

    init(storesLeft: Int) {
        self.storesLeft = storesLeft
    }

    func store(name: String, payload: [UInt8], timeoutSeconds: UInt32) throws -> Int32 {
        guard storesLeft > 0 else { throw KeyringError(operation: "add", keyName: name, errorNumber: EDQUOT) }
        storesLeft -= 1
        return try keys.store(name: name, payload: payload, timeoutSeconds: timeoutSeconds)
    }

    func read(name: String) throws -> [UInt8]? { try keys.read(name: name) }

    func remove(name: String) throws -> Bool { try keys.remove(name: name) }

    func keyID(name: String) throws -> Int32? { try keys.keyID(name: name) }

    func list(prefix: String) throws -> [KeyringEntry] { try keys.list(prefix: prefix) }

    func unlink(_ entry: KeyringEntry) throws { try keys.unlink(entry) }
}

private func temporaryFolder() throws -> String {
    var template = Array("/tmp/upx-audit-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw FolderNotMade() }
    return String(cString: made)
}

private struct FolderNotMade: Error {}
