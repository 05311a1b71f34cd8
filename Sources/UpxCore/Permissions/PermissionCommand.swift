// upx-perm: find credential files that others could read or git could commit, and with --fix close them.

/// The upx-perm tool: its help and its body, run by `ToolRunner`.
public enum PermissionCommand {
    public static let info = ToolInfo(
        name: "upx-perm",
        summary: "Check credential files and folders: modes, owners, links, parent folders, git, age and changes.",
        usage: ["[OPTIONS] [PATH...]", "--recursive [OPTIONS] [FOLDER...]"],
        options: [
            OptionSpec("fix", help: "remove group and others access, append missing .gitignore patterns; print each change"),
            OptionSpec("recursive", short: "r", help: "search below each FOLDER (default: the current one) for credentials by name"),
            OptionSpec("max-age", value: "DAYS", help: "remind to rotate files unchanged for more than DAYS days (default 90, 0: off)"),
            OptionSpec("record", help: "store the SHA-256 of each file checked, so later runs report a change"),
            OptionSpec("json", help: "print one JSON object on one line, described below, instead of lines"),
            OptionSpec("quiet", short: "q", help: "print nothing but errors; the exit status tells the result"),
        ],
        details: permissionHelpDetails
    )

    /// Runs upx-perm with parsed arguments and returns its exit status.
    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        let options = try parseOptions(arguments)
        if arguments.has("json") && arguments.has("quiet") { throw UsageError.conflictingOptions("--json", "--quiet") }

        let (paths, gatherErrors) = gather(arguments, context)
        let scan = PermissionScan(
            environment: context.environment, now: Int(context.clock.now().timeIntervalSince1970), options: options)
        var report = scan.run(paths)
        report.errors = gatherErrors + report.errors

        if arguments.has("json") {
            context.streams.out(report.json.serialized() + "\n")
        } else if !arguments.has("quiet") {
            for line in report.outputLines { context.streams.out(line + "\n") }
        }
        let quiet = arguments.has("quiet")
        for line in report.errorLines(notes: !quiet) {
            context.streams.err("upx-perm: \(line)\n")
        }
        if paths.isEmpty && gatherErrors.isEmpty && !quiet && !arguments.has("json") {
            context.streams.err("upx-perm: found no credential files (name the files to check)\n")
        } else if context.streams.errorIsTerminal && !quiet {
            context.streams.err("upx-perm: \(report.summary)\n")
        }
        return report.exitCode
    }

    private static func parseOptions(_ arguments: ParsedArguments) throws(UsageError) -> PermissionOptions {
        var options = PermissionOptions(fix: arguments.has("fix"), record: arguments.has("record"))
        if let text = arguments.value("max-age") {
            guard let days = Int(text), days >= 0, days <= 36_500 else {
                throw .invalidValue(option: "--max-age", value: text, reason: "expected whole days from 0 to 36500")
            }
            options.maxAgeDays = days
        }
        return options
    }

    /// Collects the paths to check: the usual places, the paths given, or a search below folders.
    /// An operand that cannot be read becomes an error, and the others are still checked.
    private static func gather(_ arguments: ParsedArguments, _ context: Context) -> ([CredentialPath], [PermissionError]) {
        let places = CredentialPlaces(workingDirectory: context.workingDirectory, environment: context.environment)
        let recursive = arguments.has("recursive")
        var paths: [CredentialPath] = []
        var errors: [PermissionError] = []

        if arguments.operands.isEmpty {
            do {
                paths = try places.defaultPaths(recursive: recursive)
            } catch {
                errors.append(error)
            }
            return (paths, errors)
        }
        for operand in arguments.operands {
            do {
                let isFolder = statusOf(resolvedPath(operand, in: context.workingDirectory))?.isDirectory == true
                paths += recursive && isFolder ? try places.search(below: operand) : try places.paths(forOperands: [operand])
            } catch {
                errors.append(error)
            }
        }
        return (paths, errors)
    }
}

private let permissionHelpDetails = """
    Without PATH, checks the usual places that exist: .env, .env.* (but not .env.example,
    .env.sample, .env.template or .env.dist), config.json, secrets.yaml, credentials.ini,
    *.token and upstox_token.json in the current directory, and the folders token_cache/,
    ~/.upstox/ and ${XDG_CONFIG_HOME:-~/.config}/upx with everything in them. With
    --recursive, the current directory is searched to any depth instead. A FOLDER given is
    a folder of credentials: it and everything below it are checked. With --recursive,
    each FOLDER is searched for the names above instead, without entering .git or
    following links to folders.

    Each finding is one line on standard output: the path, why it matters, then the
    type, owner, mode, expected mode and the fix. The checks:
      mode                 group or others have access (expected: files 0600, folders 0700)
      owner                another user owns it
      hard-links           a file with more than one hard link
      dangling-link        a symbolic link to nothing; other links are judged by their target
      parent-folder        a folder above it is writable by group or others, or owned by
                           another user than you or root; a sticky folder such as /tmp is accepted
      git-tracked          in a git work tree, the index holds it
      git-not-ignored      no .gitignore pattern ignores it (the missing pattern is named)
      git-ignored-locally  only .git/info/exclude or the global excludes file ignores it
      age                  unchanged for more than --max-age days: rotate the credentials
      changed              its SHA-256 differs from the one --record stored in
                           ${XDG_STATE_HOME:-~/.local/state}/upx/fingerprints.json (mode 0600)
    Files that are neither regular files nor folders, such as /dev/null, are skipped with
    a note on standard error.

    --fix never adds a permission to a credential. It opens each file without following
    a symbolic link, checks that it is still the file checked, yours, and with one link,
    and then removes the group, others, set-ID and sticky bits through that descriptor.
    A link's target is changed only when you own it. It appends missing patterns to the
    .gitignore at the top of the work tree. Each change is printed. A change that fails,
    or a mode the file system does not keep, is reported on standard error and the
    finding stays. --fix does not run git rm --cached, change folders above the
    credentials or change owners.

    --json prints one object: "checked" (number of paths judged), "findings" (objects with
    "check", "path", "target", "type", "owner", "mode", "expected_mode", "reason", "fix",
    "fixable", "status" ("open", "fixed" or "not-fixed") and "status_detail"), "changes",
    "recorded", "errors" (lists of strings), "skipped" (objects with "path" and "type") and
    "exit_status". Absent values are null and modes are strings such as "0600".

    The exit status is 0 when nothing is found (after --fix: nothing is left), 1 when
    findings are left, 2 for a usage error and 3 when a path or check could not be read.
    """
