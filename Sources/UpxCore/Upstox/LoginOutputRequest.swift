// The output requested from upx-login: a format on stdout, or a command to exec.

/// The output options of one upx-login command line, checked for conflicts.
public struct LoginOutputRequest: Equatable, Sendable {
    /// The stdout format; nil prints nothing on stdout.
    public var format: LoginOutputFormat?
    /// The `--shell` value; nil means the shell of the parent process.
    public var shell: ShellKind?
    /// The command and its arguments to exec with the token, for `--exec` or `exec`.
    public var command: [String]?

    /// The output choices and how each is spelled on the command line, for messages.
    private enum Choice: Equatable {
        case format(LoginOutputFormat)
        case exec
    }

    /// Reads `--export`, `--print`, `--json`, `--format`, `--shell`, `--exec` and the operands.
    ///
    /// Two different choices are a usage error; the same choice twice, as in
    /// `--export --format export`, is not. The operands are the command for `--exec`, or
    /// `exec` and then the command; any other operand is a usage error.
    public init(_ arguments: ParsedArguments) throws(UsageError) {
        var choices: [(spelling: String, choice: Choice)] = []
        if arguments.has("export") { choices.append(("--export", .format(.export))) }
        if arguments.has("print") { choices.append(("--print", .format(.token))) }
        if arguments.has("json") { choices.append(("--json", .format(.json))) }
        for value in arguments.values["format"] ?? [] {
            guard let format = LoginOutputFormat(rawValue: value) else {
                throw .invalidValue(option: "--format", value: value, reason: "expected export, env, json or token")
            }
            choices.append(("--format \(value)", .format(format)))
        }
        let execOperand = arguments.operands.first == "exec"
        if arguments.has("exec") { choices.append(("--exec", .exec)) }
        if execOperand { choices.append(("exec", .exec)) }

        if let first = choices.first, let other = choices.first(where: { $0.choice != first.choice }) {
            throw .conflictingOptions(first.spelling, other.spelling)
        }
        if case .format(let format) = choices.first?.choice { self.format = format }

        if let name = arguments.value("shell") {
            guard let shell = ShellKind(optionValue: name) else {
                throw .invalidValue(option: "--shell", value: name, reason: "expected \(ShellKind.optionValues)")
            }
            guard format == .export else { throw .requiresOption("--shell", "--export") }
            self.shell = shell
        }

        if choices.first?.choice == .exec {
            command = try Self.command(arguments.operands, afterExecOperand: execOperand)
        } else if let extra = arguments.operands.first {
            throw .unexpectedArgument(extra)
        }
    }

    /// Returns the command from the operands: all of them after `--exec`, or those after
    /// `exec` and an optional `--`.
    ///
    /// A command that starts with "-" must follow "--", so that a misplaced option such as
    /// `exec --profile work` is reported rather than run.
    private static func command(_ operands: [String], afterExecOperand: Bool) throws(UsageError) -> [String] {
        var command = operands[...]
        if afterExecOperand {
            command = command.dropFirst()
            if command.first == "--" {
                command = command.dropFirst()
            } else if let first = command.first, first.hasPrefix("-") {
                throw .invalidValue(
                    option: "exec", value: first,
                    reason: "put upx-login's options before exec, and a command starting with '-' after '--'")
            }
        }
        guard !command.isEmpty else { throw .missingArgument("COMMAND to run with the token") }
        return Array(command)
    }
}
