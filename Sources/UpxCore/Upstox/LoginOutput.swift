// upx-login's standard output for a token: shell commands, env lines, JSON or the bare token.

import FoundationEssentials

/// The form of upx-login's standard output, chosen with `--format` or its short options.
public enum LoginOutputFormat: String, CaseIterable, Sendable {
    /// Commands for a shell's eval: `--export`.
    case export
    /// Plain `KEY=VALUE` lines for systemd's EnvironmentFile= and docker's --env-file.
    case env
    /// One JSON object on one line: `--json`.
    case json
    /// The bare access token: `--print`.
    case token
}

/// The key and keyring of a token record, and whether this run read it from there or logged in for it.
public struct TokenLocation: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// Read from the keyring without a request.
        case cache
        /// Issued by a login in this run.
        case login
    }

    public var profile: String
    /// The key's description, such as `upx:default`.
    public var keyName: String
    /// The keyring as `--keyring` names it: user, persistent or session.
    public var keyringName: String
    /// The key's serial number, or nil when this run did not obtain it.
    public var keyID: Int32?
    public var source: Source

    public init(profile: String, keyName: String, keyringName: String, keyID: Int32?, source: Source) {
        self.profile = profile
        self.keyName = keyName
        self.keyringName = keyringName
        self.keyID = keyID
        self.source = source
    }
}

/// A token value that the chosen output cannot carry so that it reads back unchanged.
public struct LoginOutputError: ToolError, Equatable {
    public let variable: String
    public let format: String
    public let reason: String

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        "cannot write \(variable) for \(format): \(reason); use --json or --export --shell sh instead"
    }
}

/// Builds upx-login's standard output from a token record.
public enum LoginOutput {
    /// Returns the variables that `--export`, `--format env` and `--exec` set, in order.
    public static func variables(of record: TokenRecord) -> [(name: String, value: String)] {
        [
            ("UPSTOX_ACCESS_TOKEN", record.accessToken),
            ("UPSTOX_TOKEN_EXPIRES_AT", String(record.expiresAt)),
            ("UPSTOX_USER_ID", record.userID),
        ]
    }

    /// Returns the whole standard output for `format`, or throws before anything is printed
    /// when a value cannot be written in that form. With `shell` nil, `--export` writes for the
    /// parent process's shell, which only that format looks up, because it reads /proc.
    public static func text(
        _ format: LoginOutputFormat, shell: ShellKind?, record: TokenRecord, location: TokenLocation, now: Date
    ) throws(LoginOutputError) -> String {
        switch format {
        case .export: return try exportCommands(record, shell: shell ?? ParentShell.detect())
        case .env: return try environmentLines(record)
        case .json: return json(record, location: location, now: now, includingTokens: true).serialized() + "\n"
        case .token: return record.accessToken + "\n"
        }
    }

    /// Returns the commands that export the variables in `shell`.
    public static func exportCommands(_ record: TokenRecord, shell: ShellKind) throws(LoginOutputError) -> String {
        var text = ""
        for (name, value) in variables(of: record) {
            try rejectNUL(value, name: name, format: "--export")
            guard let command = shell.exportCommand(name: name, value: value) else {
                throw LoginOutputError(
                    variable: name, format: "--shell \(shell.rawValue)", reason: "the value contains a line break, which csh cannot quote")
            }
            text += command
        }
        return text
    }

    /// Returns `NAME=VALUE` lines without quoting.
    ///
    /// docker's --env-file takes a value verbatim, but systemd's EnvironmentFile= strips
    /// blanks around it and reads quotes and backslashes as syntax. A value is written only
    /// when both read it back unchanged, which the token, the expiry and Upstox user ids do.
    public static func environmentLines(_ record: TokenRecord) throws(LoginOutputError) -> String {
        var text = ""
        for (name, value) in variables(of: record) {
            try rejectNUL(value, name: name, format: "--format env")
            if let reason = environmentLineProblem(value) {
                throw LoginOutputError(variable: name, format: "--format env", reason: reason)
            }
            text += "\(name)=\(value)\n"
        }
        return text
    }

    /// Returns the record as one JSON object; `includingTokens: false` leaves out
    /// `access_token` and `extended_token`, for output that must never show a token.
    ///
    /// Keys: profile, key, keyring, key_id (null when unknown), source (cache or login),
    /// user_id, user_name, access_token, extended_token (or null), issued_at and expires_at
    /// (Unix seconds), and seconds_left (negative once expired).
    public static func json(_ record: TokenRecord, location: TokenLocation, now: Date, includingTokens: Bool) -> JSONValue {
        var members: [String: JSONValue] = [
            "profile": .string(location.profile),
            "key": .string(location.keyName),
            "keyring": .string(location.keyringName),
            "key_id": location.keyID.map { .number(Double($0)) } ?? .null,
            "source": .string(location.source.rawValue),
            "user_id": .string(record.userID),
            "user_name": .string(record.userName),
            "issued_at": .number(Double(record.issuedAt)),
            "expires_at": .number(Double(record.expiresAt)),
            "seconds_left": .number(Double(record.secondsLeft(at: now))),
        ]
        if includingTokens {
            members["access_token"] = .string(record.accessToken)
            members["extended_token"] = record.extendedToken.map { .string($0) } ?? .null
        }
        return .object(members)
    }

    /// Returns why systemd or docker would read `value` differently in an env file, or nil.
    static func environmentLineProblem(_ value: String) -> String? {
        let scalars = value.unicodeScalars
        if scalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
            return "the value contains a line break, which ends an env file line"
        }
        if scalars.contains(where: { $0 == "\"" || $0 == "'" || $0 == "\\" }) {
            return "the value contains a quote or backslash, which systemd's EnvironmentFile= reads as syntax"
        }
        if let first = scalars.first, let last = scalars.last, first == " " || first == "\t" || last == " " || last == "\t" {
            return "the value starts or ends with a blank, which systemd's EnvironmentFile= would strip"
        }
        return nil
    }

    /// Rejects a NUL character, which no environment variable can contain.
    private static func rejectNUL(_ value: String, name: String, format: String) throws(LoginOutputError) {
        if value.unicodeScalars.contains("\0") {
            throw LoginOutputError(variable: name, format: format, reason: "the value contains a NUL character")
        }
    }
}
