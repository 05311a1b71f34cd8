// HMAC-based one-time passwords (RFC 4226), computed with Nettle's HMAC.

import CCrypto

/// The hash function behind the HMAC of a one-time password.
public enum OTPAlgorithm: String, Sendable, CaseIterable {
    case sha1, sha256, sha512

    /// Parses `sha1`, `SHA-256` and the like, in any letter case and with or without the hyphen.
    public init?(name: String) {
        let compact = name.lowercased().filter { $0 != "-" }
        self.init(rawValue: compact)
    }

    var hmacAlgorithm: Int32 {
        switch self {
        case .sha1: Int32(UPX_HMAC_SHA1.rawValue)
        case .sha256: Int32(UPX_HMAC_SHA256.rawValue)
        case .sha512: Int32(UPX_HMAC_SHA512.rawValue)
        }
    }
}

/// The settings of an HOTP generator: hash algorithm and number of digits.
public struct HOTP: Sendable, Equatable {
    public let algorithm: OTPAlgorithm
    public let digits: Int

    /// The digit counts RFC 4226 allows (6 and up) that a 31-bit truncated value can fill.
    public static let supportedDigits = 6...10

    public init(algorithm: OTPAlgorithm = .sha1, digits: Int = 6) throws(OTPError) {
        guard Self.supportedDigits.contains(digits) else { throw .invalidDigits(digits) }
        self.algorithm = algorithm
        self.digits = digits
    }

    /// Computes the code for `counter` with a key held in a secret.
    public func code(key: Secret, counter: UInt64) throws(OTPError) -> String {
        let result: Result<String, OTPError> = key.withBytes { buffer in
            do throws(OTPError) {
                return .success(try code(key: buffer, counter: counter))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Computes the code for `counter`: HMAC of the big-endian counter, dynamic truncation
    /// to 31 bits, then the last `digits` decimal digits, zero-padded.
    public func code(key: UnsafeRawBufferPointer, counter: UInt64) throws(OTPError) -> String {
        guard key.count > 0 else { throw .emptySecret }

        var mac = [UInt8](repeating: 0, count: Int(UPX_HMAC_MAX_SIZE))
        defer { mac.withUnsafeMutableBytes { wipe($0) } }
        var message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let macLength = mac.withUnsafeMutableBufferPointer { macBuffer in
            upx_hmac(
                algorithm.hmacAlgorithm, key.baseAddress?.assumingMemoryBound(to: UInt8.self), key.count,
                &message, message.count, macBuffer.baseAddress)
        }
        guard macLength >= 20 else { throw .hmacFailed(algorithm: algorithm) }

        // Dynamic truncation: the low 4 bits of the last byte pick where 4 bytes are read.
        let offset = Int(mac[Int(macLength) - 1] & 0x0F)
        let truncated = (UInt64(mac[offset] & 0x7F) << 24)
            | (UInt64(mac[offset + 1]) << 16)
            | (UInt64(mac[offset + 2]) << 8)
            | UInt64(mac[offset + 3])

        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(truncated % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }
}
