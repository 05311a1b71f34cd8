// Every path, fixed value and revision of the Upstox headless login, in one place,
// because the service is undocumented for this use and changes.

/// A revision of the login service's step paths, newest first in `allCases`.
public enum ProtocolRevision: String, CaseIterable, Sendable {
    /// Seen on the login page from September 2026: v5 TOTP verify, v4 PIN with `profileId`.
    case r2026 = "2026"
    /// Spoken by the reference client `upstox-totp` 1.0.8: v4 TOTP verify, v3 PIN.
    case r2025 = "2025"
}

/// The steps of a login, and the calls after it, in the order they run.
public enum LoginStep: Int, Sendable, CaseIterable {
    case authorizationDialog = 1, otpGenerate, totpVerify, pinVerify, oauthApproval, tokenExchange
    case profile, logout

    /// The step as messages name it: number and purpose.
    public var label: String {
        switch self {
        case .authorizationDialog: "step 1 (authorization dialog)"
        case .otpGenerate: "step 2 (OTP generate)"
        case .totpVerify: "step 3 (TOTP verify)"
        case .pinVerify: "step 4 (PIN)"
        case .oauthApproval: "step 5 (OAuth approval)"
        case .tokenExchange: "step 6 (token exchange)"
        case .profile: "profile request"
        case .logout: "logout request"
        }
    }
}

/// Paths on the api and service hosts, and the fixed values the login sends.
public enum ProtocolTable {
    public static let defaultAPIBaseURL = "https://api.upstox.com"
    public static let defaultServiceBaseURL = "https://service.upstox.com"

    public static let authorizationDialogPath = "/v2/login/authorization/dialog"
    public static let otpGeneratePath = "/login/open/v6/auth/1fa/otp/generate"
    public static let oauthAuthorizePath = "/login/v2/oauth/authorize"
    public static let tokenPath = "/v2/login/authorization/token"
    public static let profilePath = "/v2/user/profile"
    public static let logoutPath = "/v2/logout"

    public static func totpVerifyPath(_ revision: ProtocolRevision) -> String {
        switch revision {
        case .r2026: "/login/open/v5/auth/1fa/otp-totp/verify"
        case .r2025: "/login/open/v4/auth/1fa/otp-totp/verify"
        }
    }

    public static func pinVerifyPath(_ revision: ProtocolRevision) -> String {
        switch revision {
        case .r2026: "/login/open/v4/auth/2fa"
        case .r2025: "/login/open/v3/auth/2fa"
        }
    }

    /// The redirect URI of steps 4 and 5: Upstox's own, not the app's.
    public static let internalRedirectURI = "https://api-v2.upstox.com/login/authorization/redirect"
    /// The login page, sent as `origin` and `referer` on the login steps.
    public static let loginPageOrigin = "https://login.upstox.com"
    /// India's dialling code as step 2 of the 2026 revision sends it. NOTE: the exact form
    /// (`+91` or `91`) is unconfirmed, so `UPSTOX_COUNTRY_ISD_CODE` overrides it.
    public static let defaultCountryISDCode = "+91"
    public static let userAgent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    /// Statuses that mean the path does not exist, the only ones that send a step to the older revision.
    public static let fallbackStatuses: Set<Int> = [404, 405]
}
