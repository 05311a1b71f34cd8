// upx-totp and upx-perm run in-process through ToolRunner, with captured streams and a fixed clock.

import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// What one in-process run of a tool left behind.
struct ToolRun {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a tool's body through `ToolRunner` with an injected environment, clock, folder and standard input.
func runTool(
    _ info: ToolInfo, _ body: (ParsedArguments, Context) throws -> ExitCode, _ arguments: [String],
    environment: [String: String] = [:], clock: any WallClock = FixedClock(unixSeconds: 1_700_000_000),
    workingDirectory: String = "/nonexistent-upx-test", input: String? = nil, errorIsTerminal: Bool = false
) -> ToolRun {
    var output = ""
    var error = ""
    let streams = Streams(
        out: { output += $0 }, err: { error += $0 }, readInput: { input.map { Array($0.utf8) } },
        errorIsTerminal: errorIsTerminal)
    let context = Context(
        environment: environment, clock: clock, streams: streams, keyring: MemoryKeyring(),
        makeTransport: { CurlTransport() }, workingDirectory: workingDirectory)
    let status = ToolRunner.run(info, arguments: arguments, context: context, body: body)
    return ToolRun(status: status, output: output, error: error)
}

/// The base32 form of the RFC 6238 SHA-1 key "12345678901234567890".
private let rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

private func totp(_ arguments: [String], environment: [String: String] = ["UPSTOX_TOTP_SECRET": rfcSecret],
                  workingDirectory: String = "/nonexistent-upx-test", input: String? = nil,
                  errorIsTerminal: Bool = false, clockSynchronised: Bool? = true) -> ToolRun {
    let status = FixedClockStatus(synchronised: clockSynchronised)
    return runTool(TOTPCommand.info, { try TOTPCommand.run($0, $1, clockStatus: status) }, arguments, environment: environment, clock: FixedClock(unixSeconds: 59),
            workingDirectory: workingDirectory, input: input, errorIsTerminal: errorIsTerminal)
}

private func perm(_ arguments: [String], in directory: String, errorIsTerminal: Bool = false) -> ToolRun {
    runTool(PermissionCommand.info, PermissionCommand.run, arguments, workingDirectory: directory,
            errorIsTerminal: errorIsTerminal)
}

// MARK: - upx-totp

@Test func totpCommandHelpHasExitTable() {
    let run = totp(["--help"])
    #expect(run.status == 0)
    #expect(run.output.contains(ExitCode.helpTable))
    #expect(run.output.contains("--secret-file PATH"))
}

@Test func totpCommandUnknownOption() {
    let run = totp(["--bogus"])
    #expect(run.status == 2)
    #expect(run.error == "upx-totp: unknown option '--bogus' (see 'upx-totp --help')\n")
}

@Test func totpCommandClockTime() {
    let run = totp([])
    #expect(run.status == 0)
    #expect(run.output == "287082\n")
    #expect(run.error.isEmpty)
}

@Test func totpCommandAtOverridesClock() {
    #expect(totp(["--at", "1111111109", "--digits", "8"]).output == "07081804\n")
}

@Test func totpCommandSHA256() {
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
    let run = totp(["-a", "SHA256", "-d8"], environment: ["UPSTOX_TOTP_SECRET": secret])
    #expect(run.output == "46119246\n")
}

@Test func totpCommandPeriod() {
    // At T=59 with a 60-second period the step is 0, which RFC 4226 codes as 755224.
    #expect(totp(["--period", "60"]).output == "755224\n")
}

@Test func totpCommandStandardInput() {
    let run = totp(["-"], environment: [:], input: "gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n")
    #expect(run.output == "287082\n")
}

@Test func totpCommandSecretFile() throws {
    let directory = TemporaryDirectory()
    directory.makeFile("totp.key", mode: 0o600, text: rfcSecret + "\n")
    let run = totp(["--secret-file", "totp.key"], environment: [:], workingDirectory: directory.path)
    #expect(run.output == "287082\n")
}

@Test func totpCommandLooseSecretFileRejected() throws {
    let directory = TemporaryDirectory()
    directory.makeFile("totp.key", mode: 0o644, text: rfcSecret)
    let run = totp(["--secret-file", "totp.key"], environment: [:], workingDirectory: directory.path)
    #expect(run.status == 3)
    #expect(run.output.isEmpty)
}

@Test func totpCommandDotEnvSecret() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600, text: "UPSTOX_TOTP_SECRET=\(rfcSecret)\n")
    #expect(totp([], environment: [:], workingDirectory: directory.path).output == "287082\n")
}

