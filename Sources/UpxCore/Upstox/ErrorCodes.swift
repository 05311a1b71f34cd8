// The error codes the Upstox login and API are known to return, with a hint for each.

/// The meaning, hint and exit code of one server error code.
public struct KnownErrorCode: Sendable {
    public let code: String
    public let meaning: String
    public let hint: String
    public let exitCode: ExitCode
}

public enum ErrorCodes {
    public static let table: [KnownErrorCode] = [
        KnownErrorCode(
            code: "UDAPI100068", meaning: "client id and redirect URI do not match the app",
            hint: "check UPSTOX_CLIENT_ID and UPSTOX_REDIRECT_URI against the app in the Upstox developer console",
            exitCode: .authenticationRefused),
        KnownErrorCode(
            code: "UDAPI100016", meaning: "invalid credentials",
            hint: "check UPSTOX_CLIENT_SECRET; regenerate it in the developer console if unsure",
            exitCode: .authenticationRefused),
        KnownErrorCode(
            code: "UDAPI10005", meaning: "too many requests",
            hint: "wait a minute and try again", exitCode: .rateLimited),
        KnownErrorCode(
            code: "UDAPI100050", meaning: "invalid or expired token",
            hint: "log in again with 'upx-login --force'", exitCode: .authenticationRefused),
        KnownErrorCode(
            code: "UDAPI100073", meaning: "client id inactive",
            hint: "reactivate the app in the Upstox developer console", exitCode: .authenticationRefused),
        KnownErrorCode(
            code: "UDAPI100074", meaning: "the API is open only from 05:30 to 24:00 IST",
            hint: "try again after 05:30 IST", exitCode: .authenticationRefused),
        KnownErrorCode(
            code: "UDAPI100500", meaning: "wrong OTP",
            hint: "check the clock (timedatectl) and UPSTOX_TOTP_SECRET; compare with 'upx-totp'",
            exitCode: .authenticationRefused),
        KnownErrorCode(
            code: "1017016", meaning: "request refused",
            hint: "check UPSTOX_USERNAME (10-digit mobile number) and the client id", exitCode: .authenticationRefused),
        KnownErrorCode(
            code: "1017069", meaning: "OTP generation blocked after too many tries",
            hint: "wait about 10 minutes before the next login", exitCode: .rateLimited),
        KnownErrorCode(
            code: "1017106", meaning: "incorrect PIN",
            hint: "check UPSTOX_PIN_CODE before trying again: five wrong PINs lock the account",
            exitCode: .authenticationRefused),
    ]

    public static func lookup(_ code: String) -> KnownErrorCode? {
        table.first { $0.code == code }
    }
}
