// The completion files in completions/, loaded into real bash, zsh and fish and checked
// against the options each built tool prints in --help.

import Foundation
import Testing

private let toolNames = ["upx-totp", "upx-login", "upx-jwt", "upx-perm"]
private let completionsFolder = packageRoot.appendingPathComponent("completions")

@Suite("shell completions")
struct CompletionTests {
    // MARK: Every option of --help has a completion

    @Test("each option in each file", arguments: toolNames)
    func eachOptionInEachFile(tool: String) throws {
        let options = try HelpOptions(tool: tool)
        #expect(!options.long.isEmpty, "no options found in '\(tool) --help'")

        for file in CompletionFile.allCases {
            let text = try String(contentsOf: file.url, encoding: .utf8)
            for name in options.long where !file.mentions(long: name, in: text) {
                Issue.record("\(tool) --\(name) has no completion in completions/\(file.rawValue)")
            }
            for letter in options.short where !file.mentions(short: letter, in: text) {
                Issue.record("\(tool) -\(letter) has no completion in completions/\(file.rawValue)")
            }
        }
    }

    @Test("bash offers options of help", arguments: toolNames)
    func bashOffersOptionsOfHelp(tool: String) throws {
        let offered = try CompletionShells().bash("\(tool) -")
        try expectOptionNames(offered, match: HelpOptions(tool: tool), shell: "bash")
    }

    @Test("zsh offers options of help", arguments: toolNames)
    func zshOffersOptionsOfHelp(tool: String) throws {
        let offered = try CompletionShells().zsh("\(tool) -")
        try expectOptionNames(offered, match: HelpOptions(tool: tool), shell: "zsh")
    }

    @Test("fish offers options of help", arguments: toolNames)
    func fishOffersOptionsOfHelp(tool: String) throws {
        let offered = try CompletionShells().fish("\(tool) -")
        try expectOptionNames(offered, match: HelpOptions(tool: tool), shell: "fish")
    }

    // MARK: Values and operands

    @Test("bash completes line", arguments: CompletionCase.all + CompletionCase.valueStartingWithDash)
    func bashCompletesLine(_ example: CompletionCase) throws {
        let offered = try CompletionShells().bash(example.line)
        #expect(Set(offered) == example.expected, "bash offered \(offered) for '\(example.line)'")
    }

    @Test("zsh completes line", arguments: CompletionCase.all + CompletionCase.valueStartingWithDash)
    func zshCompletesLine(_ example: CompletionCase) throws {
        let offered = try CompletionShells().zsh(example.line)
        #expect(Set(offered) == example.expected, "zsh offered \(offered) for '\(example.line)'")
    }

    // fish offers option names for a value that starts with "-", as upx.fish explains,
    // so those cases are left out.
    @Test("fish completes line", arguments: CompletionCase.all)
    func fishCompletesLine(_ example: CompletionCase) throws {
        let offered = try CompletionShells().fish(example.line)
        #expect(Set(offered) == example.expected, "fish offered \(offered) for '\(example.line)'")
    }

    // MARK: Loading

    @Test("bash registers each tool")
    func bashRegistersEachTool() throws {
        let bash = try requireProgram("bash", package: "bash")
        let script = #"source "$1" && complete -p "${@:2}""#
        let arguments = ["--norc", "--noprofile", "-c", script, "bash", CompletionFile.bash.url.path] + toolNames
        let result = try runCommand(bash, arguments)

        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        for tool in toolNames {
            #expect(result.stdout.contains("-F _upx \(tool)\n"), "complete -p printed: \(result.stdout)")
        }
    }

    @Test("zsh parses and autoloads _upx")
    func zshParsesAndAutoloads() throws {
        let zsh = try requireProgram("zsh", package: "zsh")

        let parse = try runCommand(zsh, ["-n", CompletionFile.zsh.url.path])
        #expect(parse.status == 0, "zsh -n: \(parse.stderr)")

        let script = """
            fpath=(${(q)1} $fpath)
            autoload -Uz compinit && compinit -u -D || exit 4
            for tool in \(toolNames.joined(separator: " ")); do print -r -- "$tool=$_comps[$tool]"; done
            autoload +X _upx || exit 5
            (( $+functions[_upx] )) && print -r -- defined
            """
        let load = try runCommand(zsh, ["-f", "-c", script, "zsh", completionsFolder.path])
        #expect(load.status == 0, "stderr: \(load.stderr)")
        #expect(load.stderr.isEmpty)
        let lines = load.stdout.split(separator: "\n").map(String.init)
        #expect(lines == toolNames.map { "\($0)=_upx" } + ["defined"])
    }