@Test func totpCommandEnvironmentWins() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600, text: "UPSTOX_TOTP_SECRET=MZXW6YTBOI\n")
    #expect(totp([], workingDirectory: directory.path).output == "287082\n")
}

@Test func totpCommandMissingSecret() {
    let run = totp([], environment: [:])
    #expect(run.status == 3)
    #expect(run.error.hasPrefix("upx-totp: missing credential UPSTOX_TOTP_SECRET: set it, UPSTOX_TOTP_SECRET_FILE"))
    #expect(run.error.hasSuffix("/.env (upx-login --check-config lists every source)\n"))
}

@Test func totpCommandInvalidSecretNamesSource() {
    let run = totp([], environment: ["UPSTOX_TOTP_SECRET": "MZXW1YTB"])
    #expect(run.status == 3)
    #expect(run.error.hasPrefix("upx-totp: invalid UPSTOX_TOTP_SECRET from the environment: character '1' at position 5"))
    #expect(!run.error.contains("MZXW"))
}

@Test func totpCommandSecretOperandWarns() {
    let run = totp([rfcSecret], environment: [:])
    #expect(run.status == 0)
    #expect(run.output == "287082\n")
    #expect(run.error.hasPrefix("upx-totp: warning: other local users can read a secret given as an argument"))
}

@Test func totpCommandTwoOperandsRejected() {
    let run = totp([rfcSecret, rfcSecret])
    #expect(run.status == 2)
    #expect(!run.error.contains("GEZD"))
}

@Test func totpCommandOperandAndFileConflict() {
    let run = totp([rfcSecret, "--secret-file", "x"])
    #expect(run.status == 2)
    #expect(!run.error.contains("GEZD"))
}

@Test func totpCommandSecretFileVariable() {
    let directory = TemporaryDirectory()
    directory.makeFile("totp.key", mode: 0o600, text: rfcSecret + "\n")
    let run = totp([], environment: ["UPSTOX_TOTP_SECRET_FILE": "totp.key"], workingDirectory: directory.path)
    #expect(run.output == "287082\n")
}

@Test func totpCommandSecretVariableBeatsFileVariable() {
    let run = totp([], environment: ["UPSTOX_TOTP_SECRET": rfcSecret, "UPSTOX_TOTP_SECRET_FILE": "/nonexistent"])
    #expect(run.output == "287082\n")
}

@Test func totpCommandSecretFileBeatsEnvironment() {
    let directory = TemporaryDirectory()
    directory.makeFile("totp.key", mode: 0o600, text: "MZXW6YTBOI======")
    let run = totp(["--secret-file", "totp.key"], workingDirectory: directory.path)
    #expect(run.status == 0)
    #expect(run.output != "287082\n")
}

@Test func totpCommandShortSecretWarns() {
    let run = totp([], environment: ["UPSTOX_TOTP_SECRET": "MZXW6YTBOI"])
    #expect(run.status == 0)
    #expect(run.error == "upx-totp: warning: the UPSTOX_TOTP_SECRET from the environment is 48 bits long; "
        + "RFC 4226 requires at least 128\n")
}

@Test func totpCommandURISecret() {
    let uri = "otpauth://totp/Upstox:AB1234?secret=\(rfcSecret)&digits=8&issuer=Upstox"
    let run = totp(["-"], environment: [:], input: uri + "\n")
    #expect(run.status == 0)
    #expect(run.output == "94287082\n")
}

@Test func totpCommandURIAgreeingOption() {
    let uri = "otpauth://totp/x?secret=\(rfcSecret)&algorithm=SHA1&digits=8"
    #expect(totp(["--digits", "8", "-a", "sha1"], environment: ["UPSTOX_TOTP_SECRET": uri]).output == "94287082\n")
}

