// upx-login --list-profiles: each profile with an env file, and its cached token if any.

import Glibc

extension LoginCommand {
    /// Prints one line per profile: name, env file, and how long its cached token has left.
    static func listProfiles(_ context: Context) -> ExitCode {
        var entries = Profiles.listed(context.environment).map { name in
            (name: name, file: Profiles.configFolder(context.environment) + "/\(name).env")
        }
        let workingFile = context.workingDirectory + "/.env"
        if !entries.contains(where: { $0.name == Profiles.defaultName }), access(workingFile, F_OK) == 0 {
            entries.insert((name: Profiles.defaultName, file: workingFile), at: 0)
        }
        if entries.isEmpty {
            context.streams.err(
                "upx-login: no profiles: no *.env file in \(Profiles.configFolder(context.environment)) and no ./.env\n")
            return .success
        }

        let nameWidth = entries.map(\.name.count).max() ?? 0
        let fileWidth = entries.map(\.file.count).max() ?? 0
        for entry in entries {
            let token = cachedTokenSummary(profile: entry.name, context)
            context.streams.out(
                "\(entry.name.rightPadded(to: nameWidth))  \(entry.file.rightPadded(to: fileWidth))  \(token)\n")
        }
        return .success
    }

    private static func cachedTokenSummary(profile: String, _ context: Context) -> String {
        guard let payload = try? context.keyring.read(name: "upx:\(profile)"), let record = TokenRecord.decode(payload) else {
            return "no cached token"
        }
        let left = record.secondsLeft(at: context.clock.now())
        guard left > 0 else { return "cached token expired" }
        return "token of \(UpstoxError.printable(record.userID)) valid for \(formatDuration(left))"
    }
}