    private func expectOptionNames(_ offered: [String], match options: HelpOptions, shell: String) {
        // A lone "-" is an operand (standard input), not an option.
        let names = Set(offered.filter { $0.hasPrefix("-") && $0 != "-" })
        let expected = options.names
        for missing in expected.subtracting(names).sorted() {
            Issue.record("\(shell) does not offer \(options.tool) \(missing), which --help lists")
        }
        for extra in names.subtracting(expected).sorted() {
            Issue.record("\(shell) offers \(options.tool) \(extra), which --help does not list")
        }
    }
}

/// A command line up to the cursor and the exact set of completions expected there.
struct CompletionCase: Sendable, CustomTestStringConvertible {
    let line: String
    let expected: Set<String>

    var testDescription: String { "'\(line)'" }

    static let algorithms: Set = ["sha1", "sha256", "sha512"]
    static let profiles: Set = ["alpha", "beta"]
    static let keyrings: Set = ["user", "persistent", "session"]
    /// The entries of the folder the shells run in, without a trailing slash.
    static let workingFolderEntries: Set = ["keys", "secret.txt"]

    static let all = [
        CompletionCase(line: "upx-login --pro", expected: ["--profile"]),
        CompletionCase(line: "upx-login --profile ", expected: profiles),
        CompletionCase(line: "upx-login --profile=", expected: profiles),
        CompletionCase(line: "upx-login -P b", expected: ["beta"]),
        CompletionCase(line: "upx-login --timeout ", expected: []),
        CompletionCase(line: "upx-login --retries ", expected: []),
        CompletionCase(line: "upx-login --ver", expected: ["--verify-online", "--version"]),
        CompletionCase(line: "upx-login --shell ", expected: ["sh", "bash", "zsh", "fish", "csh", "tcsh"]),
        CompletionCase(line: "upx-login --shell=t", expected: ["tcsh"]),
        CompletionCase(line: "upx-login --format ", expected: ["export", "env", "json", "token"]),
        CompletionCase(line: "upx-login --format=e", expected: ["export", "env"]),
        CompletionCase(line: "upx-login --js", expected: ["--json"]),
        CompletionCase(line: "upx-login --exe", expected: ["--exec"]),
        CompletionCase(line: "upx-login exe", expected: ["exec"]),
        CompletionCase(line: "upx-login --exec printen", expected: ["printenv"]),
        CompletionCase(line: "upx-login --exec -- mkfif", expected: ["mkfifo"]),
        CompletionCase(line: "upx-login -q exec dircolor", expected: ["dircolors"]),
        CompletionCase(line: "upx-login --profile alpha exec -- printen", expected: ["printenv"]),
        CompletionCase(line: "upx-login --keyring user --timeout 5 exec printen", expected: ["printenv"]),
        CompletionCase(line: "upx-login --min-valid 1h --exec dircolor", expected: ["dircolors"]),
        CompletionCase(line: "upx-login exec upx-perm s", expected: ["secret.txt"]),
        CompletionCase(line: "upx-totp --algorithm ", expected: algorithms),
        CompletionCase(line: "upx-totp -a ", expected: algorithms),
        CompletionCase(line: "upx-totp --algorithm sha5", expected: ["sha512"]),
        CompletionCase(line: "upx-totp --digits ", expected: []),
        CompletionCase(line: "upx-totp --period ", expected: []),
        CompletionCase(line: "upx-totp --at ", expected: []),
        CompletionCase(line: "upx-totp --secret-file ", expected: workingFolderEntries),
        CompletionCase(line: "upx-totp --secret-file s", expected: ["secret.txt"]),
        CompletionCase(line: "upx-perm ", expected: workingFolderEntries),
        CompletionCase(line: "upx-perm --fix k", expected: ["keys"]),
        CompletionCase(line: "upx-perm --rec", expected: ["--recursive", "--record"]),
        CompletionCase(line: "upx-perm --max-age ", expected: []),
        CompletionCase(line: "upx-perm -r --max-age 30 s", expected: ["secret.txt"]),
        CompletionCase(line: "upx-jwt --j", expected: ["--json"]),
        CompletionCase(line: "upx-jwt --keyring ", expected: keyrings),
        CompletionCase(line: "upx-jwt --keyring=p", expected: ["persistent"]),
        CompletionCase(line: "upx-jwt -P ", expected: profiles),
        CompletionCase(line: "upx-jwt --profile=a", expected: ["alpha"]),
        CompletionCase(line: "upx-jwt --min-valid ", expected: []),
        CompletionCase(line: "upx-jwt --leeway ", expected: []),
        CompletionCase(line: "upx-jwt --claim ", expected: []),
    ]

