// upx-login --check-config: each setting, where it came from and whether it is valid, with
// values masked, and no request sent.

import Glibc

/// The report of --check-config, one line per setting.
struct ConfigCheck {
    let configuration: Configuration
    let profile: String
    let keyName: String

    /// One row of the report.
    struct Row {
        let name: String
        let status: String
        let maskedValue: String
        let detail: String
    }

    /// Prints the report and returns true when a login could start: every credential present
    /// and valid, and the keyring writable.
    func run(keyring: any KeyringStore, streams: Streams) -> Bool {
        var rows: [Row] = []
        var usable = true
        for rule in LoginSettings.rules {
            let row = check(rule)
            if rule.required || row.status != "unset" { rows.append(row) }
            if row.status != "ok", row.status != "unset" || rule.required { usable = false }
        }
        if let row = checkUnused() { rows.append(row) }
        let keyringRow = checkKeyring(keyring)
        if keyringRow.status != "ok" { usable = false }
        rows.append(keyringRow)

        streams.out("profile \(profile); env files: \(envFileSummary())\n")
        let nameWidth = rows.map(\.name.count).max() ?? 0
        let maskedWidth = rows.map(\.maskedValue.count).max() ?? 0
        for row in rows {
            let line = [
                row.name.rightPadded(to: nameWidth), row.status.rightPadded(to: 8), row.maskedValue.rightPadded(to: maskedWidth), row.detail,
            ].joined(separator: "  ")
            streams.out(line.trimmingCharacters(in: " ") + "\n")
        }
        return usable
    }

    private func check(_ rule: SettingRule) -> Row {
        let found: ConfigValue?
        do {
            found = rule.required ? try configuration.required(rule.name) : try configuration.value(rule.name)
        } catch let error as CredentialError {
            if case .missing = error { return Row(name: rule.name, status: "missing", maskedValue: "-", detail: error.message) }
            return Row(name: rule.name, status: "error", maskedValue: "-", detail: error.message)
        } catch {
            return Row(name: rule.name, status: "error", maskedValue: "-", detail: "\(error)")
        }
        guard let found else { return Row(name: rule.name, status: "unset", maskedValue: "-", detail: "") }

        let maskedValue = Self.masked(found.value, rule.display)
        if let reason = rule.check(found.value) {
            return Row(name: rule.name, status: "invalid", maskedValue: maskedValue, detail: "from \(found.source): \(reason)")
        }
        return Row(name: rule.name, status: "ok", maskedValue: maskedValue, detail: "from \(found.source)")
    }

    private func checkUnused() -> Row? {
        let name = LoginSettings.unusedName
        guard let found = try? configuration.value(name) else { return nil }
        return Row(
            name: name, status: "unused", maskedValue: Self.masked(found.value, .length),
            detail: "from \(found.source): the login never sends a password, so remove it")
    }

    private func checkKeyring(_ keyring: any KeyringStore) -> Row {
        do {
            try keyring.checkWritable(name: keyName, payloadSize: 2048)
            return Row(name: "keyring", status: "ok", maskedValue: keyName, detail: "writable (user keyring)")
        } catch let error as ToolError {
            return Row(name: "keyring", status: "error", maskedValue: keyName, detail: error.message)
        } catch {
            return Row(name: "keyring", status: "error", maskedValue: keyName, detail: "\(error)")
        }
    }

    private func envFileSummary() -> String {
        configuration.envFiles.map { location in
            let exists = access(location.path, F_OK) == 0
            return location.path + (exists ? "" : " (none)")
        }.joined(separator: ", ")
    }

    /// Returns a value as --check-config shows it: never a secret, and only part of a private value.
    static func masked(_ value: String, _ display: SettingRule.Display) -> String {
        let count = value.count
        switch display {
        case .length:
            return "<\(count) characters>"
        case .ends where count > 6:
            return String(value.prefix(2)) + String(repeating: "*", count: count - 4) + String(value.suffix(2))
        case .start where count > 8:
            return String(value.prefix(4)) + "... <\(count) characters>"
        case .ends, .start:
            return "<\(count) characters>"
        case .whole:
            return UpstoxError.printable(value)
        }
    }
}
