// Turning configuration into the values a login needs, checked before any request.

import FoundationEssentials

/// The checks and conversions between `Configuration` and `LoginFlow`.
public enum LoginSettings {
    /// The credentials every login needs.
    public static let requiredNames = [
        "UPSTOX_USERNAME", "UPSTOX_PIN_CODE", "UPSTOX_TOTP_SECRET", "UPSTOX_CLIENT_ID",
        "UPSTOX_CLIENT_SECRET", "UPSTOX_REDIRECT_URI",
    ]

    /// Reads and checks the six login credentials; a failure names the variable and its source.
    public static func credentials(from configuration: Configuration) throws -> LoginCredentials {
        let mobile = try configuration.required("UPSTOX_USERNAME")
        guard mobile.value.count == 10, mobile.value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw CredentialError.invalid(name: "UPSTOX_USERNAME", source: mobile.source, reason: "expected a 10-digit mobile number")
        }
        let pin = try configuration.required("UPSTOX_PIN_CODE")
        // Upstox PINs are 6 digits; a PIN of another shape would only spend one of the five attempts.
        guard pin.value.count == 6, pin.value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw CredentialError.invalid(name: "UPSTOX_PIN_CODE", source: pin.source, reason: "expected 6 digits")
        }
        let totpSecret = try configuration.required("UPSTOX_TOTP_SECRET")
        let clientID = try configuration.required("UPSTOX_CLIENT_ID")
        guard clientID.value.count <= 256, clientID.value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw CredentialError.invalid(
                name: "UPSTOX_CLIENT_ID", source: clientID.source, reason: "expected the app's API key: printable ASCII without spaces")
        }
        let clientSecret = try configuration.required("UPSTOX_CLIENT_SECRET")
        let redirectURI = try configuration.required("UPSTOX_REDIRECT_URI")
        guard URLParts(redirectURI.value) != nil else {
            throw CredentialError.invalid(
                name: "UPSTOX_REDIRECT_URI", source: redirectURI.source, reason: "expected an absolute http:// or https:// URL")
        }

        let secret = Secret(totpSecret.value)
        // Decoding now turns a typo into an error before step 1, not a wrong OTP at step 3.
        do {
            _ = try totpCode(secret, at: Date(timeIntervalSince1970: 0))
        } catch let error as OTPError {
            throw CredentialError.invalid(name: "UPSTOX_TOTP_SECRET", source: totpSecret.source, reason: error.reason)
        }
        return LoginCredentials(
            mobileNumber: mobile.value, pin: Secret(pin.value), totpSecret: secret,
            clientID: clientID.value, clientSecret: Secret(clientSecret.value), redirectURI: redirectURI.value)
    }

    /// Returns the api and service base URLs, from the configuration or Upstox's defaults.
    public static func hosts(from configuration: Configuration) throws -> UpstoxHosts {
        try UpstoxHosts(
            api: configuration.value("UPSTOX_API_BASE_URL")?.value ?? ProtocolTable.defaultAPIBaseURL,
            service: configuration.value("UPSTOX_SERVICE_BASE_URL")?.value ?? ProtocolTable.defaultServiceBaseURL)
    }
}

extension LoginSettings {
    /// Computes the Upstox TOTP code (SHA-1, 6 digits, 30 s) for a base32 secret at `date`.
    public static func totpCode(_ base32Secret: Secret, at date: Date) throws -> String {
        let key = try Base32.decode(base32Secret)
        return try TOTP().code(key: key, at: date)
    }

    /// Returns the `exp` claim of a JWT access token, or nil when the token is not a JWT or has none.
    public static func claimedExpiry(of token: String) -> Date? {
        try? JWT(decoding: token).expiry
    }
}
