// Base32 (RFC 4648, section 6) decoding of TOTP secrets as people paste them.

/// Decodes base32 text in any letter case, ignoring spaces, tabs, line breaks and hyphens,
/// with or without `=` padding.
public enum Base32 {
    /// Decodes base32 text into key bytes.
    public static func decode(_ text: String) throws(OTPError) -> [UInt8] {
        try decode(utf8: text.utf8)
    }

    /// Decodes a secret holding base32 text into a secret holding the key bytes.
    ///
    /// The text is read in place, so no unwipeable copy of it is made.
    public static func decode(_ secret: Secret) throws(OTPError) -> Secret {
        let result: Result<[UInt8], OTPError> = secret.withBytes { buffer in
            do throws(OTPError) {
                return .success(try decode(utf8: buffer))
            } catch {
                return .failure(error)
            }
        }
        return Secret(try result.get())
    }

    /// Decodes UTF-8 encoded base32 text.
    ///
    /// The output's capacity is reserved up front, so appending never reallocates, which would
    /// leave an unwiped copy of the key bytes behind.
    public static func decode<Bytes: Collection<UInt8>>(utf8 bytes: Bytes) throws(OTPError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 5 / 8 + 1)

        var bitBuffer: UInt32 = 0
        var bitCount = 0
        var symbolCount = 0
        var firstPaddingPosition: Int?
        var position = 0
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()

        scanning: while true {
            let scalar: Unicode.Scalar
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): scalar = Unicode.UTF8.decode(encoded)
            case .error: scalar = "\u{FFFD}"
            case .emptyInput: break scanning
            }
            position += 1

            if isSeparator(scalar) { continue }
            if scalar == "=" {
                if firstPaddingPosition == nil { firstPaddingPosition = position }
                continue
            }
            guard let value = symbolValue(scalar) else {
                wipe(&output)
                throw .invalidBase32Character(scalar, position: position)
            }
            if let paddingPosition = firstPaddingPosition {
                wipe(&output)
                throw .misplacedBase32Padding(position: paddingPosition)
            }

            symbolCount += 1
            bitBuffer = (bitBuffer << 5) | UInt32(value)
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: bitBuffer >> UInt32(bitCount)))
                bitBuffer &= (1 << UInt32(bitCount)) - 1
            }
        }

        if symbolCount == 0 {
            throw .emptySecret
        }
        // Whole bytes need 2, 4, 5, 7 or 8 symbols per group of 8; leftover bits past the last byte are ignored.
        if [1, 3, 6].contains(symbolCount % 8) {
            wipe(&output)
            throw .truncatedBase32(symbolCount: symbolCount)
        }
        return output
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "-" || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    /// Returns the 5-bit value of an alphabet symbol in either letter case, or nil for any other character.
    private static func symbolValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x41...0x5A: UInt8(scalar.value - 0x41)  // A-Z
        case 0x61...0x7A: UInt8(scalar.value - 0x61)  // a-z
        case 0x32...0x37: UInt8(scalar.value - 0x32 + 26)  // 2-7
        default: nil
        }
    }

    private static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { UpxCore.wipe($0) }
    }
}
