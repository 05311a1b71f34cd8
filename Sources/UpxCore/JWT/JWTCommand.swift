// upx-jwt: print a JWT's header, claims and expiry without checking its signature.

import FoundationEssentials

/// The upx-jwt tool: its help and its body, run by `ToolRunner`.
public enum JWTCommand {
    public static let info = ToolInfo(
        name: "upx-jwt",
        summary: "Decode a JWT without checking its signature: print its header, claims and expiry.",
        usage: ["[OPTIONS] [TOKEN]", "[OPTIONS] -"],
        options: [
            OptionSpec("json", help: "print one JSON object instead of text"),
        ],
        details: """
            The token is read from standard input when TOKEN is missing or '-'. A leading
            'Bearer ' is ignored. A token given as an argument shows up in the process list
            and shell history, so prefer standard input for a live token.

            --json prints one object with the keys header, claims, expiry, expired,
            notYetValid and secondsUntilExpiry. expiry is ISO 8601 UTC, and
            secondsUntilExpiry is negative once expired. Both are null without an exp claim.

            The exit status is 0 for a token that has no exp or has not expired, 1 for one
            that has expired or whose nbf is still ahead, and 3 for a malformed token.
            """
    )

    /// Runs upx-jwt with parsed arguments and returns its exit status.
    public static func run(_ arguments: ParsedArguments, _ context: Context) throws -> ExitCode {
        let token = try readToken(arguments, context)
        let jwt = try JWT(decoding: token)
        let report = JWTReport(jwt: jwt, now: context.clock.now())

        context.streams.out(arguments.has("json") ? report.json() + "\n" : report.text())
        return report.expired || report.notYetValid ? .negative : .success
    }

    /// Reads the token from the operand, or from standard input when there is none or it is `-`.
    private static func readToken(_ arguments: ParsedArguments, _ context: Context) throws -> String {
        if arguments.operands.count > 1 {
            // The extra operand may be a second token, so only its start is echoed.
            let extra = arguments.operands[1]
            throw UsageError.unexpectedArgument(extra.count <= 8 ? extra : extra.prefix(3) + "…")
        }

        var token: String
        if let operand = arguments.operands.first, operand != "-" {
            token = operand
        } else {
            if context.streams.inputIsTerminal {
                context.streams.err("upx-jwt: reading the token from standard input (end with Ctrl-D)\n")
            }
            guard let bytes = context.streams.readInput() else { throw JWTError.unreadableInput }
            token = String(decoding: bytes, as: UTF8.self)
        }

        token = String(token.drop(while: { $0.isWhitespace }))
        if token.lowercased().hasPrefix("bearer ") { token = String(token.dropFirst(7)) }
        return token
    }
}

/// The text and JSON that upx-jwt prints for one token at one instant.
struct JWTReport {
    let jwt: JWT
    let now: Date

    var expired: Bool { jwt.isExpired(at: now) }
    var notYetValid: Bool { jwt.isNotYetValid(at: now) }

    /// Whole seconds from now until `exp`, negative once it has passed, or nil without `exp`.
    var secondsUntilExpiry: Int64? {
        jwt.expiry.map { Int64(($0.timeIntervalSince1970 - now.timeIntervalSince1970).rounded(.down)) }
    }

    func text() -> String {
        var lines = [
            "Header:", jwt.header.serialized(pretty: true),
            "Claims:", jwt.claims.serialized(pretty: true),
        ]
        if let issuedAt = jwt.issuedAt { lines.append("Issued at:  \(isoText(issuedAt))") }
        if let notBefore = jwt.notBefore {
            lines.append("Not before: \(isoText(notBefore))" + (notYetValid ? " (not valid yet)" : ""))
        }
        if let expiry = jwt.expiry, let seconds = secondsUntilExpiry {
            let state = expired ? "expired \(durationText(-seconds)) ago" : "expires in \(durationText(seconds))"
            lines.append("Expiry:     \(isoText(expiry)) (\(state))")
        } else {
            lines.append("Expiry:     none (the token has no exp claim)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func json() -> String {
        let object: [String: JSONValue] = [
            "header": jwt.header,
            "claims": jwt.claims,
            "expiry": jwt.expiry.map { .string(isoText($0)) } ?? .null,
            "expired": .bool(expired),
            "notYetValid": .bool(notYetValid),
            "secondsUntilExpiry": secondsUntilExpiry.map { .number(Double($0)) } ?? .null,
        ]
        return JSONValue.object(object).serialized()
    }
}

/// Formats a time as ISO 8601 in UTC, to the second: `2026-12-05T22:00:00Z`.
func isoText(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle())
}

/// Formats a non-negative duration in its two largest units: `2d 3h`, `3h 12m`, `12m 5s`, `45s`.
func durationText(_ seconds: Int64) -> String {
    let days = seconds / 86_400
    let hours = seconds % 86_400 / 3600
    let minutes = seconds % 3600 / 60
    let rest = seconds % 60
    if days > 0 { return "\(days)d \(hours)h" }
    if hours > 0 { return "\(hours)h \(minutes)m" }
    if minutes > 0 { return "\(minutes)m \(rest)s" }
    return "\(rest)s"
}