@Test func totpCommandURIContradictedByOption() {
    let uri = "otpauth://totp/x?secret=\(rfcSecret)&digits=8"
    let run = totp(["--digits", "6"], environment: ["UPSTOX_TOTP_SECRET": uri])
    #expect(run.status == 2)
    #expect(run.error == "upx-totp: option '--digits 6' contradicts the otpauth URI, which sets digits=8 (drop the option)\n")
}

@Test func totpCommandInvalidURINamesSource() {
    let run = totp([], environment: ["UPSTOX_TOTP_SECRET": "otpauth://totp/x?secret=\(rfcSecret)&period=0"])
    #expect(run.status == 3)
    #expect(run.error.hasPrefix("upx-totp: invalid UPSTOX_TOTP_SECRET from the environment: the otpauth URI is invalid: period '0'"))
    #expect(!run.error.contains("GEZD"))
}

@Test func totpCommandStandardInputAndFileConflict() {
    #expect(totp(["-", "--secret-file", "x"]).status == 2)
}

@Test(arguments: [["--digits", "5"], ["--digits", "eleven"], ["--period", "0"], ["--at", "-1"], ["-a", "md5"]])
func totpCommandInvalidOptionValue(_ arguments: [String]) {
    #expect(totp(arguments).status == 2)
}

@Test func totpCommandRemainingOnTerminal() {
    let run = totp(["--at", "61"], errorIsTerminal: true)
    #expect(run.error == "valid for 29 more seconds\n")
}

@Test func totpCommandAtFractionFloors() {
    #expect(totp(["--at", "1111111109.999", "-d8"]).output == "07081804\n")
}

@Test(arguments: ["2005-03-18T01:58:29Z", "2005-03-18T03:28:29+01:30", "2005-03-18T01:58:29.75Z"])
func totpCommandAtISO8601(_ text: String) {
    #expect(totp(["--at", text, "-d8"]).output == "07081804\n")
}

@Test(arguments: ["yesterday", "2005-03-18", "inf", "nan", "1e300"])
func totpCommandAtInvalid(_ text: String) {
    #expect(totp(["--at", text]).status == 2)
}

@Test func totpCommandEpochShiftsStep() {
    // With T0 = 30 the clock's T = 59 is in step 0.
    #expect(totp(["--epoch", "30"]).output == "755224\n")
}

@Test func totpCommandHOTPCounter() {
    #expect(totp(["--counter", "9"]).output == "520489\n")
}

@Test(arguments: ["--at", "--period", "--epoch"])
func totpCommandHOTPRejectsTimeOption(_ option: String) {
    let run = totp(["--counter", "1", option, "60"])
    #expect(run.status == 2)
    #expect(run.error.contains("'--counter' and '\(option)'"))
}

@Test func totpCommandHOTPURICounter() {
    let uri = "otpauth://hotp/x?secret=\(rfcSecret)&counter=9"
    #expect(totp([], environment: ["UPSTOX_TOTP_SECRET": uri]).output == "520489\n")
}

@Test func totpCommandHOTPURIWithoutCounter() {
    let uri = "otpauth://hotp/x?secret=\(rfcSecret)"
    #expect(totp(["--counter", "9"], environment: ["UPSTOX_TOTP_SECRET": uri]).output == "520489\n")
    #expect(totp([], environment: ["UPSTOX_TOTP_SECRET": uri]).status == 3)
}

@Test func totpCommandCounterContradictsTOTPURI() {
    let uri = "otpauth://totp/x?secret=\(rfcSecret)"
    #expect(totp(["--counter", "9"], environment: ["UPSTOX_TOTP_SECRET": uri]).status == 2)
}

@Test func totpCommandWindow() {
    // Step 1 at T = 59; offset -2 would be step -1, which does not exist.
    let run = totp(["--window", "2"])
    #expect(run.status == 0)
    #expect(run.output == "-1 755224\n+0 287082\n+1 359152\n+2 969429\n")
}

@Test func totpCommandWindowJSON() {
    let run = totp(["--window", "1", "--json"])
    #expect(run.output == #"{"codes":[{"code":"755224","counter":0,"offset":-1},{"code":"287082","counter":1,"offset":0},"#
        + #"{"code":"359152","counter":2,"offset":1}]}"# + "\n")
}

