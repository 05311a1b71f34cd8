// Handing the token over: stdout in the format asked for, a summary on stderr, or exec.

import FoundationEssentials

extension LoginCommand {
    /// Returns where the token lives, for --json.
    static func location(_ cache: TokenCache, useKeyring: Bool, keyID: Int32?, source: TokenLocation.Source) -> TokenLocation {
        TokenLocation(
            profile: cache.profile, keyName: cache.keyName, keyringName: useKeyring ? cache.kind.rawValue : "none",
            keyID: keyID, source: source)
    }

    /// Prints the token as asked on stdout and a summary on stderr, or execs the command of
    /// `--exec`. Nothing reaches stdout when the output cannot be built.
    static func write(
        _ record: TokenRecord, location: TokenLocation, place: String, _ request: LoginOutputRequest,
        _ arguments: ParsedArguments, _ context: Context
    ) throws {
        var output = ""
        if let format = request.format {
            output = try LoginOutput.text(
                format, shell: request.shell, record: record, location: location, now: context.clock.now())
        }
        context.streams.out(output)
        if !arguments.has("quiet") { writeSummary(record, place: place, reused: location.source == .cache, context) }

        if let command = request.command {
            let environment = ExecEnvironment.forCommand(context.environment, record: record)
            try Exec.replaceProcess(with: command, environment: environment)
        }
    }

    /// Prints the token's source, its user, its key and the time it stays valid, on stderr.
    static func writeSummary(_ record: TokenRecord, place: String, reused: Bool, _ context: Context) {
        let left = DurationText.format(max(record.secondsLeft(at: context.clock.now()), 0))
        let source = reused ? "using the cached token of" : "logged in as"
        context.streams.err("upx-login: \(source) \(record.printableUser); \(place), valid for \(left)\n")
    }
}
