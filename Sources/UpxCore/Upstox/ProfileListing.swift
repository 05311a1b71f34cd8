// upx-login --list-profiles: each profile with an env file or a cached token.

import Glibc

extension LoginCommand {
    /// Prints one line per profile: name, env file, and how long its cached token has left.
    /// Profiles that have a token key in the keyring but no env file are listed too. A keyring
    /// that cannot be listed is reported, and the run exits 6 after listing the files.
    static func listProfiles(_ kind: KeyringKind, _ context: Context) -> ExitCode {
        let keyring = context.keyring.selecting(kind)
        var entries = Profiles.listed(context.environment).map { name in
            (name: name, file: Profiles.configFolder(context.environment) + "/\(name).env")
        }
        let workingFile = context.workingDirectory + "/.env"
        if !entries.contains(where: { $0.name == Profiles.defaultName }), access(workingFile, F_OK) == 0 {
            entries.insert((name: Profiles.defaultName, file: workingFile), at: 0)
        }
        var keys: [KeyringEntry] = []
        var status = ExitCode.success
        do {
            keys = try keyring.list(prefix: "upx:")
        } catch {
            context.streams.err("upx-login: \((error as? ToolError)?.message ?? "\(error)")\n")
            status = .keyring
        }
        let cachedOnly = keys.compactMap { TokenCache.profile(ofTokenKey: $0.name) }
            .filter { name in !entries.contains { $0.name == name } }
        entries += Set(cachedOnly).sorted().map { (name: $0, file: "(no env file)") }
        if entries.isEmpty {
            if status == .success {
                context.streams.err(
                    "upx-login: no profiles: no *.env file in \(Profiles.configFolder(context.environment)), "
                        + "no ./.env and no key in the \(kind.displayName)\n")
            }
            return status
        }

        let nameWidth = entries.map(\.name.count).max() ?? 0
        let fileWidth = entries.map(\.file.count).max() ?? 0
        for entry in entries {
            let token = cachedTokenSummary(profile: entry.name, keyring, context)
            context.streams.out(
                "\(entry.name.rightPadded(to: nameWidth))  \(entry.file.rightPadded(to: fileWidth))  \(token)\n")
        }
        return status
    }

    private static func cachedTokenSummary(profile: String, _ keyring: any KeyringStore, _ context: Context) -> String {
        let payload: [UInt8]?
        do {
            payload = try keyring.read(name: "upx:\(profile)")
        } catch let error as KeyringError {
            return "cached token unreadable: \(String(cString: strerror(error.errorNumber)))"
        } catch {
            return "cached token unreadable"
        }
        guard let payload else { return "no cached token" }
        guard let record = TokenRecord.decode(payload) else { return "cached key is not a upx token record" }
        let left = record.secondsLeft(at: context.clock.now())
        guard left > 0 else { return "cached token expired" }
        return "token of \(UpstoxError.printable(record.userID)) valid for \(DurationText.format(left))"
    }
}
