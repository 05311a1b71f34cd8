// The error codes the Upstox login and API are known to return, with a hint for each.

import FoundationEssentials

/// The meaning, hint and exit code of one server error code.
public struct KnownErrorCode: Sendable {
    public let code: String
    public let meaning: String
    public let hint: String
    public let exitCode: ExitCode
}

public enum ErrorCodes {
    /// The code of a rate limit, in either reply style; see `RetryPolicy` for how it is retried.
    public static let tooManyRequests = "UDAPI10005"
    /// The code of a token that is unknown, revoked or expired.
    public static let invalidToken = "UDAPI100050"
    /// The code of OTP generation blocked for about 10 minutes after a few tries.
    public static let otpGenerationBlocked = "1017069"
    /// How long Upstox blocks OTP generation after `otpGenerationBlocked`, about 10 minutes by its message.
    public static let otpBlockSeconds: Int64 = 600
    /// The code of a wrong PIN; five of them lock the account.
    public static let incorrectPIN = "1017106"
    /// The code of a request made outside the API's opening hours.
    public static let outsideOpeningHours = "UDAPI100074"

    public static let table: [KnownErrorCode] = [
        KnownErrorCode(
            code: "UDAPI100068", meaning: "client id and redirect URI do not match the app",
            hint: "check UPSTOX_CLIENT_ID and UPSTOX_REDIRECT_URI against the app in the Upstox developer console",
            exitCode: .authenticationRejected),
        KnownErrorCode(
            code: "UDAPI100016", meaning: "invalid client credentials",
            hint: "check UPSTOX_CLIENT_ID and UPSTOX_CLIENT_SECRET; regenerate the secret in the developer console if unsure",
            exitCode: .authenticationRejected),
        KnownErrorCode(
            code: tooManyRequests, meaning: "too many requests",
            hint: "wait a minute and try again; --retries sets how often upx-login retries by itself",
            exitCode: .rateLimited),
        KnownErrorCode(
            code: invalidToken, meaning: "invalid or expired token",
            hint: "log in again with 'upx-login --force'", exitCode: .authenticationRejected),
        KnownErrorCode(
            code: "UDAPI100073", meaning: "client id inactive",
            hint: "reactivate the app in the Upstox developer console", exitCode: .authenticationRejected),
        KnownErrorCode(
            code: outsideOpeningHours, meaning: "the API is open only from 05:30 to 24:00 IST",
            hint: "try again after 05:30 IST", exitCode: .rateLimited),
        KnownErrorCode(
            code: "UDAPI100500", meaning: "wrong OTP",
            hint: "check the clock (timedatectl) and UPSTOX_TOTP_SECRET; compare with 'upx-totp'",
            exitCode: .authenticationRejected),
        KnownErrorCode(
            code: "1017016", meaning: "request rejected",
            hint: "check UPSTOX_USERNAME (10-digit mobile number) and the client id", exitCode: .authenticationRejected),
        KnownErrorCode(
            code: otpGenerationBlocked, meaning: "OTP generation blocked after too many tries",
            hint: "wait about 10 minutes before the next login", exitCode: .rateLimited),
        KnownErrorCode(
            code: "1017106", meaning: "incorrect PIN",
            hint: "check UPSTOX_PIN_CODE before trying again: five wrong PINs lock the account",
            exitCode: .authenticationRejected),
        KnownErrorCode(
            code: "UDAPI100057", meaning: "authorization code unknown or already used",
            hint: "each code works once; run upx-login again for a new login", exitCode: .authenticationRejected),
        KnownErrorCode(
            code: "UDAPI100036", meaning: "malformed token request",
            hint: "Upstox could not read the form upx-login sent, so the protocol may have changed; "
                + "report it with the output of --debug",
            exitCode: .network),
        KnownErrorCode(
            code: "UDAPI100067", meaning: "an extended token cannot make this request",
            hint: "the extended token is read-only; use the access token", exitCode: .authenticationRejected),
    ]

    public static func lookup(_ code: String) -> KnownErrorCode? {
        table.first { $0.code == code }
    }

    /// Returns when a rejection with `code` ends, as clock text for the user, or nil for a code
    /// whose rejection has no known end.
    public static func retryTime(for code: String, now: Date, timeZone: any LocalTimeZone) -> String? {
        let seconds = CalendarTime.wholeSeconds(now)
        switch code {
        case otpGenerationBlocked:
            return "\(clockTime(otpBlockEnd(after: seconds), timeZone)) (about 10 minutes)"
        case outsideOpeningHours:
            // 05:30 IST is 00:00 UTC, so the API opens at the next UTC midnight.
            let opening = (seconds / 86_400 + 1) * 86_400
            let wait = "in \(DurationText.format(opening - seconds))"
            let local = timeZone.offset(at: Date(timeIntervalSince1970: Double(opening)))
            if local.seconds == ZoneOffset.india.seconds { return "05:30 IST (\(wait))" }
            return "05:30 IST (\(clockTime(opening, timeZone)), \(wait))"
        default:
            return nil
        }
    }

    /// Returns the end of an OTP block that began at `seconds`. The block lasts about 10 minutes,
    /// so this is the next whole minute after that.
    static func otpBlockEnd(after seconds: Int64) -> Int64 {
        (seconds + otpBlockSeconds + 59) / 60 * 60
    }

    /// Formats Unix seconds as hours and minutes in the given zone: `14:42 IST`.
    static func clockTime(_ unixSeconds: Int64, _ timeZone: any LocalTimeZone) -> String {
        let zone = timeZone.offset(at: Date(timeIntervalSince1970: Double(unixSeconds)))
        let secondOfDay = ((unixSeconds + Int64(zone.seconds)) % 86_400 + 86_400) % 86_400
        let hours = String(secondOfDay / 3600).leftPadded(to: 2)
        let minutes = String(secondOfDay % 3600 / 60).leftPadded(to: 2)
        let name = zone.abbreviation.isEmpty ? CalendarTime.offsetText(zone.seconds) : zone.abbreviation
        return "\(hours):\(minutes) \(name)"
    }
}
