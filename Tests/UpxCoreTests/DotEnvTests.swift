// Parsing .env files as the Python client's users write them, and reading secret files safely.

import CSystem
import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// Parses `text` as `.env` and returns each entry as `NAME=value`, in file order.
private func entries(_ text: String) throws -> [String] {
    try DotEnvFile.parse(text, path: ".env").entries.map { "\($0.name)=\($0.value)" }
}

// MARK: - DotEnvFile.parse

@Test func dotEnvPlainAssignments() throws {
    #expect(try entries("UPSTOX_USERNAME=9123456780\nUPSTOX_PIN_CODE=1234\n") == [
        "UPSTOX_USERNAME=9123456780", "UPSTOX_PIN_CODE=1234",
    ])
}

@Test func dotEnvExportPrefix() throws {
    #expect(try entries("export UPSTOX_PIN_CODE=1234\nexport   UPSTOX_CLIENT_ID=abc") == [
        "UPSTOX_PIN_CODE=1234", "UPSTOX_CLIENT_ID=abc",
    ])
}

@Test func dotEnvExportAsName() throws {
    #expect(try entries("export=1") == ["export=1"])
}

@Test func dotEnvDoubleQuotes() throws {
    #expect(try entries(#"SECRET="a b # not a comment""#) == ["SECRET=a b # not a comment"])
}

@Test func dotEnvSingleQuotes() throws {
    #expect(try entries("SECRET='it\"s $HOME'") == ["SECRET=it\"s $HOME"])
}

@Test func dotEnvQuoteOfOtherKind() throws {
    #expect(try entries(#"SECRET="it's""#) == ["SECRET=it's"])
}

@Test func dotEnvQuotedValueThenComment() throws {
    #expect(try entries(#"SECRET="value"   # the comment"#) == ["SECRET=value"])
}

@Test func dotEnvEmptyQuotes() throws {
    #expect(try entries("A=\"\"\nB=''") == ["A=", "B="])
}

@Test func dotEnvEmptyValue() throws {
    #expect(try entries("A=\nB=   ") == ["A=", "B="])
}

@Test func dotEnvInlineComment() throws {
    #expect(try entries("UPSTOX_PIN_CODE=1234 # my PIN") == ["UPSTOX_PIN_CODE=1234"])
}

@Test func dotEnvHashWithoutSpaceKept() throws {
    #expect(try entries("UPSTOX_CLIENT_SECRET=abc#def") == ["UPSTOX_CLIENT_SECRET=abc#def"])
}

@Test func dotEnvCommentAndBlankLines() throws {
    let text = """
        # credentials for upx
          # indented comment

        \t
        A=1
        """
    #expect(try entries(text) == ["A=1"])
}

@Test func dotEnvCRLF() throws {
    #expect(try entries("A=1\r\nB=\"two\"\r\n# c\r\nC=3 # c\r\n") == ["A=1", "B=two", "C=3"])
}

@Test func dotEnvByteOrderMark() throws {
    #expect(try entries("\u{FEFF}A=1\nB=2") == ["A=1", "B=2"])
}

@Test func dotEnvByteOrderMarkOnlyAtStart() {
    #expect(throws: CredentialError.malformedFile(path: ".env", line: 2, reason: "invalid variable name")) {
        try entries("A=1\n\u{FEFF}B=2")
    }
}

@Test func dotEnvEqualsInValue() throws {
    #expect(try entries("UPSTOX_CLIENT_SECRET=YWJj==\nURL=https://x/?a=1&b=2") == [
        "UPSTOX_CLIENT_SECRET=YWJj==", "URL=https://x/?a=1&b=2",
    ])
}

@Test func dotEnvSpacesAroundEquals() throws {
    #expect(try entries("  NAME = value  ") == ["NAME=value"])
}

@Test func dotEnvNonASCIIValue() throws {
    #expect(try entries("NAME=naïve ₹") == ["NAME=naïve ₹"])
}

