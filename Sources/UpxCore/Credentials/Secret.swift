// A credential value that cannot be printed by accident.

import Glibc

/// Bytes of a PIN, TOTP secret or client secret. Its description is `<redacted>`,
/// so string interpolation, `print` and `dump` never show the value.
public final class Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public convenience init(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// Overwrites the bytes when the last reference goes. Copies made by callers of
    /// `withBytes` or `revealed` are theirs to wipe; Swift strings cannot be wiped.
    deinit {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }

    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.isEmpty }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Calls `body` with the secret's bytes, without copying them.
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBytes(body)
    }

    /// The value as a string, for the one place that must send it.
    public func revealed() -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
