// The six steps of the Upstox headless login.

import FoundationEssentials

/// The account's credentials and the app's registration, as the login sends them.
public struct LoginCredentials {
    /// The 10-digit mobile number (`UPSTOX_USERNAME`).
    public var mobileNumber: String
    public var pin: Secret
    public var totpSecret: Secret
    public var clientID: String
    public var clientSecret: Secret
    public var redirectURI: String

    public init(
        mobileNumber: String, pin: Secret, totpSecret: Secret, clientID: String,
        clientSecret: Secret, redirectURI: String
    ) {
        self.mobileNumber = mobileNumber
        self.pin = pin
        self.totpSecret = totpSecret
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
    }
}

/// The base URLs of the api and service hosts, already checked by `URLRules`.
public struct UpstoxHosts: Sendable, Equatable {
    public var api: String
    public var service: String

    public init(api: String, service: String) throws {
        self.api = try URLRules.validatedBaseURL(api, name: "UPSTOX_API_BASE_URL")
        self.service = try URLRules.validatedBaseURL(service, name: "UPSTOX_SERVICE_BASE_URL")
    }
}

/// The reply of step 6.
public struct TokenGrant: Sendable {
    public var accessToken: String
    public var extendedToken: String?
    public var userID: String
    public var userName: String
}

/// One login: runs the six steps in order over one transport, so they share its cookie jar.
public final class LoginFlow {
    let client: LoginClient
    let credentials: LoginCredentials
    let makeTOTPCode: () throws -> String
    let countryISDCode: String?
    /// Called just before the PIN is sent; a throw ends the login with no PIN sent.
    public var beforePIN: () throws -> Void = {}
    /// Called once Upstox has accepted the PIN.
    public var afterPIN: () -> Void = {}

    /// - Parameters:
    ///   - makeTOTPCode: called just before each attempt of step 3, so the code is fresh.
    ///   - countryISDCode: sent in step 2 unless nil or empty.
    ///   - pauseMilliseconds: the wait before each request after the first (UPSTOX_SLEEP_TIME).
    ///   - retryPolicy: which failures are retried, how often, and the sleep between attempts.
    ///   - clock, timeZone: the time and zone of the retry times that error messages name.
    ///   - requestID: the `x-request-id` of every step, which the audit trail records.
    ///   - log: receives one line per request for --debug; never a secret.
    public init(
        transport: any HTTPTransport, hosts: UpstoxHosts, credentials: LoginCredentials,
        countryISDCode: String?, pauseMilliseconds: Int = 0, retryPolicy: RetryPolicy = RetryPolicy(),
        clock: any WallClock = SystemClock(), timeZone: any LocalTimeZone = SystemTimeZone(),
        makeTOTPCode: @escaping () throws -> String, requestID: String = LoginClient.newRequestID(),
        log: @escaping (String) -> Void
    ) {
        let sender = RequestSender(
            transport: transport, policy: retryPolicy, clock: clock, pauseMilliseconds: pauseMilliseconds, log: log)
        self.client = LoginClient(sender: sender, hosts: hosts, timeZone: timeZone, requestID: requestID)
        self.credentials = credentials
        self.countryISDCode = countryISDCode
        self.makeTOTPCode = makeTOTPCode
    }

    public func run() throws -> TokenGrant {
        let userID = try openAuthorizationDialog()
        let otpToken = try generateOTP(userID: userID)
        let profile = try verifyTOTP(otpToken: otpToken)
        try beforePIN()
        try verifyPIN(profile: profile)
        afterPIN()
        let code = try approveOAuth()
        return try exchange(code: code)
    }

    /// Step 1: follows the dialog's redirects to the login page, whose URL names the user.
    func openAuthorizationDialog() throws -> String {
        let query = "response_type=code&client_id=\(percentEncoded(credentials.clientID))"
            + "&redirect_uri=\(percentEncoded(credentials.redirectURI))"
        let finalURL = try client.followRedirects(
            step: .authorizationDialog, from: client.hosts.api + ProtocolTable.authorizationDialogPath + "?" + query)

        guard let userID = URLParts(finalURL)?.queryItems["user_id"], !userID.isEmpty else {
            throw UpstoxError.badReply(step: .authorizationDialog, reason: "the login page URL carries no user_id")
        }
        return userID
    }