@Test func dotEnvNamesWithDotAndUnderscore() throws {
    #expect(try entries("_private=1\napp.name=2\nA1=3") == ["_private=1", "app.name=2", "A1=3"])
}

@Test func dotEnvLastAssignmentWins() throws {
    let file = try DotEnvFile.parse("A=first\nB=x\nA=second\n", path: ".env")
    #expect(file.value("A") == "second")
    #expect(file.value("B") == "x")
    #expect(file.value("C") == nil)
    #expect(file.path == ".env")
}

@Test func dotEnvEmptyFile() throws {
    #expect(try entries("").isEmpty)
}

@Test func dotEnvMissingEquals() {
    #expect(throws: CredentialError.malformedFile(path: ".env", line: 3, reason: "expected NAME=value")) {
        try entries("A=1\n# comment\njust some text\nB=2")
    }
}

@Test func dotEnvMissingEqualsLineCountsCRLF() {
    #expect(throws: CredentialError.malformedFile(path: ".env", line: 2, reason: "expected NAME=value")) {
        try entries("A=1\r\noops\r\n")
    }
}

@Test(arguments: ["1NAME=x", "NA-ME=x", "=x", "NA ME=x", "ÄB=x", "export =x"])
func dotEnvInvalidName(_ line: String) {
    #expect(throws: CredentialError.malformedFile(path: ".env", line: 1, reason: "invalid variable name")) {
        try entries(line)
    }
}

@Test func dotEnvUnterminatedDoubleQuote() {
    #expect(throws: CredentialError.malformedFile(path: ".env", line: 2, reason: "unterminated \" quote")) {
        try entries("A=1\nB=\"abc\nC=3")
    }
}

@Test func dotEnvUnterminatedSingleQuote() {
    #expect(throws: CredentialError.malformedFile(path: ".env", line: 1, reason: "unterminated ' quote")) {
        try entries("B='abc")
    }
}

@Test func dotEnvMalformedMessage() {
    let error = CredentialError.malformedFile(path: "/home/me/.env", line: 7, reason: "expected NAME=value")
    #expect(error.message == "/home/me/.env:7: expected NAME=value")
    #expect(error.exitCode == .badInput)
}

// MARK: - SecureFile

@Test func secretFileOwnerOnlyAccepted() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o600, text: "A=1\n")
    #expect(try SecureFile.readSecretFile(at: path) == Array("A=1\n".utf8))
}

@Test(arguments: [0o400, 0o700] as [mode_t])
func secretFileOwnerOnlyModesAccepted(_ mode: mode_t) throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: mode, text: "A=1\n")
    #expect(try SecureFile.readSecretFile(at: path) != nil)
}

@Test func secretFileMissingIsNil() throws {
    let directory = TemporaryDirectory()
    #expect(try SecureFile.readSecretFile(at: directory.path + "/.env") == nil)
}

@Test(arguments: [
    (0o644, "mode 0644 lets group and others read it"), (0o640, "mode 0640 lets group read it"),
    (0o604, "mode 0604 lets others read it"), (0o620, "mode 0620 lets group write it"),
    (0o666, "mode 0666 lets group and others read and write it"),
] as [(mode_t, String)])
func secretFileOpenModeRejected(_ mode: mode_t, _ reason: String) {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: mode)
    #expect(throws: CredentialError.unsafeFile(path: path, reason: reason)) { try SecureFile.readSecretFile(at: path) }
}

@Test func secretFileOpenModeMessageNamesFix() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o644)
    let error = try #require(throws: CredentialError.self) { try SecureFile.readSecretFile(at: path) }
    #expect(error.message == "cannot use \(path): mode 0644 lets group and others read it (run: upx-perm --fix \(path))")
    #expect(error.exitCode == .badInput)
}

@Test func secretFileFixQuotesPath() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile("my env", mode: 0o644)
    let error = try #require(throws: CredentialError.self) { try SecureFile.readSecretFile(at: path) }
    #expect(error.message.hasSuffix("(run: upx-perm --fix '\(path)')"))
}