    /// A value word that starts with "-" is still a value, so no option name fits there.
    static let valueStartingWithDash = [
        CompletionCase(line: "upx-totp --digits -", expected: []),
        CompletionCase(line: "upx-login --profile -", expected: []),
    ]
}

/// The completion files and how each one spells an option.
enum CompletionFile: String, CaseIterable {
    case bash = "upx.bash"
    case zsh = "_upx"
    case fish = "upx.fish"

    var url: URL { completionsFolder.appendingPathComponent(rawValue) }

    func mentions(long name: String, in text: String) -> Bool {
        switch self {
        case .bash, .zsh: contains("--" + name, in: text)
        case .fish: contains("-l " + name, in: text)
        }
    }

    func mentions(short letter: Character, in text: String) -> Bool {
        switch self {
        case .bash, .zsh: contains("-" + String(letter), in: text)
        case .fish: contains("-s " + String(letter), in: text)
        }
    }

    /// Checks whether `word` occurs in `text` with no letter, digit or "-" right before or after it.
    private func contains(_ word: String, in text: String) -> Bool {
        let isWordPart: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "-" }
        var rest = text[...]
        while let range = rest.firstRange(of: word) {
            let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : " "
            let after = range.upperBound < text.endIndex ? text[range.upperBound] : " "
            if !isWordPart(before) && !isWordPart(after) { return true }
            rest = text[range.upperBound...]
        }
        return false
    }
}

/// The long and short options in the "Options:" section of a built tool's --help.
struct HelpOptions {
    let tool: String
    var long: [String] = []
    var short: [Character] = []

    /// Every option as typed: "--name" and "-x".
    var names: Set<String> { Set(long.map { "--" + $0 } + short.map { "-" + String($0) }) }

    init(tool: String) throws {
        self.tool = tool
        let help = try runCommand(builtToolsFolder.appendingPathComponent(tool).path, ["--help"])
        guard help.status == 0 else {
            throw CompletionTestError(message: "\(tool) --help exited with \(help.status): \(help.stderr)")
        }

        // Option lines read "  -a, --algorithm NAME  help" or "      --at UNIX_SECONDS  help".
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "Options:") else {
            throw CompletionTestError(message: "\(tool) --help has no 'Options:' line")
        }
        for line in lines[(start + 1)...].prefix(while: { !$0.isEmpty }) {
            let words = line.split(separator: " ")
            if let first = words.first, first.count == 3, first.hasPrefix("-"), first.hasSuffix(",") {
                short.append(first[first.index(after: first.startIndex)])
            }
            if let longWord = words.first(where: { $0.hasPrefix("--") }) {
                long.append(String(longWord.dropFirst(2)))
            }
        }
    }
}

struct CompletionTestError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// bash, zsh and fish with the completion files loaded, run in a temporary folder that
/// contains `keys/` and `secret.txt`, with profiles `alpha` and `beta` in `XDG_CONFIG_HOME`.
/// The folders are removed when the value is released.
final class CompletionShells {
    let root: URL
    let workingFolder: URL
    let environment: [String: String]

    init() throws {
        root = try makeTemporaryFolder("upx-completion")
        let profiles = root.appendingPathComponent("config/upx")
        workingFolder = root.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: workingFolder.appendingPathComponent("keys"), withIntermediateDirectories: true)
        for file in [profiles.appendingPathComponent("alpha.env"), profiles.appendingPathComponent("beta.env"),
                     workingFolder.appendingPathComponent("secret.txt")] {
            try Data().write(to: file)
        }

