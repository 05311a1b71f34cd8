// otpauth:// URIs, the form authenticator apps read from QR codes:
// otpauth://TYPE/LABEL?secret=BASE32&issuer=...&algorithm=...&digits=...&period=...&counter=...

/// The settings and base32 secret of one `otpauth://totp/...` or `otpauth://hotp/...` URI.
///
/// Parameters other than the six known ones are ignored, as authenticator apps do. A parameter
/// is split on its first `=`, so a value may contain more `=` signs (base32 padding).
public struct OTPAuthURI {
    public enum Kind: String, Sendable {
        case totp, hotp
    }

    public let kind: Kind
    /// The issuer from the `issuer` parameter, else from the label's `issuer:` prefix.
    public let issuer: String?
    /// The account name from the label, after any `issuer:` prefix.
    public let account: String?
    /// The base32 text of the `secret` parameter, percent-decoded.
    public let secret: Secret
    public let algorithm: OTPAlgorithm?
    public let digits: Int?
    public let period: Int?
    public let counter: UInt64?

    static let scheme = Array("otpauth://".utf8)

    /// Returns whether text, after leading white space, starts with `otpauth://` in any letter case.
    public static func isURI(_ text: Secret) -> Bool {
        text.withBytes { bytes in
            let start = bytes.firstIndex { !isWhiteSpace($0) } ?? bytes.endIndex
            guard bytes.endIndex - start >= scheme.count else { return false }
            return zip(bytes[start...], scheme).allSatisfy { lowercased($0) == $1 }
        }
    }

    /// Parses a URI held in a secret. Errors name the parameter at fault but never quote the secret.
    public static func parse(_ text: Secret) throws(OTPError) -> OTPAuthURI {
        let result: Result<OTPAuthURI, OTPError> = text.withBytes { bytes in
            do throws(OTPError) {
                return .success(try parse(bytes: bytes))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func parse(bytes: UnsafeRawBufferPointer) throws(OTPError) -> OTPAuthURI {
        let start = bytes.firstIndex { !isWhiteSpace($0) } ?? bytes.endIndex
        let end = (bytes.lastIndex { !isWhiteSpace($0) } ?? start - 1) + 1
        let body = bytes[min(start + scheme.count, end)..<end]

        guard let slash = body.firstIndex(of: UInt8(ascii: "/")) else {
            throw .invalidURI("it has no type: expected otpauth://totp/LABEL?secret=... or otpauth://hotp/...")
        }
        let typeName = String(decoding: body[body.startIndex..<slash], as: UTF8.self).lowercased()
        guard let kind = Kind(rawValue: typeName) else {
            throw .invalidURI("type '\(typeName)' is neither totp nor hotp")
        }
        let query = body.firstIndex(of: UInt8(ascii: "?"))
        let labelBytes = body[(slash + 1)..<(query ?? body.endIndex)]
        let parsedLabel = try label(labelBytes)
        var fields = Fields()
        if let query {
            try fields.read(body[(query + 1)...])
        }

        guard let secret = fields.secret, !secret.isEmpty else {
            throw .invalidURI("it has no secret parameter")
        }
        if kind == .totp, fields.counter != nil {
            throw .invalidURI("a totp URI takes a period, not a counter")
        }
        return OTPAuthURI(
            kind: kind, issuer: fields.issuer ?? parsedLabel.issuer, account: parsedLabel.account, secret: secret,
            algorithm: fields.algorithm, digits: fields.digits, period: fields.period, counter: fields.counter)
    }

    /// The query parameters that upx-totp uses.
    private struct Fields {
        var secret: Secret?
        var issuer: String?
        var algorithm: OTPAlgorithm?
        var digits: Int?
        var period: Int?
        var counter: UInt64?

        mutating func read(_ query: Slice<UnsafeRawBufferPointer>) throws(OTPError) {
            for parameter in query.split(separator: UInt8(ascii: "&")) {
                let equals = parameter.firstIndex(of: UInt8(ascii: "=")) ?? parameter.endIndex
                let name = String(decoding: parameter[parameter.startIndex..<equals], as: UTF8.self).lowercased()
                let value = parameter[min(equals + 1, parameter.endIndex)...]
                try store(name: name, value: value)
            }
        }

        private mutating func store(name: String, value: Slice<UnsafeRawBufferPointer>) throws(OTPError) {
            switch name {
            case "secret":
                secret = try percentDecodedSecret(value)
            case "issuer":
                issuer = try percentDecodedText(value, parameter: name)
            case "algorithm":
                let text = try percentDecodedText(value, parameter: name)
                guard let parsed = OTPAlgorithm(name: text) else {
                    throw .invalidURI("algorithm '\(text)' is not SHA1, SHA256 or SHA512")
                }
                algorithm = parsed
            case "digits":
                let allowed = HOTP.supportedDigits
                digits = Int(try number(value, parameter: name, in: UInt64(allowed.lowerBound)...UInt64(allowed.upperBound)))
            case "period":
                period = Int(try number(value, parameter: name, in: 1...UInt64(Int32.max)))
            case "counter":
                counter = try number(value, parameter: name, in: 0...UInt64.max)
            default:
                break
            }
        }

        private func number(
            _ value: Slice<UnsafeRawBufferPointer>, parameter: String, in range: ClosedRange<UInt64>
        ) throws(OTPError) -> UInt64 {
            let text = try percentDecodedText(value, parameter: parameter)
            guard let parsed = UInt64(text), range.contains(parsed) else {
                throw .invalidURI("\(parameter) '\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return parsed
        }
    }

    /// The label split into issuer and account at its first `:` (encoded or not).
    private struct Label {
        var issuer: String?
        var account: String?
    }

    private static func percentDecodedText(_ bytes: Slice<UnsafeRawBufferPointer>, parameter: String) throws(OTPError) -> String {
        guard let decoded = percentDecoded(bytes) else {
            throw .invalidURI("the \(parameter) has a '%' that is not followed by two hex digits")
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func label(_ bytes: Slice<UnsafeRawBufferPointer>) throws(OTPError) -> Label {
        let text = try percentDecodedText(bytes, parameter: "label")
        guard !text.isEmpty else { return Label() }
        guard let colon = text.firstIndex(of: ":") else { return Label(account: text) }
        let issuer = String(text[..<colon])
        let account = text[text.index(after: colon)...].drop { $0 == " " }
        return Label(issuer: issuer.isEmpty ? nil : issuer, account: account.isEmpty ? nil : String(account))
    }

    /// Decodes the secret's bytes into a buffer reserved up front, so no unwiped copy is left behind.
    private static func percentDecodedSecret(_ bytes: Slice<UnsafeRawBufferPointer>) throws(OTPError) -> Secret {
        guard var decoded = percentDecoded(bytes) else {
            throw .invalidURI("the secret has a '%' that is not followed by two hex digits")
        }
        defer { decoded.withUnsafeMutableBytes { wipe($0) } }
        return Secret(decoded)
    }

    /// Decodes `%XX` escapes and `+` as a space; nil for a malformed escape.
    private static func percentDecoded(_ bytes: Slice<UnsafeRawBufferPointer>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 3 <= bytes.endIndex,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    output.withUnsafeMutableBytes { wipe($0) }
                    return nil
                }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}
