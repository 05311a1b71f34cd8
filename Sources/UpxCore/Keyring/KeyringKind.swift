// The choice of kernel keyring for upx's keys, shared by the tools that take --keyring.

import CKeyutils
import Glibc

/// The keyring that stores the `upx:PROFILE` keys, chosen with `--keyring` or `UPX_KEYRING`.
public enum KeyringKind: String, CaseIterable, Sendable {
    /// The user keyring (`@u`), which lives while any process of the user runs.
    case user
    /// The user's persistent keyring, which survives logout, for cron jobs and services. The
    /// kernel drops it 3 days after its last use (`/proc/sys/kernel/keys/persistent_keyring_expiry`),
    /// and every use renews that.
    case persistent
    /// The session keyring (`@s`) of the process. A search there also finds keys in the keyrings
    /// linked into it, such as the user keyring of a login session.
    case session

    /// The variable that chooses the keyring when `--keyring` is not given.
    public static let environmentName = "UPX_KEYRING"

    /// The option's help line.
    public static let optionHelp = "keyring of the cached token: user, persistent or session (default: user; also UPX_KEYRING)"

    /// Returns the keyring from --keyring, else from UPX_KEYRING, else the user keyring.
    public static func selected(_ arguments: ParsedArguments, environment: [String: String]) throws(UsageError) -> KeyringKind {
        if let name = arguments.value("keyring") { return try named(name, source: "--keyring") }
        if let name = environment[environmentName], !name.isEmpty { return try named(name, source: environmentName) }
        return .user
    }

    private static func named(_ name: String, source: String) throws(UsageError) -> KeyringKind {
        guard let kind = KeyringKind(rawValue: name) else {
            throw .invalidValue(option: source, value: name, reason: "expected user, persistent or session")
        }
        return kind
    }

    /// The keyring's name in messages: "user keyring".
    public var displayName: String { "\(rawValue) keyring" }

    /// Returns the serial that libkeyutils calls take for this keyring.
    ///
    /// The persistent keyring grants its owner only view and read (`0x1f030000`), so searching
    /// it needs possession. `keyctl_get_persistent` links it into this process's own keyring,
    /// which gives possession without changing any keyring that outlives the process.
    func serial(forKey keyName: String) throws(KeyringError) -> key_serial_t {
        switch self {
        case .user:
            return KEY_SPEC_USER_KEYRING
        case .session:
            return KEY_SPEC_SESSION_KEYRING
        case .persistent:
            let id = keyctl_get_persistent(uid_t.max, KEY_SPEC_PROCESS_KEYRING)
            guard id >= 0 else {
                throw KeyringError(operation: "open the persistent keyring for", keyName: keyName, errorNumber: errno, keyring: .persistent)
            }
            return key_serial_t(id)
        }
    }
}