        var environment = baseEnvironment(home: root.path)
        environment["XDG_CONFIG_HOME"] = root.appendingPathComponent("config").path
        self.environment = environment
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// Calls the function that upx.bash registers for the command, as bash's programmable
    /// completion would, and returns what it put in COMPREPLY.
    func bash(_ line: String) throws -> [String] {
        let bash = try requireProgram("bash", package: "bash")
        let script = #"""
            source "$1" || exit 4
            shift
            spec=$(complete -p "$1") || exit 5
            function=${spec#*-F }
            function=${function%% *}
            COMP_WORDS=("$@")
            COMP_CWORD=$(($# - 1))
            COMP_LINE="$*"
            COMP_POINT=${#COMP_LINE}
            "$function" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\n' "${COMPREPLY[@]}"
            """#
        let arguments = ["--norc", "--noprofile", "-c", script, "bash", CompletionFile.bash.url.path]
        return try completions(from: runCommand(bash, arguments + bashWords(line), environment: environment,
                                                directory: workingFolder), shell: "bash", line: line)
    }

    /// Splits a line into words the way bash does before completing: at blanks, and at
    /// "=" in "--name=value", which becomes the three words "--name", "=" and "value".
    private func bashWords(_ line: String) -> [String] {
        line.split(separator: " ", omittingEmptySubsequences: false).flatMap { word -> [String] in
            guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return [String(word)] }
            return [String(word[..<equals]), "=", String(word[word.index(after: equals)...])]
        }
    }

    /// Types the line and Tab into an interactive zsh in a pseudo-terminal, with compinit
    /// run on an fpath that starts with completions/, and returns the matches that the
    /// completion functions added.
    func zsh(_ line: String) throws -> [String] {
        let zsh = try requireProgram("zsh", package: "zsh")
        var environment = environment
        environment["TERM"] = "vt100"
        let result = try runCommand(zsh, ["-f", "-c", zshDriver, "zsh", completionsFolder.path, line],
                                    environment: environment, directory: workingFolder, timeout: 20)
        return try completions(from: result, shell: "zsh", line: line)
    }

    /// Runs `complete -C` in fish with upx.fish sourced, and returns the completions
    /// without their descriptions, each as the value alone for a "--name=value" word.
    func fish(_ line: String) throws -> [String] {
        let fish = try requireProgram("fish", package: "fish")
        let script = #"source $argv[1]; and complete -C $argv[2]"#
        let result = try runCommand(fish, ["--no-config", "-c", script, CompletionFile.fish.url.path, line],
                                    environment: environment, directory: workingFolder)

        // fish prints "--profile=alpha" for the word "--profile=", so drop the "--profile=".
        let lastWord = line.split(separator: " ", omittingEmptySubsequences: false).last ?? ""
        var valuePrefix = ""
        if lastWord.hasPrefix("--"), let equals = lastWord.firstIndex(of: "=") {
            valuePrefix = String(lastWord[...equals])
        }
        return try completions(from: result, shell: "fish", line: line).map { completion in
            let word = String(completion.prefix(while: { $0 != "\t" }))
            return word.hasPrefix(valuePrefix) ? String(word.dropFirst(valuePrefix.count)) : word
        }
    }

    private func completions(from result: CommandResult, shell: String, line: String) throws -> [String] {
        guard result.status == 0, result.stderr.isEmpty else {
            throw CompletionTestError(
                message: "\(shell) failed to complete '\(line)' (status \(result.status)): \(result.stderr)")
        }
        return result.stdout.split(separator: "\n").map { String($0.hasSuffix("/") ? $0.dropLast() : $0) }
    }
}

/// A zsh script that completes one line in an interactive zsh under zsh/zpty and prints
/// the matches, one a line. Arguments: the folder containing _upx, then the line.
///
/// The inner shell wraps `compadd` so that every match added is also kept in
/// `upx_matches`, and binds Tab to a widget that completes and then prints them between
/// two marker lines. Calls with -O, -A or -D only filter words, so they pass through.
private let zshDriver = #"""
    zmodload zsh/zpty || exit 3
    zpty inner zsh -f -i || exit 3
    zpty -w inner "PS1='' PS2='' RPS1=''"
    zpty -w inner "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
    zpty -w inner 'compadd() {
      if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
      local -a found
      builtin compadd -O found "$@"
      upx_matches+=( $found )
      builtin compadd "$@"
    }'
    zpty -w inner 'upx-complete-and-print() {
      local marker=UPX-MATCHES
      typeset -ga upx_matches=()
      zle complete-word
      print -rl -- "" "$marker-begin" $upx_matches "$marker-end"
    }'
    zpty -w inner "zle -N upx-complete-and-print; bindkey '^I' upx-complete-and-print"
    zpty -w -n inner "$2"$'\t'
    zpty -r inner output '*UPX-MATCHES-end*'
    zpty -d inner
    output=${output//$'\r'/}
    output=${output#*UPX-MATCHES-begin$'\n'}
    print -rn -- ${output%UPX-MATCHES-end*}
    """#
