// Finding the TOTP secret for upx-totp: standard input, a named file, the environment or ./.env.

/// A TOTP secret as base32 text, with the name and source that error messages use.
struct LocatedSecret {
    let text: Secret
    /// `UPSTOX_TOTP_SECRET` when read from that variable, else `TOTP secret`.
    let name: String
    /// `standard input`, `the environment` or a file path.
    let source: String
}

/// The places upx-totp looks for the secret.
enum TOTPSecretSource {
    static let variableName = "UPSTOX_TOTP_SECRET"

    /// Returns the secret from standard input (`-`), else `--secret-file`, else the environment,
    /// else `./.env` in the working directory.
    ///
    /// Files go through the same checks as upx-login's, so a file that other users can read is rejected.
    static func locate(readStandardInput: Bool, secretFile: String?, context: Context) throws -> LocatedSecret {
        if readStandardInput {
            // NOTE: echo stays on, so a terminal shows the secret as it is typed. Turning echo off with tcsetattr would fix that.
            if context.streams.inputIsTerminal {
                context.streams.err("upx-totp: reading the secret from standard input (end with Ctrl-D)\n")
            }
            guard let bytes = context.streams.readInput() else {
                throw CredentialError.unreadableFile(path: "standard input", reason: "the read failed")
            }
            return LocatedSecret(text: Secret(bytes), name: "TOTP secret", source: "standard input")
        }

        if let secretFile {
            let path = resolvedPath(secretFile, in: context.workingDirectory)
            guard let bytes = try SecureFile.readSecretFile(at: path) else {
                throw CredentialError.unreadableFile(path: path, reason: "no such file")
            }
            return LocatedSecret(text: Secret(bytes), name: "TOTP secret", source: path)
        }

        let found = try Configuration.load(context: context, needed: [variableName]).required(variableName)
        return LocatedSecret(text: Secret(found.value), name: variableName, source: found.source)
    }
}
