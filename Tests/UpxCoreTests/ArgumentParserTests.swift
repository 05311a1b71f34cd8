// The GNU-style option parser, the help text built from a tool's options, and the runner's usage errors.

import Testing
@testable import UpxCore

private let sampleOptions = [
    OptionSpec("name", short: "n", value: "VALUE", help: "set the name"),
    OptionSpec("profile", short: "P", value: "NAME", help: "choose a profile"),
    OptionSpec("force", short: "f", help: "do it anyway"),
    OptionSpec("quiet", short: "q", help: "print less"),
    OptionSpec("long-only", help: "a flag without a short form"),
]

private func parse(_ arguments: [String], stopAtFirstOperand: Bool = false) throws(UsageError) -> ParsedArguments {
    try ArgumentParser(options: sampleOptions, stopAtFirstOperand: stopAtFirstOperand).parse(arguments)
}

// MARK: - Values

@Test func argumentsNoArguments() throws {
    #expect(try parse([]) == ParsedArguments())
}

@Test func argumentsLongValueSeparate() throws {
    let parsed = try parse(["--name", "value"])
    #expect(parsed.values["name"] == ["value"])
    #expect(parsed.operands.isEmpty)
}

@Test func argumentsLongValueInline() throws {
    #expect(try parse(["--name=value"]).values["name"] == ["value"])
}

@Test func argumentsLongValueEmptyInline() throws {
    let parsed = try parse(["--name="])
    #expect(parsed.value("name") == "")
    #expect(parsed.has("name"))
}

@Test func argumentsLongValueKeepsLaterEquals() throws {
    #expect(try parse(["--name=a=b"]).value("name") == "a=b")
}

@Test func argumentsLongValueMayStartWithDash() throws {
    let parsed = try parse(["--name", "--force"])
    #expect(parsed.value("name") == "--force")
    #expect(!parsed.has("force"))
}

@Test func argumentsShortValueAttached() throws {
    #expect(try parse(["-Pvalue"]).value("profile") == "value")
}

@Test func argumentsShortValueSeparate() throws {
    #expect(try parse(["-P", "value"]).value("profile") == "value")
}

@Test func argumentsShortValueDash() throws {
    #expect(try parse(["-P", "-"]).value("profile") == "-")
}

@Test func argumentsRepeatedLastWins() throws {
    let parsed = try parse(["--name", "first", "-n", "second", "--name=third"])
    #expect(parsed.value("name") == "third")
    #expect(parsed.values["name"] == ["first", "second", "third"])
}

// MARK: - Flags

@Test func argumentsBundledFlags() throws {
    let parsed = try parse(["-fq"])
    #expect(parsed.flagCounts["force"] == 1)
    #expect(parsed.flagCounts["quiet"] == 1)
}

@Test func argumentsRepeatedFlagCounted() throws {
    #expect(try parse(["-ff", "--force"]).flagCounts["force"] == 3)
}

@Test func argumentsBundleEndsWithValue() throws {
    let parsed = try parse(["-fqPwork"])
    #expect(parsed.has("force"))
    #expect(parsed.has("quiet"))
    #expect(parsed.value("profile") == "work")
}

@Test func argumentsBundleValueSwallowsLetters() throws {
    // Letters after a value-taking short option are its value, not more flags.
    let parsed = try parse(["-Pfq"])
    #expect(parsed.value("profile") == "fq")
    #expect(!parsed.has("force"))
}

@Test func argumentsLongOnlyFlag() throws {
    #expect(try parse(["--long-only"]).has("long-only"))
}

@Test func argumentsAbsentOption() throws {
    let parsed = try parse(["operand"])
    #expect(!parsed.has("force"))
    #expect(parsed.value("name") == nil)
}

// MARK: - Operands

@Test func argumentsDoubleDashEndsOptions() throws {
    let parsed = try parse(["-f", "--", "--quiet", "-", "--name=x"])
    #expect(parsed.operands == ["--quiet", "-", "--name=x"])
    #expect(!parsed.has("quiet"))
    #expect(!parsed.has("name"))
}

@Test func argumentsSecondDoubleDashIsOperand() throws {
    #expect(try parse(["--", "--"]).operands == ["--"])
}

@Test func argumentsDashIsOperand() throws {
    let parsed = try parse(["-", "-f"])
    #expect(parsed.operands == ["-"])
    #expect(parsed.has("force"))
}

@Test func argumentsOptionsAfterOperands() throws {
    let parsed = try parse(["first", "-f", "second"])
    #expect(parsed.operands == ["first", "second"])
    #expect(parsed.has("force"))
}

@Test func argumentsStopAtFirstOperand() throws {
    let parsed = try parse(["-q", "command", "-f", "--name", "x"], stopAtFirstOperand: true)
    #expect(parsed.operands == ["command", "-f", "--name", "x"])
    #expect(parsed.has("quiet"))
    #expect(!parsed.has("force"))
    #expect(!parsed.has("name"))
}

@Test func argumentsStopAtDashOperand() throws {
    #expect(try parse(["-", "-f"], stopAtFirstOperand: true).operands == ["-", "-f"])
}

// MARK: - Usage errors

@Test func argumentsUnknownLongOption() {
    #expect(throws: UsageError.unknownOption("--bogus")) { try parse(["--bogus"]) }
}