/// Returns a file of another user and its uid. As root, that is a new file given to `nobody`
/// (uid 65534). Otherwise it is /etc/passwd, which root owns on every Linux system.
private func fileOfAnotherUser(in directory: TemporaryDirectory) -> (path: String, owner: uid_t) {
    guard getuid() == 0 else { return ("/etc/passwd", 0) }
    let path = directory.makeFile(".env", mode: 0o600)
    precondition(chown(path, 65534, 65534) == 0, "chown to nobody failed: errno \(errno)")
    return (path, 65534)
}

@Test func secretFileOtherOwnerRejected() {
    let directory = TemporaryDirectory()
    let (path, owner) = fileOfAnotherUser(in: directory)
    let expected = CredentialError.unusableFile(
        path: path, reason: "it is owned by uid \(owner), not by you",
        remedy: "use a copy of your own with mode 0600, or ask root to chown it to you")
    #expect(throws: expected) { try SecureFile.readSecretFile(at: path) }
}

@Test func secretFileOtherOwnerMessage() throws {
    // upx-perm --fix changes only files the user owns, so the message must not suggest it.
    let directory = TemporaryDirectory()
    let (path, _) = fileOfAnotherUser(in: directory)
    let error = try #require(throws: CredentialError.self) { try SecureFile.readSecretFile(at: path) }
    #expect(error.message.hasPrefix("cannot use \(path): it is owned by uid "))
    #expect(!error.message.contains("upx-perm --fix"))
}

@Test func secretFileDirectoryRejected() {
    let directory = TemporaryDirectory()
    let expected = CredentialError.unusableFile(
        path: directory.path, reason: "it is not a regular file", remedy: "keep the credentials in a regular file")
    #expect(throws: expected) { try SecureFile.readSecretFile(at: directory.path) }
}

@Test(.timeLimit(.minutes(1)))
func secretFileFIFORejectedWithoutBlocking() {
    // Opening a FIFO for reading blocks until a writer comes, unless the open is non-blocking.
    let directory = TemporaryDirectory()
    let path = directory.path + "/.env"
    #expect(mkfifo(path, 0o600) == 0)
    #expect(throws: CredentialError.self) { try SecureFile.readSecretFile(at: path) }
}

@Test func secretFileEnvParsed() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o600, text: "export UPSTOX_PIN_CODE='1234'\r\n")
    let file = try #require(try SecureFile.readEnvFile(at: path))
    #expect(file.value("UPSTOX_PIN_CODE") == "1234")
    #expect(file.path == path)
}

@Test func secretFileEnvMalformedNamesFileAndLine() throws {
    let directory = TemporaryDirectory()
    let path = directory.makeFile(".env", mode: 0o600, text: "A=1\nB\n")
    let error = try #require(throws: CredentialError.self) { try SecureFile.readEnvFile(at: path) }
    #expect(error.message == "\(path):2: expected NAME=value")
}

// MARK: - Configuration

@Test func configurationEnvironmentWinsOverFile() throws {
    let directory = TemporaryDirectory()
    directory.makeFile(".env", mode: 0o600, text: "A=from-file\nB=only-file\n")
    let context = Context(
        environment: ["A": "from-environment"], clock: FixedClock(unixSeconds: 0),
        streams: Streams(out: { _ in }, err: { _ in }, readInput: { nil }), keyring: MemoryKeyring(),
        makeTransport: { FakeTransport(routes: [:]) }, workingDirectory: directory.path)
    let configuration = try Configuration(context: context, profile: "default")

    #expect(try configuration.value("A", required: true)?.value == "from-environment")
    #expect(try configuration.value("A", required: true)?.source == "the environment")
    #expect(try configuration.value("B", required: true)?.value == "only-file")
    #expect(try configuration.value("B", required: true)?.source == directory.path + "/.env")
}
