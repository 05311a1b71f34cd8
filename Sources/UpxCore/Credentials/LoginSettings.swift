// Turning configuration into the values a login needs, checked before any request.

import FoundationEssentials

/// One setting upx-login reads: how to check it and how --check-config may show it.
public struct SettingRule: Sendable {
    public enum Display: Sendable {
        /// Only the length, for a secret.
        case length
        /// The first and last two characters, for the mobile number.
        case ends
        /// The first four characters, for the client id.
        case start
        /// The whole value, for settings that are not private.
        case whole
    }

    public let name: String
    public let required: Bool
    public let display: Display
    /// Returns why a value is invalid, or nil when it is valid.
    public let check: @Sendable (String) -> String?
}

/// The checks and conversions between `Configuration` and `LoginFlow`.
public enum LoginSettings {
    /// Every setting upx-login reads, credentials first, in the order --check-config lists them.
    public static let rules: [SettingRule] = [
        SettingRule(name: "UPSTOX_USERNAME", required: true, display: .ends) { value in
            value.count == 10 && value.allSatisfy { $0.isASCII && $0.isNumber } ? nil : "expected a 10-digit mobile number"
        },
        // Upstox PINs are 6 digits; a PIN of another shape would only spend one of the five attempts.
        SettingRule(name: "UPSTOX_PIN_CODE", required: true, display: .length) { value in
            value.count == 6 && value.allSatisfy { $0.isASCII && $0.isNumber } ? nil : "expected 6 digits"
        },
        SettingRule(name: "UPSTOX_TOTP_SECRET", required: true, display: .length) { value in
            // Decoding now turns a typo into an error before step 1, not a wrong OTP at step 3.
            do throws(OTPError) {
                _ = try Base32.decode(Secret(value))
                return nil
            } catch {
                return error.reason
            }
        },
        SettingRule(name: "UPSTOX_CLIENT_ID", required: true, display: .start) { value in
            let printable = value.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }
            return value.count <= 256 && printable ? nil : "expected the app's API key: printable ASCII without spaces"
        },
        // A secret with a control character would fail only at step 6, after the PIN was spent.
        SettingRule(name: "UPSTOX_CLIENT_SECRET", required: true, display: .length) { value in
            value.unicodeScalars.contains { $0.properties.generalCategory == .control }
                ? "it contains a line break or another control character" : nil
        },
        SettingRule(name: "UPSTOX_REDIRECT_URI", required: true, display: .whole) { value in
            URLParts(value) != nil ? nil : "expected an absolute http:// or https:// URL"
        },
        SettingRule(name: "UPSTOX_API_BASE_URL", required: false, display: .whole) { value in
            baseURLProblem(value, name: "UPSTOX_API_BASE_URL")
        },
        SettingRule(name: "UPSTOX_SERVICE_BASE_URL", required: false, display: .whole) { value in
            baseURLProblem(value, name: "UPSTOX_SERVICE_BASE_URL")
        },
        SettingRule(name: "UPSTOX_COUNTRY_ISD_CODE", required: false, display: .whole) { value in
            value.count <= 5 && value.hasPrefix("+") && value.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber })
                ? nil : "expected + and up to 4 digits, such as +91"
        },
        SettingRule(name: "UPSTOX_SLEEP_TIME", required: false, display: .whole) { value in
            sleepMilliseconds(value) != nil ? nil : "expected milliseconds between requests, 0 to 60000"
        },
        SettingRule(name: "UPSTOX_DEBUG", required: false, display: .whole) { value in
            debugFlag(value) != nil ? nil : "expected 1, true, yes, on, 0, false, no or off"
        },
    ]

    /// The credentials every login needs.
    public static let requiredNames = rules.filter(\.required).map(\.name)

    /// A setting accepted from the Python client's users but never sent, because the login takes no password.
    public static let unusedName = "UPSTOX_PASSWORD"

    /// Reads and checks the six login credentials; a failure names the variable and its source.
    public static func credentials(from configuration: Configuration) throws -> LoginCredentials {
        var values: [String: String] = [:]
        for rule in rules where rule.required {
            let found = try configuration.required(rule.name)
            if let reason = rule.check(found.value) {
                throw CredentialError.invalid(name: rule.name, source: found.source, reason: reason)
            }
            values[rule.name] = found.value
        }
        return LoginCredentials(
            mobileNumber: values["UPSTOX_USERNAME"]!, pin: Secret(values["UPSTOX_PIN_CODE"]!),
            totpSecret: Secret(values["UPSTOX_TOTP_SECRET"]!), clientID: values["UPSTOX_CLIENT_ID"]!,
            clientSecret: Secret(values["UPSTOX_CLIENT_SECRET"]!), redirectURI: values["UPSTOX_REDIRECT_URI"]!)
    }

    /// Returns the value of an optional setting after checking it, or nil when it is not set.
    public static func optional(_ name: String, from configuration: Configuration) throws -> String? {
        guard let found = try configuration.value(name) else { return nil }
        if let rule = rules.first(where: { $0.name == name }), let reason = rule.check(found.value) {
            throw CredentialError.invalid(name: name, source: found.source, reason: reason)
        }
        return found.value
    }

    /// Returns the api and service base URLs, from the configuration or Upstox's defaults. A base
    /// URL that the environment sets to nothing is an error, not Upstox's own host: it is
    /// usually a test set-up whose server did not start.
    public static func hosts(from configuration: Configuration) throws -> UpstoxHosts {
        for name in ["UPSTOX_API_BASE_URL", "UPSTOX_SERVICE_BASE_URL"] where configuration.environment[name] == "" {
            throw CredentialError.invalid(
                name: name, source: "the environment",
                reason: "it is set but empty; unset it to use Upstox's own host, or set the URL")
        }
        return try UpstoxHosts(
            api: try optional("UPSTOX_API_BASE_URL", from: configuration) ?? ProtocolTable.defaultAPIBaseURL,
            service: try optional("UPSTOX_SERVICE_BASE_URL", from: configuration) ?? ProtocolTable.defaultServiceBaseURL)
    }

    /// Parses UPSTOX_SLEEP_TIME: whole milliseconds from 0 to 60000.
    public static func sleepMilliseconds(_ text: String) -> Int? {
        guard let value = Int(text), (0...60_000).contains(value) else { return nil }
        return value
    }

    /// Parses UPSTOX_DEBUG as the Python client's users write it.
    public static func debugFlag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on": true
        case "", "0", "false", "no", "off": false
        default: nil
        }
    }

    private static func baseURLProblem(_ value: String, name: String) -> String? {
        do {
            _ = try URLRules.validatedBaseURL(value, name: name)
            return nil
        } catch UpstoxError.unsafeURL(_, _, let reason) {
            return reason
        } catch {
            return "expected an https:// URL, or http:// on loopback"
        }
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