@Test func totpCommandRemaining() {
    #expect(totp(["--remaining"]).output == "1\n")
    #expect(totp(["--remaining", "--at", "61"]).output == "29\n")
}

@Test func totpCommandRemainingJSON() {
    #expect(totp(["--remaining", "--json"]).output == #"{"counter":1,"remaining":1}"# + "\n")
}

@Test func totpCommandRemainingRejectedForHOTP() {
    #expect(totp(["--remaining", "--counter", "1"]).status == 2)
}

@Test func totpCommandNext() {
    #expect(totp(["--next"]).output == "359152\n")
}

@Test func totpCommandNextJSON() {
    #expect(totp(["--next", "--json"]).output == #"{"code":"359152","counter":2,"starts_in":1}"# + "\n")
}

@Test func totpCommandHOTPNextJSON() {
    #expect(totp(["--next", "--json", "--counter", "8"]).output == #"{"code":"520489","counter":9}"# + "\n")
}

@Test func totpCommandCodeJSON() {
    let run = totp(["--json"], errorIsTerminal: true)
    #expect(run.output == #"{"code":"287082","counter":1,"remaining":1}"# + "\n")
    #expect(run.error.isEmpty)
}

@Test(arguments: [("755224", "-1"), ("287082", "+0"), ("359152", "+1")])
func totpCommandVerifyMatch(_ code: String, _ offset: String) {
    let run = totp(["--verify", code])
    #expect(run.status == 0)
    #expect(run.output == offset + "\n")
}

@Test func totpCommandVerifyNoMatch() {
    let run = totp(["--verify", "969429"])
    #expect(run.status == 1)
    #expect(run.output.isEmpty)
    #expect(run.error == "upx-totp: the code does not match any within 1 step of the current one\n")
}

@Test func totpCommandVerifyWiderWindow() {
    #expect(totp(["--verify", "969429", "--window", "2"]).output == "+2\n")
}

@Test func totpCommandVerifyZeroWindow() {
    #expect(totp(["--verify", "359152", "--window", "0"]).status == 1)
    #expect(totp(["--verify", "287082", "--window", "0"]).status == 0)
}

@Test func totpCommandVerifyJSON() {
    #expect(totp(["--verify", "359152", "--json"]).output == #"{"match":true,"offset":1}"# + "\n")
    let miss = totp(["--verify", "000000", "--json"])
    #expect(miss.status == 1)
    #expect(miss.output == #"{"match":false}"# + "\n")
}

@Test(arguments: ["12345", "1234567", "12a456", ""])
func totpCommandVerifyMalformedCode(_ code: String) {
    #expect(totp(["--verify", code]).status == 2)
}

@Test(arguments: [
    ["--next", "--remaining"], ["--window", "1", "--next"], ["--verify", "287082", "--remaining"], ["--watch", "--next"],
    ["--watch", "--counter", "1"],
])
func totpCommandModesConflict(_ arguments: [String]) {
    #expect(totp(arguments).status == 2)
}

@Test func totpCommandUnsynchronisedClockWarns() {
    let run = totp([], clockSynchronised: false)
    #expect(run.status == 0)
    #expect(run.output == "287082\n")
    #expect(run.error.hasPrefix("upx-totp: warning: the kernel reports the system clock as unsynchronised"))
    #expect(run.error.filter { $0 == "\n" }.count == 1)
}

@Test(arguments: [true, nil] as [Bool?])
func totpCommandSynchronisedClockQuiet(_ synchronised: Bool?) {
    #expect(totp([], clockSynchronised: synchronised).error.isEmpty)
}

@Test(arguments: [["--at", "59"], ["--counter", "1"]])
func totpCommandClockStatusIgnoredWithoutClock(_ arguments: [String]) {
    #expect(totp(arguments, clockSynchronised: false).error.isEmpty)
}

@Test func kernelClockStatusAnswers() {
    // The machine's state is unknown to the test; the call itself must succeed.
    #expect(KernelClockStatus().isSynchronised() != nil)
}

// MARK: - upx-perm

