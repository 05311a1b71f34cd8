// Finding the TOTP secret for upx-totp: a named file, standard input, an operand, the
// environment or ./.env.

/// A TOTP secret as base32 text or an otpauth:// URI, with the name and source that error messages use.
struct LocatedSecret {
    let text: Secret
    /// `UPSTOX_TOTP_SECRET` when read from that variable, else `TOTP secret`.
    let name: String
    /// `standard input`, `the command line`, `the environment` or a file path.
    let source: String
}

/// The place the command line names for the secret; at most one may be given.
enum SecretRequest {
    /// No place on the command line: the configured secret of a profile, or of UPX_PROFILE when nil.
    case none(profile: String?)
    case standardInput
    case file(String)
    /// A secret typed as the operand, which other local users can read in /proc/PID/cmdline.
    case operand(Secret)
}

/// The places upx-totp looks for the secret.
enum TOTPSecretSource {
    static let variableName = "UPSTOX_TOTP_SECRET"

    /// Returns the secret that the command line names, else `UPSTOX_TOTP_SECRET`, else the file that
    /// `UPSTOX_TOTP_SECRET_FILE` or `UPSTOX_TOTP_SECRET_CMD` give, as upx-login looks them up.
    ///
    /// Files go through the same checks as upx-login's, so a file that other users can read is rejected.
    static func locate(_ request: SecretRequest, context: Context) throws -> LocatedSecret {
        switch request {
        case .file(let name):
            let path = resolvedPath(name, in: context.workingDirectory)
            return LocatedSecret(text: try readFile(path), name: "TOTP secret", source: path)
        case .standardInput:
            return try readStandardInput(context)
        case .operand(let secret):
            context.streams.err(
                "upx-totp: warning: other local users can read a secret given as an argument; "
                    + "use --secret-file, '-' or UPSTOX_TOTP_SECRET instead\n")
            return LocatedSecret(text: secret, name: "TOTP secret", source: "the command line")
        case .none(let profile):
            return try locateConfigured(context, profile: profile)
        }
    }

    /// Looks the secret up as upx-login does: the environment, UPSTOX_TOTP_SECRET_FILE and
    /// UPSTOX_TOTP_SECRET_CMD, systemd credentials, then the profile's env files.
    private static func locateConfigured(_ context: Context, profile: String?) throws -> LocatedSecret {
        let name = try Profiles.name(option: profile, environment: context.environment)
        let configuration = try Configuration(context: context, profile: name)
        let found = try configuration.required(variableName)
        return LocatedSecret(text: Secret(found.value), name: variableName, source: found.source)
    }

    private static func readFile(_ path: String) throws -> Secret {
        guard let bytes = try SecureFile.readSecretFile(at: path) else {
            throw CredentialError.unreadableFile(path: path, reason: "no such file")
        }
        return Secret(bytes)
    }

    private static func readStandardInput(_ context: Context) throws -> LocatedSecret {
        if context.streams.inputIsTerminal {
            context.streams.err("upx-totp: type the secret or otpauth URI, then Enter and Ctrl-D (it is not shown)\n")
        }
        guard let bytes = context.streams.readSecretInput() else {
            throw CredentialError.unreadableFile(path: "standard input", reason: "the read failed")
        }
        return LocatedSecret(text: Secret(bytes), name: "TOTP secret", source: "standard input")
    }
}
