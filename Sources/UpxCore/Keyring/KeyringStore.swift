// The keyring seen by the rest of upx: store, read and remove one named key.

/// The token store: the kernel keyring in real runs, a dictionary in unit tests.
public protocol KeyringStore {
    /// Stores `payload` as a key named `name` that any process of the same user can read,
    /// replacing an older key of that name, and returns the key's id.
    func store(name: String, payload: [UInt8], timeoutSeconds: UInt32) throws -> Int32

    /// Reads the key named `name`; nil when there is none or it has expired.
    func read(name: String) throws -> [UInt8]?

    /// Removes the key named `name`; returns whether there was one.
    func remove(name: String) throws -> Bool

    /// Throws the error that storing a key of about `payloadSize` bytes would throw, so that
    /// a login does not spend a PIN attempt on a token it cannot keep.
    func checkWritable(name: String, payloadSize: Int) throws

    /// Returns the store for the same user's keyring of the given kind.
    func selecting(_ keyring: KeyringKind) -> any KeyringStore

    /// Returns the id of the key named `name`, or nil when there is none.
    func keyID(name: String) throws -> Int32?

    /// Lists the keys whose names start with `prefix`.
    func list(prefix: String) throws -> [KeyringEntry]

    /// Unlinks a listed key from its keyring. Unlike `remove`, this needs no permission on the
    /// key itself, so it also removes a key that grants its owner no search or read.
    func unlink(_ entry: KeyringEntry) throws
}

extension KeyringStore {
    public func checkWritable(name: String, payloadSize: Int) throws {}

    /// Returns this store itself, for stores that keep one set of keys for every kind of keyring.
    public func selecting(_ keyring: KeyringKind) -> any KeyringStore { self }
}

/// A keyring in memory, for unit tests that are not about the kernel keyring. It keeps one set
/// of keys whichever kind of keyring is selected.
public final class MemoryKeyring: KeyringStore {
    public private(set) var keys: [String: (payload: [UInt8], timeoutSeconds: UInt32)] = [:]
    private var nextID: Int32 = 1000
    private var ids: [String: Int32] = [:]

    public init() {}

    public func store(name: String, payload: [UInt8], timeoutSeconds: UInt32) throws -> Int32 {
        keys[name] = (payload, timeoutSeconds)
        nextID += 1
        ids[name] = nextID
        return nextID
    }

    public func read(name: String) throws -> [UInt8]? {
        keys[name]?.payload
    }

    public func remove(name: String) throws -> Bool {
        keys.removeValue(forKey: name) != nil
    }

    public func keyID(name: String) throws -> Int32? {
        ids[name]
    }

    public func unlink(_ entry: KeyringEntry) throws {
        keys.removeValue(forKey: entry.name)
    }

    public func list(prefix: String) throws -> [KeyringEntry] {
        keys.keys.filter { $0.hasPrefix(prefix) }.sorted().map { KeyringEntry(id: ids[$0] ?? 0, name: $0, keyring: .user) }
    }
}
