// upx-login --status: what is cached for a profile, never the token itself.

import FoundationEssentials

extension LoginCommand {
    /// Prints the cached token's facts on stdout, as rows or with --json as one object. Exits 0
    /// when it is valid (with --min-valid, valid for more than that), else 1.
    static func status(_ cache: TokenCache, strict: Bool, json: Bool, _ context: Context) throws -> ExitCode {
        let now = context.clock.now()
        let record = try cache.record()
        let keyID = record == nil ? nil : try cache.keyID()
        let left = record?.secondsLeft(at: now)
        let valid = left.map { $0 > (strict ? cache.minimumValidity : 0) } ?? false
        let limit = LoginRateLimit(keyring: cache.keyring, profile: cache.profile)
        let recentLogins = try? limit.recentStarts(at: CalendarTime.wholeSeconds(now)).count
        let blocks = try? limit.blocks(at: CalendarTime.wholeSeconds(now))

        if json {
            let location = location(cache, useKeyring: true, keyID: keyID, source: .cache)
            var members: [String: JSONValue] = [
                "profile": .string(cache.profile), "key": .string(cache.keyName), "keyring": .string(cache.kind.rawValue),
                "key_id": .null,
            ]
            if let record, case .object(let recordMembers) = LoginOutput.json(record, location: location, now: now, includingTokens: false) {
                members.merge(recordMembers) { _, recorded in recorded }
                members["source"] = nil
            }
            members["state"] = .string(state(left: left, minimum: cache.minimumValidity))
            members["valid"] = .bool(valid)
            members["recent_logins"] = recentLogins.map { .number(Double($0)) } ?? .null
            members["otp_blocked_until"] = blocks?.otpBlockedUntil.map { .number(Double($0)) } ?? .null
            members["pin_rejected_at"] = blocks?.pinRejectedAt.map { .number(Double($0)) } ?? .null
            context.streams.out(JSONValue.object(members).serialized() + "\n")
            return valid ? .success : .negative
        }

        var rows: [(String, String)] = [("profile", cache.profile)]
        rows.append(("keyring", cache.kind.displayName + ", key " + cache.keyName + (keyID.map { " (id \($0))" } ?? "")))
        if cache.kind == .persistent {
            rows.append(("", "the kernel drops the persistent keyring 3 days after its last use; each run renews that"))
        }
        if let record, let left {
            rows.append(("user", record.printableUser))
            rows.append(("issued", time(record.issuedAt)))
            rows.append(("expires", time(record.expiresAt)))
            let renewable = record.expiresAt < CalendarTime.wholeSeconds(TokenExpiry.nextCutoff(after: now))
            rows.append(("status", statusText(left: left, minimum: cache.minimumValidity, renewable: renewable)))
        } else {
            rows.append(("status", "no cached token (log in with upx-login)"))
        }
        if let recentLogins {
            rows.append(("logins", "\(recentLogins) in the last 5m (limit \(LoginRateLimit.maximumLogins))"))
        }
        if let until = blocks?.otpBlockedUntil {
            rows.append(("blocked", "Upstox blocked OTP generation (1017069) until about \(LoginLimitError.clockTime(until))"))
        }
        if let rejected = blocks?.pinRejectedAt {
            rows.append(("blocked", "Upstox rejected the PIN (1017106) at \(LoginLimitError.clockTime(rejected)); "
                + LoginLimitError.pinFix(cache.profile)))
        }
        for (name, value) in rows {
            context.streams.out("\((name.isEmpty ? "" : name + ":").rightPadded(to: 9)) \(value)\n")
        }
        return valid ? .success : .negative
    }

    /// Returns one word for scripts: `valid`, `expiring` (under the minimum), `expired` or `none`.
    private static func state(left: Int64?, minimum: Int64) -> String {
        guard let left else { return "none" }
        if left <= 0 { return "expired" }
        return left <= minimum ? "expiring" : "valid"
    }

    private static func time(_ seconds: Int64) -> String {
        let instant = Date(timeIntervalSince1970: Double(seconds))
        return CalendarTime.text(instant, in: .utc) + " (" + CalendarTime.text(instant, in: .india) + ")"
    }

    /// Describes the time left, and what the next run does when it is under the minimum.
    private static func statusText(left: Int64, minimum: Int64, renewable: Bool) -> String {
        if left <= 0 { return "expired \(DurationText.format(-left)) ago" }
        guard left <= minimum else { return "valid for \(DurationText.format(left))" }
        if renewable {
            return "valid for \(DurationText.format(left)); the next upx-login logs in again, "
                + "because less than \(DurationText.format(minimum)) is left"
        }
        return "valid for \(DurationText.format(left)); served until it expires, "
            + "because a new login would also end at 03:30 IST"
    }

    /// Removes every upx key of the user from the user, persistent and session keyrings.
    static func purge(_ context: Context, audit: LoginAudit, quiet: Bool) -> ExitCode {
        var removed = 0
        var failure: KeyringError?
        for kind in KeyringKind.allCases {
            let keyring = context.keyring.selecting(kind)
            do {
                for entry in try keyring.list(prefix: "upx:") {
                    try keyring.unlink(entry)
                    removed += 1
                    if !quiet { context.streams.err("upx-login: removed key \(entry.name) (id \(entry.id)) from the \(kind.displayName)\n") }
                    // One line per token, because a rate-limit key belongs to its profile's token.
                    if let profile = TokenCache.profile(ofTokenKey: entry.name) {
                        audit.record(AuditEvent(outcome: "purge", profile: profile, keyring: kind.rawValue), at: context.clock.now())
                    }
                }
            } catch let error as KeyringError {
                failure = failure ?? error
                context.streams.err("upx-login: \(error.message)\n")
            } catch {
                context.streams.err("upx-login: \(error)\n")
            }
        }
        if !quiet && removed == 0 && failure == nil {
            context.streams.err("upx-login: no upx keys in the user, persistent or session keyring\n")
        }
        return failure == nil ? .success : .keyring
    }
}