@Test func permCommandHelpHasExitTable() {
    let run = perm(["--help"], in: "/")
    #expect(run.status == 0)
    #expect(run.output.contains(ExitCode.helpTable))
    #expect(run.output.contains("--max-age DAYS"))
    for check in PermissionFinding.Check.allCases {
        #expect(run.output.contains("  \(check.rawValue) "), "--help does not describe the check \(check.rawValue)")
    }
}

@Test func permCommandUnknownOption() {
    #expect(perm(["--bogus"], in: "/").status == 2)
}

@Test func permCommandJSONWithQuietRejected() {
    let run = perm(["--json", "--quiet"], in: "/")
    #expect(run.status == 2)
    #expect(run.error == "upx-perm: options '--json' and '--quiet' cannot be used together (see 'upx-perm --help')\n")
}

@Test(arguments: ["-1", "ten", "36501"])
func permCommandInvalidMaxAge(_ value: String) {
    let run = perm(["--max-age", value, "/dev/null"], in: "/")
    #expect(run.status == 2)
    #expect(run.error.contains("invalid value '\(value)' for '--max-age'"))
}

@Test func permCommandCleanFolder() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600)
    let run = perm([], in: directory.path)
    #expect(run.status == 0)
    #expect(run.output.isEmpty)
    #expect(run.error.isEmpty)
}

@Test func permCommandNoCredentialFiles() {
    let directory = TemporaryDirectory()
    let run = perm([], in: directory.path)
    #expect(run.status == 0)
    #expect(run.error == "upx-perm: found no credential files (name the files to check)\n")
}

@Test func permCommandListsFindings() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    directory.makeFile(".env.local", mode: 0o600)
    directory.makeFile(".env.test", mode: 0o660)
    let run = perm([], in: directory.path)
    #expect(run.status == 1)
    let lines = run.output.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.first?.hasPrefix(".env: group and others can read it (regular file, owner ") == true)
    #expect(lines.last?.hasPrefix(".env.test: group can read and write it (regular file, owner ") == true)
}

@Test func permCommandFixes() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    let run = perm(["--fix"], in: directory.path)
    #expect(run.status == 0)
    #expect(run.output == "fixed .env: mode 0644 -> 0600\n")
    #expect(directory.mode(of: ".env") == 0o600)
}

@Test func permCommandQuietPrintsNothing() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    let run = perm(["--quiet", ".env", "/dev/null"], in: directory.path, errorIsTerminal: true)
    #expect(run.status == 1)
    #expect(run.output.isEmpty)
    #expect(run.error.isEmpty)
}

@Test func permCommandJSONOutput() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    let run = perm(["--json", "--fix"], in: directory.path)
    #expect(run.status == 0)
    #expect(run.output.hasSuffix("}\n"))
    #expect(run.output.split(separator: "\n").count == 1)
    let json = try #require(JSONValue.parse(Array(run.output.utf8)))
    #expect(json["changes"] == .array([.string("fixed .env: mode 0644 -> 0600")]))
    #expect(json["findings"].array?.first?["status"] == .string("fixed"))
    #expect(json["exit_status"] == .number(0))
}

@Test func permCommandMissingPath() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    let run = perm(["missing.env", ".env"], in: directory.path)
    #expect(run.status == 3)
    #expect(run.error.hasPrefix("upx-perm: cannot check missing.env: "))
    #expect(run.output.hasPrefix(".env: "))
}

@Test func permCommandDevNullSkipped() {
    let run = perm(["/dev/null"], in: "/")
    #expect(run.status == 0)
    #expect(run.error == "upx-perm: skipping /dev/null: it is a character device, not a regular file or folder\n")
}

@Test func permCommandSummaryOnTerminal() {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o644)
    let run = perm([], in: directory.path, errorIsTerminal: true)
    #expect(run.error == "upx-perm: checked 1 path, 1 finding\n")
}

@Test func permCommandRecursiveSearch() {
    let directory = TemporaryDirectory()
    directory.makeFolder("app")
    directory.makeFile("app/.env", mode: 0o640)
    directory.makeFile("app/readme.md", mode: 0o644)
    let run = perm(["--recursive"], in: directory.path)
    #expect(run.status == 1)
    #expect(run.output.hasPrefix("app/.env: group can read it "))
    #expect(run.output.split(separator: "\n").count == 1)
}
