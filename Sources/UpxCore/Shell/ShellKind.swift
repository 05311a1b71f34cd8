// The shells upx-login writes commands for, and the command that exports one variable in each.

/// A shell whose syntax `upx-login --export` can write, named as `--shell` takes it.
public enum ShellKind: String, CaseIterable, Sendable {
    case sh, bash, zsh, fish, csh

    /// The values `--shell` accepts, as listed in help and messages.
    public static let optionValues = "sh, bash, zsh, fish or csh (tcsh; dash, ash, ksh and mksh as sh)"

    /// Returns the shell for a `--shell` value, or nil for an unknown name. tcsh counts as csh,
    /// and dash, ash, ksh and mksh count as sh.
    public init?(optionValue: String) {
        switch optionValue {
        case "tcsh": self = .csh
        case "dash", "ash", "ksh", "mksh": self = .sh
        default: self.init(rawValue: optionValue)
        }
    }

    /// Returns the syntax to write for a process named `name`, such as the `comm` of the parent
    /// process. fish and csh (or tcsh) get their own syntax. Every other name gets POSIX syntax,
    /// because sh, dash, ash, bash, ksh, mksh, zsh and busybox all read it, and a program that is
    /// not a shell (sudo, env, python) most likely passes the output to one.
    public static func forProcessName(_ name: String) -> ShellKind {
        // A login shell may show its name with a leading "-", as in argv[0].
        let bare = name.hasPrefix("-") ? String(name.dropFirst()) : name
        switch bare {
        case "fish": return .fish
        case "csh", "tcsh": return .csh
        case "bash": return .bash
        case "zsh": return .zsh
        default: return .sh
        }
    }

    /// Returns the command that sets and exports `name` to `value`, with its line end, or nil
    /// when this shell cannot quote the value (csh and a line feed). A value of ASCII digits
    /// only, such as a Unix time, is written without quotes, which no shell needs for it.
    public func exportCommand(name: String, value: String) -> String? {
        if !value.isEmpty && value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return exportCommand(name: name, word: value)
        }
        switch self {
        case .sh, .bash, .zsh: return exportCommand(name: name, word: posixQuoted(value))
        case .fish: return exportCommand(name: name, word: fishQuoted(value))
        case .csh: return cshQuoted(value).map { exportCommand(name: name, word: $0) }
        }
    }

    /// Returns the command that exports `name` with `word`, which is already quoted for this shell.
    private func exportCommand(name: String, word: String) -> String {
        switch self {
        case .sh, .bash, .zsh:
            return "export \(name)=\(word)\n"
        case .fish:
            return "set -gx \(name) \(word)\n"
        case .csh:
            // Each command ends in ";" because `eval "`...`"` in csh joins the lines into one.
            return "setenv \(name) \(word);\n"
        }
    }
}
