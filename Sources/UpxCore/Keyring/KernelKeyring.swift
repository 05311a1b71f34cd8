// The Linux kernel keyring through libkeyutils.

import CKeyutils
import Glibc
import Synchronization

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

    /// Stores the key so that any process of the same user that can search the chosen keyring
    /// finds and reads it.
    ///
    /// A new key grants only its possessor the right to change it. So the key is added to this
    /// process's own keyring, which it possesses, and given its mask and timeout there. Then it
    /// is linked into the chosen keyring and unlinked again. The process keyring, unlike the
    /// session keyring, cannot have been revoked by an ssh logout. Linking replaces any older
    /// key of the same name in the chosen keyring.
    public func store(name: String, payload: [UInt8], timeoutSeconds: UInt32) throws -> Int32 {
        let target = try targetSerial(forKey: name)
        let id: key_serial_t
        if let reserved = reservedKeys.withLock({ $0.removeValue(forKey: name) }) {
            id = reserved
            let updated = payload.withUnsafeBytes { bytes in keyctl_update(id, bytes.baseAddress, bytes.count) }
            guard updated >= 0 else { throw failure("add", name) }
        } else {
            id = payload.withUnsafeBytes { bytes in
                add_key("user", name, bytes.baseAddress, bytes.count, KEY_SPEC_PROCESS_KEYRING)
            }
            guard id >= 0 else { throw failure("add", name) }
        }

        // Any failure below leaves no half-made key behind.
        do {
            try check(keyctl_setperm(id, Self.permissions), "set permissions of", name)
            try check(keyctl_set_timeout(id, timeoutSeconds), "set timeout of", name)
            try check(keyctl_link(id, target), "link", name)
        } catch {
            _ = keyctl_invalidate(id)
            throw error
        }
        _ = keyctl_unlink(id, KEY_SPEC_PROCESS_KEYRING)
        return id
    }

    /// Adds the key `name` with a payload of the given size to this process's keyring, which
    /// no other process can read, and keeps it for `store`. That fails as `store` would on
    /// blocked system calls, an exhausted quota or a keyring that cannot be reached. Because
    /// the quota is already charged for the key, a token from a login that passed this check
    /// is never lost for want of room.
    public func checkWritable(name: String, payloadSize: Int) throws {
        _ = try targetSerial(forKey: name)
        if reservedKeys.withLock({ $0[name] }) != nil { return }
        let padding = [UInt8](repeating: 0x20, count: payloadSize)
        let id = padding.withUnsafeBytes { bytes in
            add_key("user", name, bytes.baseAddress, bytes.count, KEY_SPEC_PROCESS_KEYRING)
        }
        guard id >= 0 else { throw failure("add", name) }
        reservedKeys.withLock { $0[name] = id }
    }

    public func read(name: String) throws -> [UInt8]? {
        guard let id = try find(name: name) else { return nil }
        return try readPayload(id, name: name)
    }

    public func remove(name: String) throws -> Bool {
        guard let id = try find(name: name) else { return false }
        try check(keyctl_invalidate(id), "remove", name)
        return true
    }

    public func keyID(name: String) throws -> Int32? {
        try find(name: name)
    }

    /// Finds the key in the chosen keyring itself. For the user keyring that avoids the session
    /// keyring, which may be revoked or not linked to the user keyring.
    public func find(name: String) throws -> Int32? {
        let serial = try keyring.serial(forKey: name)
        let id = keyctl_search(serial, "user", name, 0)
        if id >= 0 {
            // A search also looks in the keyrings linked from this one, and pam_keyinit links the
            // user keyring into a login's session keyring. A session key must be in it directly.
            if keyring == .session, !(try linkedSerials(serial, forKey: name) ?? []).contains(key_serial_t(id)) {
                return nil
            }
            return Int32(id)
        }
        // A revoked session keyring needs a remedy. A revoked or expired key is simply gone.
        if errno == ENOKEY || errno == EKEYEXPIRED || (errno == EKEYREVOKED && keyring != .session) { return nil }
        throw failure("search for", name)
    }

    /// Lists the `user` keys linked directly in the chosen keyring whose names start with
    /// `prefix`. Keys that expired or vanished while listing are left out.
    public func list(prefix: String) throws -> [KeyringEntry] {
        let name = prefix + "*"
        guard let serials = try linkedSerials(try keyring.serial(forKey: name), forKey: name) else { return [] }
        return serials.compactMap { id in
            guard let description = describe(id) else { return nil }
            // type;uid;gid;perm;description, where only the description may contain ';'.
            let fields = description.split(separator: ";", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5, fields[0] == "user", fields[4].hasPrefix(prefix) else { return nil }
            return KeyringEntry(id: id, name: String(fields[4]), keyring: keyring)
        }
    }

    public func unlink(_ entry: KeyringEntry) throws {
        let serial = try entry.keyring.serial(forKey: entry.name)
        if keyctl_unlink(entry.id, serial) < 0 && errno != ENOENT && errno != ENOKEY {
            throw failure("unlink", entry.name)
        }
    }

    /// Returns the serials of the keys linked directly in keyring `serial`, or nil when the
    /// keyring is gone. `name` is the key the caller looks for, for the error message.
    private func linkedSerials(_ serial: key_serial_t, forKey name: String) throws -> [key_serial_t]? {
        var buffer: UnsafeMutableRawPointer?
        let length = keyctl_read_alloc(serial, &buffer)
        guard length >= 0, let buffer else {
            if errno == ENOKEY || (errno == EKEYREVOKED && keyring != .session) { return nil }
            throw failure("list the keys of", name)
        }
        defer { free(buffer) }
        let count = Int(length) / MemoryLayout<key_serial_t>.size
        return Array(UnsafeBufferPointer(start: buffer.assumingMemoryBound(to: key_serial_t.self), count: count))
    }

    /// Checks that the chosen keyring can be used at all, and returns its serial for linking.
    private func targetSerial(forKey name: String) throws -> key_serial_t {
        // A process without a session keyring of its own falls back to the user session keyring
        // for searches, but linking into @s would make a new keyring for this process alone, and
        // the key would vanish when upx-login exits.
        if keyring == .session {
            let session = keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0)
            if session < 0 { throw failure("store", name) }
            if session == keyctl_get_keyring_ID(KEY_SPEC_USER_SESSION_KEYRING, 0) {
                throw KeyringError(operation: "store", keyName: name, errorNumber: ENOKEY, keyring: keyring)
            }
        }
        return try keyring.serial(forKey: name)
    }

    private func readPayload(_ id: Int32, name: String) throws -> [UInt8]? {
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

    private func describe(_ id: key_serial_t) -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard keyctl_describe_alloc(id, &text) >= 0, let text else { return nil }
        defer { free(text) }
        return String(cString: text)
    }

    private func check(_ result: Int, _ operation: String, _ name: String) throws {
        if result < 0 { throw failure(operation, name) }
    }

    private func failure(_ operation: String, _ name: String) -> KeyringError {
        KeyringError(operation: operation, keyName: name, errorNumber: errno, keyring: keyring)
    }
}

/// The keys that `checkWritable` added to this process's keyring, by name. The kernel drops
/// them with the process keyring when upx exits.
private let reservedKeys = Mutex<[String: key_serial_t]>([:])

/// One key found by listing a keyring.
public struct KeyringEntry: Equatable, Sendable {
    public let id: Int32
    public let name: String
    public let keyring: KeyringKind
}
