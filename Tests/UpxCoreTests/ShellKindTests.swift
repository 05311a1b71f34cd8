// The shells --export writes for: names, detection from the parent process, and each
// shell's export command read back by the real shell.

import Foundation
import Testing
@testable import UpxCore

// MARK: - Names

@Test(arguments: [
    ("sh", ShellKind.sh), ("bash", .bash), ("zsh", .zsh), ("fish", .fish), ("csh", .csh), ("tcsh", .csh),
    ("dash", .sh), ("ash", .sh), ("ksh", .sh), ("mksh", .sh),
])
func shellKindOptionValue(_ value: String, _ expected: ShellKind) {
    #expect(ShellKind(optionValue: value) == expected)
}

@Test(arguments: ["", "Bash", "powershell", "fish ", "busybox"])
func shellKindOptionValueRejected(_ value: String) {
    #expect(ShellKind(optionValue: value) == nil)
}

// MARK: - Detection from the parent's name

@Test(arguments: [
    ("sh", ShellKind.sh), ("dash", .sh), ("ash", .sh), ("ksh", .sh), ("mksh", .sh), ("busybox", .sh),
    ("bash", .bash), ("-bash", .bash), ("zsh", .zsh), ("fish", .fish), ("-fish", .fish),
    ("csh", .csh), ("tcsh", .csh), ("-tcsh", .csh),
    ("sudo", .sh), ("env", .sh), ("python3", .sh), ("swift-test", .sh), ("", .sh), ("fishy", .sh),
])
func shellKindFromProcessName(_ name: String, _ expected: ShellKind) {
    #expect(ShellKind.forProcessName(name) == expected)
}

@Test func parentShellParentIDFromStat() {
    #expect(ParentShell.parentProcessID(fromStat: "4242 (upx-login) S 4200 4242 4200 34816 0\n") == 4200)
}

@Test func parentShellParentIDWithParenthesesInName() {
    #expect(ParentShell.parentProcessID(fromStat: "77 (a) (b) c) R 12 77 12 0 -1\n") == 12)
}

@Test(arguments: ["", "4242", "4242 (upx-login)", "4242 (upx-login) S", "4242 (upx-login) S x 1", "1 (init) S 0 1"])
func parentShellMalformedStat(_ text: String) {
    #expect(ParentShell.parentProcessID(fromStat: text) == nil)
}

@Test func parentShellDetectsTestRunnerAsPOSIX() {
    // The test runner's parent is swift-test or a shell that reads POSIX syntax, never fish or csh.
    #expect([ShellKind.sh, .bash, .zsh].contains(ParentShell.detect()))
}

// MARK: - Export commands

@Test(arguments: ShellKind.allCases)
func shellKindDigitsUnquoted(_ shell: ShellKind) throws {
    let command = try #require(shell.exportCommand(name: "N", value: "1773180000"))
    #expect(command.contains(" 1773180000") || command.contains("=1773180000"))
    #expect(!command.contains("'"))
}

@Test func shellKindExportCommandForms() {
    #expect(ShellKind.sh.exportCommand(name: "N", value: "a b") == "export N='a b'\n")
    #expect(ShellKind.bash.exportCommand(name: "N", value: "a b") == "export N='a b'\n")
    #expect(ShellKind.zsh.exportCommand(name: "N", value: "a b") == "export N='a b'\n")
    #expect(ShellKind.fish.exportCommand(name: "N", value: "a b") == "set -gx N 'a b'\n")
    #expect(ShellKind.csh.exportCommand(name: "N", value: "a b") == "setenv N 'a b';\n")
}

@Test func shellKindCshRejectsLineFeed() {
    #expect(ShellKind.csh.exportCommand(name: "N", value: "a\nb") == nil)
}

/// Runs `shell` on a file of export commands, evaluated as --help shows, and returns what
/// `printenv UPX_VALUE` printed then.
private func readBack(_ shell: ShellKind, commands: String) throws -> (status: Int32, output: String, error: String) {
    // fish creates folders in HOME, so each run gets a temporary one.
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("upx-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(at: home) }
    let file = home.appendingPathComponent("commands")
    try Data(commands.utf8).write(to: file)

    let (program, arguments): (String, [String]) = switch shell {
    case .sh: ("/bin/sh", ["-c", #"eval "$(cat "$1")" && printenv UPX_VALUE"#, "sh", file.path])
    case .bash: ("/bin/bash", ["--norc", "--noprofile", "-c", #"eval "$(cat "$1")" && printenv UPX_VALUE"#, "bash", file.path])
    case .zsh: ("/usr/bin/zsh", ["-f", "-c", #"eval "$(cat "$1")" && printenv UPX_VALUE"#, "zsh", file.path])
    case .fish: ("/usr/bin/fish", ["--no-config", "-c", "cat $argv[1] | source; and printenv UPX_VALUE", file.path])
    case .csh: ("/usr/bin/tcsh", ["-f", "-c", "eval \"`cat \(file.path)`\" && printenv UPX_VALUE"])
    }
    guard FileManager.default.isExecutableFile(atPath: program) else {
        throw ShellMissing(program: program)
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": home.path]
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

private struct ShellMissing: Error, CustomStringConvertible {
    let program: String
    var description: String { "\(program) is missing; install it (apt-get install bash zsh fish tcsh) to run the round trips" }
}

@Test(arguments: ShellKind.allCases, awkwardValues + ["a\rb", "\t"])
func shellKindExportRoundTrip(_ shell: ShellKind, _ value: String) throws {
    guard let command = shell.exportCommand(name: "UPX_VALUE", value: value) else {
        #expect(shell == .csh, "no command for \(shell) and \(value.debugDescription)")
        #expect(value.unicodeScalars.contains("\n"), "no command for \(shell) and \(value.debugDescription)")
        return
    }
    let result = try readBack(shell, commands: command)
    #expect(result.status == 0, "stderr: \(result.error)")
    // printenv ends the value with a line feed.
    #expect(result.output == value + "\n")
}