@Test func argumentsUnknownLongOptionWithValue() {
    #expect(throws: UsageError.unknownOption("--bogus")) { try parse(["--bogus=1"]) }
}

@Test func argumentsUnknownShortOption() {
    #expect(throws: UsageError.unknownOption("-x")) { try parse(["-x"]) }
}

@Test func argumentsUnknownShortOptionInBundle() {
    #expect(throws: UsageError.unknownOption("-x")) { try parse(["-fxq"]) }
}

@Test func argumentsLongMissingValue() {
    #expect(throws: UsageError.missingValue(option: "--name")) { try parse(["-f", "--name"]) }
}

@Test func argumentsShortMissingValue() {
    #expect(throws: UsageError.missingValue(option: "-P")) { try parse(["-fP"]) }
}

@Test func argumentsFlagGivenValue() {
    #expect(throws: UsageError.unexpectedValue(option: "--force")) { try parse(["--force=yes"]) }
}

@Test func argumentsFlagGivenEmptyValue() {
    #expect(throws: UsageError.unexpectedValue(option: "--force")) { try parse(["--force="]) }
}

@Test func usageErrorMessages() {
    #expect(UsageError.unknownOption("--x").message == "unknown option '--x'")
    #expect(UsageError.missingValue(option: "--name").message == "option '--name' requires a value")
    #expect(UsageError.unexpectedValue(option: "--force").message == "option '--force' takes no value")
    #expect(UsageError.unknownOption("--x").exitCode == .usage)
}

// MARK: - Help text

private let sampleTool = ToolInfo(
    name: "tool", summary: "Do one thing.", usage: ["[OPTIONS] FILE", "--version"], options: sampleOptions,
    details: "Details after the options.")

@Test func helpTextUsageLines() {
    #expect(sampleTool.helpText.hasPrefix("Usage: tool [OPTIONS] FILE\n   or: tool --version\n\nDo one thing.\n"))
}

@Test func helpTextListsSampleOptions() {
    let help = sampleTool.helpText
    for label in ["-n, --name VALUE", "-P, --profile NAME", "-f, --force", "-q, --quiet", "    --long-only",
                  "-h, --help", "    --version"] {
        #expect(help.contains("  \(label)  "), "missing \(label)")
    }
}

@Test func helpTextEndsWithExitTable() {
    let help = sampleTool.helpText
    #expect(help.hasSuffix("\n\n" + ExitCode.helpTable + "\n"))
    #expect(help.contains("Details after the options."))
}

@Test func helpTextExitTableHasEveryCode() {
    for code in ExitCode.allCases {
        #expect(ExitCode.helpTable.contains("  \(code.rawValue)  \(code.meaning)"), "missing exit code \(code.rawValue)")
    }
}

private let toolInfos = [LoginCommand.info, TOTPCommand.info, JWTCommand.info, PermissionCommand.info]

@Test(arguments: toolInfos.map(\.name))
func helpTextListsEveryOption(_ toolName: String) throws {
    let info = try #require(toolInfos.first { $0.name == toolName })
    let help = info.helpText
    for option in info.options {
        #expect(help.contains("--\(option.long)"), "\(info.name) help lacks --\(option.long)")
        #expect(help.contains(option.help), "\(info.name) help lacks the text of --\(option.long)")
        if let short = option.short {
            #expect(help.contains("-\(short), --\(option.long)"), "\(info.name) help lacks -\(short)")
        }
    }
    #expect(help.contains(ExitCode.helpTable))
}

// MARK: - Runner

@Test func runnerUnknownOption() {
    var bodyRan = false
    let run = runTool(sampleTool, { _, _ in bodyRan = true; return .success }, ["--x"])
    #expect(run.status == 2)
    #expect(run.error == "tool: unknown option '--x' (see 'tool --help')\n")
    #expect(run.output.isEmpty)
    #expect(!bodyRan)
}

@Test func runnerHelpSkipsBody() {
    var bodyRan = false
    let run = runTool(sampleTool, { _, _ in bodyRan = true; return .success }, ["-f", "--help"])
    #expect(run.status == 0)
    #expect(run.output == sampleTool.helpText)
    #expect(!bodyRan)
}

@Test func runnerVersion() {
    let run = runTool(sampleTool, { _, _ in .negative }, ["--version"])
    #expect(run.status == 0)
    #expect(run.output == "tool \(upxVersion)\n")
}

@Test func runnerToolErrorOneLine() {
    let run = runTool(sampleTool, { _, _ in throw CredentialError.missing(name: "UPSTOX_PIN_CODE", places: ["/x/.env"]) }, [])
    #expect(run.status == 3)
    #expect(
        run.error == "tool: missing credential UPSTOX_PIN_CODE: set it, UPSTOX_PIN_CODE_FILE or UPSTOX_PIN_CODE_CMD "
            + "in the environment or in /x/.env (upx-login --check-config lists every source)\n")
}

@Test func runnerPassesParsedArguments() {
    var seen: ParsedArguments?
    let run = runTool(sampleTool, { parsed, _ in seen = parsed; return .negative }, ["-f", "file"])
    #expect(run.status == 1)
    #expect(seen?.operands == ["file"])
    #expect(seen?.has("force") == true)
}
