// The text and JSON that upx-jwt prints for one token at one instant.

import FoundationEssentials

/// upx-jwt's description of one token: its parts, its times in UTC, IST and local time, and its validity.
struct JWTReport {
    let token: ReadToken
    let status: TokenStatus
    let timeZone: any LocalTimeZone

    private static let labelWidth = 13
    private var indent: String { String(repeating: " ", count: Self.labelWidth) }

    /// Returns the report for a person: the header and claims as indented JSON in their own order,
    /// then one block of lines for each time, the status and the signature.
    func text() -> String {
        var lines: [String] = []
        if let location = token.input.recordLocation { lines.append(field("Token:", location)) }
        if let jwt = token.jwt {
            lines += ["Header:", jwt.header.serialized(pretty: true), "Claims:", jwt.claims.serialized(pretty: true)]
        } else {
            lines.append(field("Token:", "opaque (not a JWT), \(token.length) characters"))
        }
        if token.isUpstox { lines.append(field("Issuer:", "Upstox")) }

        if let issuedAt = token.jwt?.issuedAt { lines += timeLines("Issued at:", issuedAt, relative: relativeText(issuedAt)) }
        if let notBefore = token.jwt?.notBefore { lines += timeLines("Not before:", notBefore, relative: relativeText(notBefore)) }
        lines += expiryLines()
        lines.append(field("Status:", statusText()))
        if let jwt = token.jwt {
            let signature = jwt.signature.isEmpty ? "none (an unsecured JWT)" : "\(jwt.signature.count) bytes, not verified"
            lines.append(field("Signature:", signature))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Returns the report as one line of JSON: `{"header", "claims", "expiry"}`, as --help documents.
    func json() -> String {
        var source: ExpirySource?
        if case .at(_, let found) = status.expiry { source = found }
        let date = status.expiry.date

        let expiry: [OrderedJSON.Member] = [
            .init("at", date.map { .string(CalendarTime.iso8601($0)) } ?? .null),
            .init("unix", date.map { unixValue($0, source: source) } ?? .null),
            .init("source", source.map { .string($0.rawValue) } ?? .null),
            .init("seconds_left", status.secondsLeft.map(OrderedJSON.integer) ?? .null),
            .init("expired", .bool(status.expired)),
            .init("not_yet_valid", .bool(status.notYetValid)),
            .init("valid", status.valid.map(OrderedJSON.bool) ?? .null),
        ]
        let report = OrderedJSON.object([
            .init("header", token.jwt?.header ?? .null),
            .init("claims", token.jwt?.claims ?? .null),
            .init("expiry", .object(expiry)),
        ])
        return report.serialized() + "\n"
    }

    /// Returns the `exp` claim as written when it is the source, so a fractional value stays exact.
    private func unixValue(_ date: Date, source: ExpirySource?) -> OrderedJSON {
        if source == .claim, let claim = token.jwt?.claims["exp"] { return claim }
        return .integer(CalendarTime.wholeSeconds(date))
    }

    private func expiryLines() -> [String] {
        switch status.expiry {
        case .at(let date, let source):
            let seconds = status.secondsLeft ?? 0
            let relative = seconds > 0 ? "expires in \(DurationText.format(seconds))" : "expired \(DurationText.format(-seconds)) ago"
            var lines = timeLines("Expires:", date, relative: relative)
            switch source {
            case .claim: break
            case .computed: lines.append(indent + "computed: no exp claim, and Upstox ends its access tokens at the first 03:30 IST after iat")
            case .recorded: lines.append(indent + "recorded by upx-login at login")
            }
            return lines
        case .never:
            return [field("Expires:", "never (the token has no exp claim)")]
        case .unknown(let reason):
            return [field("Expires:", "unknown: \(reason)")]
        }
    }

    /// Returns one line in UTC with the relative time, then IST for an Upstox token, then local
    /// time where its offset differs from both.
    private func timeLines(_ label: String, _ date: Date, relative: String) -> [String] {
        var lines = [field(label, CalendarTime.text(date, in: .utc) + "  (\(relative))")]
        if token.isUpstox { lines.append(indent + CalendarTime.text(date, in: .india)) }
        let local = timeZone.offset(at: date)
        let offsetsAlreadyShown = token.isUpstox ? [0, ZoneOffset.india.seconds] : [0]
        if !offsetsAlreadyShown.contains(local.seconds) { lines.append(indent + CalendarTime.text(date, in: local) + "  (local time)") }
        return lines
    }

    private func relativeText(_ date: Date) -> String {
        let seconds = CalendarTime.wholeSeconds(date) - CalendarTime.wholeSeconds(status.now)
        return seconds > 0 ? "in \(DurationText.format(seconds))" : "\(DurationText.format(-seconds)) ago"
    }

    private func statusText() -> String {
        var text: String
        if status.notYetValid {
            text = "not valid yet (nbf is ahead)"
        } else if status.expired {
            text = "expired"
        } else if status.tooLittleLeft {
            text = "valid, but less than \(DurationText.format(status.minimumValidity)) left (--min-valid)"
        } else if status.valid == nil {
            text = "unknown, because the expiry is unknown"
        } else {
            text = "valid"
        }
        if status.leeway > 0 { text += " with a leeway of \(DurationText.format(status.leeway))" }
        return text
    }

    private func field(_ label: String, _ value: String) -> String {
        label + String(repeating: " ", count: max(Self.labelWidth - label.count, 1)) + value
    }
}
