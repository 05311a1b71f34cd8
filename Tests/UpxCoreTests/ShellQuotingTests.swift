// Quoting for POSIX shells, fish and csh, checked by its exact output and by real shells
// reading it back.

import Foundation
import Testing
@testable import UpxCore

/// Values with every character that means something to a shell, plus empty and non-ASCII text.
let awkwardValues = [
    "it's", "'", "''", "a'b'c", "two words", "  leading and trailing  ", "tab\there",
    "line1\nline2", "trailing newline\n", "\n", "$HOME", "${HOME}", "$(id)", "`id`", #"back\slash"#,
    #"\'"#, "\"double\"", "", "*", "~", "!", "a;b&c|d>e<f", "# not a comment", "naïve ₹ 日本語 🙂",
    // A quote followed by a combining mark is one Swift Character but two scalars to a shell.
    "x'\u{301}; echo injected; '", "!!", "a!b", #"\!"#, #"trailing\"#,
]

/// The shells `posixQuoted` promises to work in. /bin/sh is dash on Debian.
private let shells = ["/bin/sh", "/bin/bash", "/usr/bin/zsh"]

/// Runs `eval "x=QUOTED"` in `shell` and returns what it prints for `x`. The quoted text
/// reaches the shell as `$1`, so only the `eval` interprets the quoting.
private func valueReadBack(by shell: String, from quoted: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: shell)
    process.arguments = ["-c", #"eval "x=$1"; printf %s "$x""#, "_", quoted]
    process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent-upx-test"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Test func shellQuotingPlainWord() {
    #expect(posixQuoted("abc") == "'abc'")
}

@Test func shellQuotingEmpty() {
    #expect(posixQuoted("") == "''")
}

@Test func shellQuotingSingleQuote() {
    #expect(posixQuoted("it's") == #"'it'\''s'"#)
}

@Test func shellQuotingOnlyQuotes() {
    #expect(posixQuoted("''") == #"''\'''\'''"#)
}

@Test func shellQuotingLeavesOthersAlone() {
    #expect(posixQuoted("$x `y` \\ \n") == "'$x `y` \\ \n'")
}

@Test(arguments: shells)
func shellQuotingShellInstalled(_ shell: String) {
    #expect(FileManager.default.isExecutableFile(atPath: shell), "\(shell) is missing; install it to run the round trips")
}

@Test(arguments: shells, awkwardValues)
func shellQuotingRoundTrip(_ shell: String, _ value: String) throws {
    let result = try valueReadBack(by: shell, from: posixQuoted(value))
    #expect(result.status == 0)
    #expect(result.output == value)
}

@Test func shellQuotingCombiningMarkAfterQuote() {
    #expect(posixQuoted("a'\u{301}b") == "'a'\\''\u{301}b'")
}

// MARK: - fish

@Test func fishQuotingPlainWord() {
    #expect(fishQuoted("abc") == "'abc'")
}

@Test func fishQuotingQuoteAndBackslash() {
    #expect(fishQuoted(#"it's a \ b"#) == #"'it\'s a \\ b'"#)
}

@Test func fishQuotingLeavesOthersAlone() {
    #expect(fishQuoted("$x (y) \n \"z\"") == "'$x (y) \n \"z\"'")
}

// MARK: - csh

@Test func cshQuotingPlainWord() {
    #expect(cshQuoted("abc") == "'abc'")
}

@Test func cshQuotingQuoteAndHistory() {
    #expect(cshQuoted("it's!") == #"'it'\''s'\!''"#)
}

@Test func cshQuotingRejectsLineFeed() {
    #expect(cshQuoted("line1\nline2") == nil)
    #expect(cshQuoted("crlf\r\n") == nil)
}

@Test func cshQuotingAcceptsCarriageReturn() {
    #expect(cshQuoted("a\rb") == "'a\rb'")
}
