// The Linux kernel keyring through libkeyutils.

import CKeyutils
import Glibc

/// Keys of type `user` in one of the calling user's keyrings, by default the user keyring (`@u`).
public struct KernelKeyring: KeyringStore {
    /// Possessor: all; owner: view, read, search. Group and others: nothing.
    public static let permissions: key_perm_t = 0x3f0b_0000

    public let keyring: KeyringKind

    public init(keyring: KeyringKind = .user) {
        self.keyring = keyring
    }

    public func selecting(_ keyring: KeyringKind) -> any KeyringStore {
        KernelKeyring(keyring: keyring)
    }

    /// Stores the key so that any process of the same user can find and read it.
    ///
    /// A new key grants only its possessor the right to change it. So the key is added to
    /// the session keyring first, which this process possesses, and given its mask and
    /// timeout there. Then it is linked into the chosen keyring and unlinked from the session
    /// keyring. Linking replaces any older key of the same name in the chosen keyring.
    // NOTE: the tests store keys in the user keyring only; storing in the session and
    // persistent keyrings is unexercised until upx-login takes --keyring.
    public func store(name: String, payload: [UInt8], timeoutSeconds: UInt32) throws -> Int32 {
        let target = try keyring.serial(forKey: name)
        let id = payload.withUnsafeBytes { bytes in
            add_key("user", name, bytes.baseAddress, bytes.count, KEY_SPEC_SESSION_KEYRING)
        }
        guard id >= 0 else { throw failure("add", name) }

        // Any failure below leaves no half-made key behind.
        do {
            try check(keyctl_setperm(id, Self.permissions), "set permissions of", name)
            try check(keyctl_set_timeout(id, timeoutSeconds), "set timeout of", name)
            if keyring != .session { try check(keyctl_link(id, target), "link", name) }
        } catch {
            _ = keyctl_invalidate(id)
            throw error
        }
        if keyring != .session {
            try check(keyctl_unlink(id, KEY_SPEC_SESSION_KEYRING), "unlink from the session keyring", name)
        }
        return id
    }

    /// Adds and removes a probe key of the given size in the session keyring, which fails as
    /// `store` would on a revoked session keyring, blocked system calls or an exhausted quota.
    public func checkWritable(name: String, payloadSize: Int) throws {
        let padding = [UInt8](repeating: 0x20, count: payloadSize)
        let id = padding.withUnsafeBytes { bytes in
            add_key("user", "\(name):probe", bytes.baseAddress, bytes.count, KEY_SPEC_SESSION_KEYRING)
        }
        guard id >= 0 else { throw failure("add", name) }
        _ = keyctl_invalidate(id)
    }

    public func read(name: String) throws -> [UInt8]? {
        guard let id = try find(name: name) else { return nil }

        var buffer: UnsafeMutableRawPointer?
        let length = keyctl_read_alloc(id, &buffer)
        guard length >= 0, let buffer else {
            if errno == EKEYEXPIRED || errno == ENOKEY || errno == EKEYREVOKED { return nil }
            throw failure("read", name)
        }
        defer {
            explicit_bzero(buffer, Int(length))
            free(buffer)
        }
        return Array(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
    }

    public func remove(name: String) throws -> Bool {
        guard let id = try find(name: name) else { return false }
        try check(keyctl_invalidate(id), "remove", name)
        return true
    }

    /// Finds the key in the chosen keyring itself. For the user keyring that avoids the session
    /// keyring, which may be revoked or not linked to the user keyring.
    public func find(name: String) throws -> Int32? {
        let id = keyctl_search(try keyring.serial(forKey: name), "user", name, 0)
        if id >= 0 { return Int32(id) }
        if errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED { return nil }
        throw failure("search for", name)
    }

    private func check(_ result: Int, _ operation: String, _ name: String) throws {
        if result < 0 { throw failure(operation, name) }
    }

    private func failure(_ operation: String, _ name: String) -> KeyringError {
        KeyringError(operation: operation, keyName: name, errorNumber: errno)
    }
}
