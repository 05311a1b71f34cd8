// Looking settings up through every source, in order: environment, NAME_FILE, NAME_CMD,
// systemd credentials, env files; and the --check-config report.

import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// Makes a configuration over `environment` in a fresh working directory whose config folder
/// is `home/.config/upx`, so no file of the machine's user is read.
private func makeConfiguration(
    _ environment: [String: String], profile: String = "default", envFileOption: String? = nil,
    in directory: TemporaryDirectory
) throws -> Configuration {
    var full = environment
    full["HOME"] = directory.path + "/home"
    let context = Context(
        environment: full, clock: FixedClock(unixSeconds: 0),
        streams: Streams(out: { _ in }, err: { _ in }, readInput: { nil }), keyring: MemoryKeyring(),
        makeTransport: { FakeTransport(routes: [:]) }, workingDirectory: directory.path)
    return try Configuration(context: context, profile: profile, envFileOption: envFileOption)
}

/// Creates `home/.config/upx/NAME.env` with mode 0600.
private func makeProfileFile(_ name: String, _ text: String, in directory: TemporaryDirectory) {
    mkdir(directory.path + "/home", 0o700)
    mkdir(directory.path + "/home/.config", 0o700)
    mkdir(directory.path + "/home/.config/upx", 0o700)
    directory.makeFile("home/.config/upx/\(name).env", mode: 0o600, text: text)
}

@Test func configurationEnvironmentFirst() throws {
    let directory = TemporaryDirectory()
    let pinFile = directory.makeFile("pin", mode: 0o600, text: "111111\n")
    let configuration = try makeConfiguration(
        ["UPSTOX_PIN_CODE": "222222", "UPSTOX_PIN_CODE_FILE": pinFile, "UPSTOX_PIN_CODE_CMD": "echo 333333"],
        in: directory)

    let found = try configuration.required("UPSTOX_PIN_CODE")
    #expect(found.value == "222222")
    #expect(found.source == "the environment")
}

@Test func configurationFileBeforeCommand() throws {
    let directory = TemporaryDirectory()
    let pinFile = directory.makeFile("pin", mode: 0o600, text: "111111\r\n")
    let configuration = try makeConfiguration(
        ["UPSTOX_PIN_CODE_FILE": pinFile, "UPSTOX_PIN_CODE_CMD": "echo 333333"], in: directory)

    let found = try configuration.required("UPSTOX_PIN_CODE")
    #expect(found.value == "111111")
    #expect(found.source == "UPSTOX_PIN_CODE_FILE (\(pinFile))")
}

@Test func configurationRelativeFilePath() throws {
    let directory = TemporaryDirectory()
    directory.makeFile("pin", mode: 0o600, text: "111111")
    let configuration = try makeConfiguration(["UPSTOX_PIN_CODE_FILE": "pin"], in: directory)
    #expect(try configuration.required("UPSTOX_PIN_CODE").value == "111111")
}

@Test func configurationCommandBeforeSystemd() throws {
    let directory = TemporaryDirectory()
    mkdir(directory.path + "/credentials", 0o700)
    directory.makeFile("credentials/UPSTOX_PIN_CODE", mode: 0o400, text: "444444")
    let configuration = try makeConfiguration(
        ["UPSTOX_PIN_CODE_CMD": "echo 333333", "CREDENTIALS_DIRECTORY": directory.path + "/credentials"], in: directory)

    let found = try configuration.required("UPSTOX_PIN_CODE")
    #expect(found.value == "333333")
    #expect(found.source == "UPSTOX_PIN_CODE_CMD")
}

@Test func configurationSystemdBeforeEnvFile() throws {
    let directory = TemporaryDirectory()
    mkdir(directory.path + "/credentials", 0o700)
    let credential = directory.makeFile("credentials/UPSTOX_PIN_CODE", mode: 0o400, text: "444444\n")
    directory.makeFile(".env", mode: 0o600, text: "UPSTOX_PIN_CODE=555555\n")
    let configuration = try makeConfiguration(["CREDENTIALS_DIRECTORY": directory.path + "/credentials"], in: directory)

    let found = try configuration.required("UPSTOX_PIN_CODE")
    #expect(found.value == "444444")
    #expect(found.source == credential)
}

@Test func configurationProfileFileBeforeWorkingDirectory() throws {
    let directory = TemporaryDirectory()
    makeProfileFile("default", "UPSTOX_PIN_CODE=666666\n", in: directory)
    directory.makeFile(".env", mode: 0o600, text: "UPSTOX_PIN_CODE=555555\nUPSTOX_USERNAME=9876543210\n")
    let configuration = try makeConfiguration([:], in: directory)

    #expect(try configuration.required("UPSTOX_PIN_CODE").value == "666666")
    #expect(try configuration.required("UPSTOX_USERNAME").value == "9876543210")
    #expect(try configuration.required("UPSTOX_USERNAME").source == directory.path + "/.env")
}