    /// Step 2: requests an OTP session. With TOTP enabled, no SMS is sent.
    func generateOTP(userID: String) throws -> String {
        var body: [String: JSONValue] = [
            "mobileNumber": .string(credentials.mobileNumber), "userId": .string(userID),
        ]
        if let countryISDCode, !countryISDCode.isEmpty { body["countryIsdCode"] = .string(countryISDCode) }

        let data = try client.postJSON(step: .otpGenerate, url: client.hosts.service + ProtocolTable.otpGeneratePath) { body }
        guard let token = data["validateOTPToken"].string, !token.isEmpty else {
            throw UpstoxError.badReply(step: .otpGenerate, reason: "the reply has no data.validateOTPToken")
        }
        return token
    }

    /// The account that step 3 selected.
    struct VerifiedProfile {
        var profileID: JSONValue
        var userID: String
    }

    /// Step 3: sends the current TOTP code, newest revision first, with a fresh code for each attempt.
    func verifyTOTP(otpToken: String) throws -> VerifiedProfile {
        let makeBody: () throws -> [String: JSONValue] = { [makeTOTPCode] in
            ["otp": .string(try makeTOTPCode()), "validateOtpToken": .string(otpToken)]
        }

        let data = try client.postJSONAnyRevision(step: .totpVerify) { revision in
            (client.hosts.service + ProtocolTable.totpVerifyPath(revision), [], makeBody)
        }
        let profile = data["userProfile"]
        guard let profileID = profile["profileId"].number, let userID = profile["userId"].text else {
            throw UpstoxError.badReply(step: .totpVerify, reason: "the reply has no data.userProfile.profileId and userId")
        }
        return VerifiedProfile(profileID: .number(profileID), userID: userID)
    }

    /// Step 4: sends the PIN, base64-encoded once. Never retried (see `RetryPolicy.allows`):
    /// five wrong PINs lock the account.
    func verifyPIN(profile: VerifiedProfile) throws {
        let encodedPIN = credentials.pin.withBytes { Data($0).base64EncodedString() }
        let query = "?client_id=\(percentEncoded(credentials.clientID))"
            + "&redirect_uri=\(percentEncoded(ProtocolTable.internalRedirectURI))"

        _ = try client.postJSONAnyRevision(step: .pinVerify) { revision in
            var body: [String: JSONValue] = ["twoFAMethod": .string("SECRET_PIN"), "inputText": .string(encodedPIN)]
            var headers: [(name: String, value: String)] = []
            if revision == .r2026 {
                body["profileId"] = profile.profileID
                headers = [("X-Profile-Id", profile.profileID.text ?? ""), ("X-User-Id", profile.userID)]
            }
            return (client.hosts.service + ProtocolTable.pinVerifyPath(revision) + query, headers, { body })
        }
    }

    /// Step 5: approves the app and returns the authorization code from its redirect URI.
    func approveOAuth() throws -> String {
        let url = client.hosts.service + ProtocolTable.oauthAuthorizePath
            + "?client_id=\(percentEncoded(credentials.clientID))"
            + "&redirect_uri=\(percentEncoded(ProtocolTable.internalRedirectURI))"
            + "&requestId=\(percentEncoded(client.requestID))&response_type=code"
        let data = try client.postJSON(step: .oauthApproval, url: url) { ["userOAuthApproval": .bool(true)] }

        guard let redirect = data["redirectUri"].string,
              let code = URLParts(redirect)?.queryItems["code"], !code.isEmpty else {
            throw UpstoxError.badReply(step: .oauthApproval, reason: "the reply has no data.redirectUri with a code")
        }
        return code
    }

    /// Step 6: trades the code for the access token, sending no login cookies.
    func exchange(code: String) throws -> TokenGrant {
        let form = [
            ("code", code), ("client_id", credentials.clientID),
            ("client_secret", credentials.clientSecret.revealed()),
            ("redirect_uri", credentials.redirectURI), ("grant_type", "authorization_code"),
        ]
        let body = form.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        let reply = try client.postForm(step: .tokenExchange, url: client.hosts.api + ProtocolTable.tokenPath, body: body)

        guard let token = reply["access_token"].string, !token.isEmpty else {
            throw UpstoxError.badReply(step: .tokenExchange, reason: "the reply has no access_token")
        }
        return TokenGrant(
            accessToken: token,
            extendedToken: reply["extended_token"].string,
            userID: reply["user_id"].text ?? "",
            userName: reply["user_name"].string ?? "")
    }
}
