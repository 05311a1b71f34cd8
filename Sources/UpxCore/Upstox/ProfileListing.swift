// upx-login --list-profiles: each profile with an env file or a cached token.

import Glibc

extension LoginCommand {
    /// Prints one line per profile: name, env file, and how long its cached token has left.
    /// Profiles that have a key in the keyring but no env file are listed too.
    static func listProfiles(_ kind: KeyringKind, _ context: Context) -> ExitCode {
        let keyring = context.keyring.selecting(kind)
        var entries = Profiles.listed(context.environment).map { name in
            (name: name, file: Profiles.configFolder(context.environment) + "/\(name).env")
        }
        let workingFile = context.workingDirectory + "/.env"
        if !entries.contains(where: { $0.name == Profiles.defaultName }), access(workingFile, F_OK) == 0 {
            entries.insert((name: Profiles.defaultName, file: workingFile), at: 0)
        }
        let cachedOnly = ((try? keyring.list(prefix: "upx:")) ?? []).map { profileName(ofKey: $0.name) }
            .filter { name in !entries.contains { $0.name == name } }
        entries += Set(cachedOnly).sorted().map { (name: $0, file: "(no env file)") }
        if entries.isEmpty {
            context.streams.err(
                "upx-login: no profiles: no *.env file in \(Profiles.configFolder(context.environment)), "
                    + "no ./.env and no key in the \(kind.displayName)\n")
            return .success
        }

        let nameWidth = entries.map(\.name.count).max() ?? 0
        let fileWidth = entries.map(\.file.count).max() ?? 0
        for entry in entries {
            let token = cachedTokenSummary(profile: entry.name, keyring, context)
            context.streams.out(
                "\(entry.name.rightPadded(to: nameWidth))  \(entry.file.rightPadded(to: fileWidth))  \(token)\n")
        }
        return .success
    }

    private static func cachedTokenSummary(profile: String, _ keyring: any KeyringStore, _ context: Context) -> String {
        guard let payload = try? keyring.read(name: "upx:\(profile)"), let record = TokenRecord.decode(payload) else {
            return "no cached token"
        }
        let left = record.secondsLeft(at: context.clock.now())
        guard left > 0 else { return "cached token expired" }
        return "token of \(UpstoxError.printable(record.userID)) valid for \(DurationText.format(left))"
    }
}