@Test func configurationNamedProfileSkipsWorkingDirectory() throws {
    let directory = TemporaryDirectory()
    makeProfileFile("work", "UPSTOX_PIN_CODE=777777\n", in: directory)
    directory.makeFile(".env", mode: 0o600, text: "UPSTOX_USERNAME=9876543210\n")
    let configuration = try makeConfiguration([:], profile: "work", in: directory)

    #expect(try configuration.required("UPSTOX_PIN_CODE").value == "777777")
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_USERNAME") }
    #expect(error == .missing(name: "UPSTOX_USERNAME", places: [directory.path + "/home/.config/upx/work.env"]))
}

@Test func configurationEnvFileOptionReplacesProfile() throws {
    let directory = TemporaryDirectory()
    makeProfileFile("default", "UPSTOX_PIN_CODE=666666\n", in: directory)
    let chosen = directory.makeFile("chosen.env", mode: 0o600, text: "UPSTOX_PIN_CODE=888888\n")
    let byOption = try makeConfiguration(["UPSTOX_ENV_FILE": "/nonexistent"], envFileOption: "chosen.env", in: directory)
    let byVariable = try makeConfiguration(["UPSTOX_ENV_FILE": chosen], in: directory)

    #expect(try byOption.required("UPSTOX_PIN_CODE").source == chosen)
    #expect(try byVariable.required("UPSTOX_PIN_CODE").value == "888888")
}

@Test func configurationMissingEnvFileOption() throws {
    let directory = TemporaryDirectory()
    let configuration = try makeConfiguration([:], envFileOption: "absent.env", in: directory)
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_PIN_CODE") }
    #expect(error.message == "cannot read \(directory.path)/absent.env: no such file (named by --env-file)")
}

@Test func configurationFileAndCommandInEnvFile() throws {
    let directory = TemporaryDirectory()
    directory.makeFile("pin", mode: 0o600, text: "999999\n")
    directory.makeFile(".env", mode: 0o600, text: "UPSTOX_PIN_CODE_FILE=pin\nUPSTOX_CLIENT_SECRET_CMD='printf s3cret'\n")
    let configuration = try makeConfiguration([:], in: directory)

    #expect(try configuration.required("UPSTOX_PIN_CODE").value == "999999")
    #expect(try configuration.required("UPSTOX_CLIENT_SECRET").value == "s3cret")
    #expect(try configuration.required("UPSTOX_CLIENT_SECRET").source == "UPSTOX_CLIENT_SECRET_CMD")
}

@Test func configurationOptionalSkipsWorkingDirectoryFile() throws {
    let directory = TemporaryDirectory()
    // Mode 0644 makes reading the file an error, so a lookup that opened it would throw.
    directory.makeFile(".env", mode: 0o644, text: "UPSTOX_SLEEP_TIME=10\n")
    let configuration = try makeConfiguration([:], in: directory)

    #expect(try configuration.value("UPSTOX_SLEEP_TIME") == nil)
    #expect(throws: CredentialError.self) { try configuration.required("UPSTOX_PIN_CODE") }
}

