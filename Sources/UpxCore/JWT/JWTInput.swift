// upx-jwt's token sources (an argument, standard input, or upx-login's record in the keyring),
// and the clean-up of a token pasted with quotes or a `Bearer ` prefix.

/// The token text upx-jwt reads, with the keyring record it came from, if any.
struct JWTInput {
    let text: String
    /// upx-login's record, when the token came from the keyring.
    let record: TokenRecord?
    /// The key and keyring of the record, such as "key upx:default in the user keyring".
    let recordLocation: String?

    /// Reads the token from the operand, from standard input, or else from the keyring.
    ///
    /// With no operand, piped standard input is read, and the keyring is used when that input is
    /// empty or cannot be read, as when it is closed. A terminal on standard input, --profile or
    /// --keyring all mean the keyring.
    static func read(_ arguments: ParsedArguments, _ context: Context) throws -> JWTInput {
        if arguments.operands.count > 1 {
            // The extra operand may be a second token, so only its start is echoed.
            let extra = arguments.operands[1]
            throw UsageError.unexpectedArgument(extra.count <= 8 ? extra : extra.prefix(3) + "…")
        }
        let keyringOption = ["profile", "keyring"].first { arguments.has($0) }.map { "--" + $0 }

        if let operand = arguments.operands.first {
            if let keyringOption { throw UsageError.conflictingOptions(operand == "-" ? "-" : "TOKEN", keyringOption) }
            let text = operand == "-" ? try standardInput(context) : cleaned(operand)
            guard !text.isEmpty else { throw JWTError.empty }
            return JWTInput(text: text, record: nil, recordLocation: nil)
        }

        if keyringOption == nil, !context.streams.inputIsTerminal, let text = try? standardInput(context), !text.isEmpty {
            return JWTInput(text: text, record: nil, recordLocation: nil)
        }
        return try cached(arguments, context)
    }

    /// Reads upx-login's record of the current profile from the selected keyring.
    private static func cached(_ arguments: ParsedArguments, _ context: Context) throws -> JWTInput {
        let profile = try Profiles.name(option: arguments.value("profile"), environment: context.environment)
        let keyring = try KeyringKind.selected(arguments, environment: context.environment)
        let keyName = "upx:\(profile)"

        guard let payload = try context.keyring.selecting(keyring).read(name: keyName) else {
            throw JWTError.noCachedToken(keyName: keyName, keyring: keyring)
        }
        guard let record = TokenRecord.decode(payload) else {
            throw JWTError.invalidRecord(keyName: keyName, keyring: keyring)
        }
        let text = cleaned(record.accessToken)
        guard !text.isEmpty else { throw JWTError.invalidRecord(keyName: keyName, keyring: keyring) }
        return JWTInput(text: text, record: record, recordLocation: "key \(keyName) in the \(keyring.displayName)")
    }

    private static func standardInput(_ context: Context) throws -> String {
        guard let bytes = context.streams.readInput() else { throw JWTError.unreadableInput }
        return cleaned(String(decoding: bytes, as: UTF8.self))
    }

    /// Removes what often surrounds a pasted token: whitespace and line ends, one pair of
    /// matching quotes, and a `Bearer ` prefix in any case, in any nesting of these.
    static func cleaned(_ raw: String) -> String {
        var text = Substring(raw)
        while true {
            let before = text
            text = Substring(text.trimmingCharacters(in: " \t\r\n\u{0B}\u{0C}"))
            if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
                text = text.dropFirst().dropLast()
            }
            if text.prefix(7).lowercased() == "bearer ", text.count > 7 {
                text = text.dropFirst(7)
            }
            if text == before { return String(text) }
        }
    }
}
