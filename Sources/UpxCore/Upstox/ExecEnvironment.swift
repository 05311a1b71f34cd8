// The environment that `upx-login --exec` gives the command: the token in, the credentials out.

/// Builds the environment of a command run by `upx-login --exec`.
public enum ExecEnvironment {
    /// The credentials that only a login needs. They are removed from the command's environment,
    /// together with their `_FILE` and `_CMD` variables.
    public static let secretNames = ["UPSTOX_PIN_CODE", "UPSTOX_TOTP_SECRET", "UPSTOX_CLIENT_SECRET", LoginSettings.unusedName]

    /// Returns `environment` without the secret credential variables and with the token's variables set.
    public static func forCommand(_ environment: [String: String], record: TokenRecord) -> [String: String] {
        var result = withoutSecrets(environment)
        for (name, value) in LoginOutput.variables(of: record) {
            result[name] = value
        }
        return result
    }

    /// Returns `environment` without each secret name and its `_FILE` and `_CMD` variants.
    public static func withoutSecrets(_ environment: [String: String]) -> [String: String] {
        let removed = Set(secretNames.flatMap { [$0, $0 + "_FILE", $0 + "_CMD"] })
        return environment.filter { !removed.contains($0.key) }
    }
}
