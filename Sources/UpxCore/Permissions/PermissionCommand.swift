// upx-perm: list credential files that other users can read, and with --fix close them.

/// The upx-perm tool: its help and its body, run by `ToolRunner`.
public enum PermissionCommand {
    public static let info = ToolInfo(
        name: "upx-perm",
        summary: "List credential files whose mode lets group or other users in, and optionally set them to 0600.",
        usage: ["[OPTIONS] [PATH...]"],
        options: [
            OptionSpec("fix", help: "set mode 0600 on each file found and print each change"),
        ],
        details: """
            Without PATH, checks .env and every .env.* in the current directory. Each
            finding is one line on standard output with the path, owner, mode, the mode
            expected (0600) and the fix. Files that are not regular files, such as
            /dev/null, are skipped with a note on standard error.

            A symbolic link is judged by the file it points to, but --fix never follows
            one and names the target to fix instead. --fix changes only files you own.

            The exit status is 0 when no file lets others in (after --fix: when none is
            left), 1 when some do, and 3 when a path cannot be checked.
            """
    )

    /// Runs upx-perm with parsed arguments and returns its exit status.
    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        let checker = PermissionChecker(workingDirectory: context.workingDirectory)
        let paths = arguments.operands.isEmpty ? try checker.defaultPaths() : arguments.operands
        if paths.isEmpty {
            context.streams.err("upx-perm: no .env or .env.* file in \(context.workingDirectory)\n")
            return .success
        }

        var tally = Tally()
        for path in paths {
            check(path, with: checker, fixing: arguments.has("fix"), context, &tally)
        }

        if context.streams.errorIsTerminal {
            context.streams.err("upx-perm: \(tally.summary(checked: paths.count))\n")
        }
        if tally.uncheckable > 0 { return .badInput }
        return tally.remaining > 0 ? .negative : .success
    }

    /// Counts of what a run found, for the exit status and the summary.
    struct Tally {
        var remaining = 0
        var fixed = 0
        var uncheckable = 0

        func summary(checked: Int) -> String {
            var parts = ["checked \(checked) path\(checked == 1 ? "" : "s")"]
            if fixed > 0 { parts.append("fixed \(fixed)") }
            parts.append("\(remaining) let\(remaining == 1 ? "s" : "") others in")
            if uncheckable > 0 { parts.append("\(uncheckable) could not be checked") }
            return parts.joined(separator: ", ")
        }
    }

    /// Checks one path, fixes it when asked, and prints the finding, change, note or error.
    private static func check(
        _ path: String, with checker: PermissionChecker, fixing: Bool, _ context: Context, _ tally: inout Tally
    ) {
        let result: PermissionCheck
        do {
            result = try checker.check(path)
        } catch {
            context.streams.err("upx-perm: \(error.message)\n")
            tally.uncheckable += 1
            return
        }

        switch result {
        case .closed:
            return
        case .skipped(let path, let kind):
            context.streams.err("upx-perm: skipping \(path): it is a \(kind), not a regular file\n")
        case .finding(let finding) where !fixing:
            context.streams.out(finding.summary + "\n")
            tally.remaining += 1
        case .finding(let finding):
            do {
                if let change = try checker.fix(finding.path) {
                    context.streams.out(change.summary + "\n")
                    tally.fixed += 1
                }
            } catch {
                context.streams.err("upx-perm: \(error.message)\n")
                tally.remaining += 1
            }
        }
    }
}