@Test func configurationCommandGetsNoCredentials() throws {
    let directory = TemporaryDirectory()
    let configuration = try makeConfiguration(
        ["UPSTOX_PIN_CODE": "123456", "UPSTOX_TOTP_SECRET": "JBSWY3DPEHPK3PXP", "KEEP": "kept",
         "UPSTOX_CLIENT_SECRET_CMD": #"env | grep -c '^UPSTOX_' || true; printf %s "$KEEP""#],
        in: directory)
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_CLIENT_SECRET") }
    // Two lines: the count of UPSTOX_ variables (0), then KEEP's value.
    #expect(error == .invalid(
        name: "UPSTOX_CLIENT_SECRET", source: "UPSTOX_CLIENT_SECRET_CMD",
        reason: "it holds more than one line; keep only the value"))

    let counted = try makeConfiguration(
        ["UPSTOX_PIN_CODE": "123456", "UPSTOX_CLIENT_SECRET_CMD": #"env | grep -c '^UPSTOX_' || true"#], in: directory)
    #expect(try counted.required("UPSTOX_CLIENT_SECRET").value == "0")
}

@Test func configurationCommandFailureStatus() throws {
    let directory = TemporaryDirectory()
    let configuration = try makeConfiguration(["UPSTOX_PIN_CODE_CMD": "exit 4"], in: directory)
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_PIN_CODE") }
    #expect(error.message == "UPSTOX_PIN_CODE_CMD failed: it exited with status 4 (run it by hand to see why)")
}

@Test func configurationCommandTimeout() throws {
    let directory = TemporaryDirectory()
    let configuration = try makeConfiguration(
        ["UPSTOX_PIN_CODE_CMD": "sleep 30 & sleep 30", "UPX_CMD_TIMEOUT": "0.3"], in: directory)
    let stopwatch = Stopwatch()
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_PIN_CODE") }
    #expect(error.message.hasPrefix("UPSTOX_PIN_CODE_CMD failed: it did not finish within 0.3 s"))
    // The whole process group is killed, so the background sleep does not hold the pipe open.
    #expect(stopwatch.elapsedMilliseconds < 10_000)
}

@Test(arguments: ["0", "-1", "soon", "4000"])
func configurationInvalidTimeout(_ value: String) throws {
    let directory = TemporaryDirectory()
    #expect(throws: CredentialError.self) { try makeConfiguration(["UPX_CMD_TIMEOUT": value], in: directory) }
}

@Test func configurationUnsafeSecretFileRejected() throws {
    let directory = TemporaryDirectory()
    let pinFile = directory.makeFile("pin", mode: 0o640, text: "111111")
    let configuration = try makeConfiguration(["UPSTOX_PIN_CODE_FILE": pinFile], in: directory)
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_PIN_CODE") }
    #expect(error.message.hasPrefix("cannot use \(pinFile): mode 0640"))
    #expect(error.message.hasSuffix("(run: upx-perm --fix \(pinFile))"))
}

@Test func configurationSymlinkToUnsafeFileRejected() throws {
    let directory = TemporaryDirectory()
    let target = directory.makeFile("target.env", mode: 0o604, text: "UPSTOX_PIN_CODE=111111\n")
    symlink(target, directory.path + "/.env")
    let configuration = try makeConfiguration([:], in: directory)
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_PIN_CODE") }
    #expect(error.message.contains("mode 0604"))
}

@Test func configurationMissingFileNamedByVariable() throws {
    let directory = TemporaryDirectory()
    let configuration = try makeConfiguration(["UPSTOX_PIN_CODE_FILE": "/nonexistent/pin"], in: directory)
    let error = try #require(throws: CredentialError.self) { try configuration.required("UPSTOX_PIN_CODE") }
    #expect(error.message == "cannot read /nonexistent/pin: no such file (named by UPSTOX_PIN_CODE_FILE)")
}

// MARK: - Profiles

@Test func profilesListedSorted() {
    let directory = TemporaryDirectory()
    makeProfileFile("work", "", in: directory)
    makeProfileFile("alpha", "", in: directory)
    directory.makeFile("home/.config/upx/notes.txt", mode: 0o600)
    directory.makeFile("home/.config/upx/-bad.env", mode: 0o600)
    #expect(Profiles.listed(["HOME": directory.path + "/home"]) == ["alpha", "work"])
}

@Test func profilesConfigFolderFromXDG() {
    #expect(Profiles.configFolder(["XDG_CONFIG_HOME": "/cfg", "HOME": "/home/u"]) == "/cfg/upx")
    #expect(Profiles.configFolder(["XDG_CONFIG_HOME": "relative", "HOME": "/home/u"]) == "/home/u/.config/upx")
}

// MARK: - --check-config

@Test func checkConfigMasksValues() {
    #expect(ConfigCheck.masked("9876543210", .ends) == "98******10")
    #expect(ConfigCheck.masked("482913", .length) == "<6 characters>")
    #expect(ConfigCheck.masked("e2e-client-7f3a", .start) == "e2e-... <15 characters>")
    #expect(ConfigCheck.masked("short", .start) == "<5 characters>")
    #expect(ConfigCheck.masked("http://127.0.0.1:9/callback", .whole) == "http://127.0.0.1:9/callback")
}

@Test func checkConfigReportsEachSetting() throws {
    let directory = TemporaryDirectory()
    let configuration = try makeConfiguration(
        ["UPSTOX_USERNAME": "9876543210", "UPSTOX_PIN_CODE": "48291", "UPSTOX_TOTP_SECRET": "JBSWY3DPEHPK3PXP",
         "UPSTOX_CLIENT_ID": "e2e-client-7f3a", "UPSTOX_REDIRECT_URI": "http://127.0.0.1:9/callback",
         "UPSTOX_PASSWORD": "hunter2", "UPSTOX_SLEEP_TIME": "250"],
        in: directory)
    var output = ""
    let streams = Streams(out: { output += $0 }, err: { _ in }, readInput: { nil })
    let usable = ConfigCheck(configuration: configuration, profile: "default", keyName: "upx:default")
        .run(keyring: MemoryKeyring(), streams: streams)
    let lines = output.split(separator: "\n").map(String.init)

    #expect(usable == false)
    #expect(lines.first?.hasPrefix("profile default; env files: ") == true)
    let row = { (name: String) in lines.first { $0.hasPrefix(name + " ") } ?? "" }
    #expect(row("UPSTOX_USERNAME").contains(" ok "))
    #expect(row("UPSTOX_USERNAME").contains("98******10"))
    #expect(row("UPSTOX_PIN_CODE").contains(" invalid "))
    #expect(row("UPSTOX_PIN_CODE").contains("expected 6 digits"))
    #expect(row("UPSTOX_CLIENT_SECRET").contains(" missing "))
    #expect(row("UPSTOX_PASSWORD").contains(" unused "))
    #expect(row("UPSTOX_PASSWORD").contains("<7 characters>"))
    #expect(row("UPSTOX_SLEEP_TIME").contains(" ok "))
    #expect(row("keyring").contains(" ok "))
    #expect(lines.contains { $0.hasPrefix("UPSTOX_DEBUG") } == false)
    #expect(output.contains("48291") == false)
    #expect(output.contains("hunter2") == false)
    #expect(output.contains("JBSWY3DP") == false)
}
