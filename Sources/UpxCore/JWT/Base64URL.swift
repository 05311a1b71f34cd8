// Base64url (RFC 4648, section 5) as JWTs use it, with or without `=` padding.

import FoundationEssentials

/// Decodes one part of a JWT.
enum Base64URL {
    /// Decodes base64url text, which may end in the `=` padding that RFC 7515 leaves out. An error
    /// names `part` and the position of a bad character but never the text.
    static func decode(_ text: Substring, part: JWTPart) throws(JWTError) -> [UInt8] {
        var unpadded = text
        while unpadded.last == "=" { unpadded = unpadded.dropLast() }
        let padding = text.count - unpadded.count
        if padding > 0, padding > 2 || text.count % 4 != 0 {
            throw .invalidPadding(part)
        }

        var standard = ""
        standard.reserveCapacity(unpadded.utf8.count + 3)
        for (offset, scalar) in unpadded.unicodeScalars.enumerated() {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9": standard.unicodeScalars.append(scalar)
            case "-": standard.append("+")
            case "_": standard.append("/")
            case _ where scalar.properties.isWhitespace: throw .whitespaceInPart(part: part, position: offset + 1)
            default: throw .invalidBase64URLCharacter(part: part, position: offset + 1)
            }
        }

        // Two or three symbols make a final partial group; a single one carries less than a byte.
        let remainder = standard.utf8.count % 4
        guard remainder != 1 else {
            throw .invalidBase64URLLength(part: part, length: unpadded.count)
        }
        if remainder != 0 { standard += String(repeating: "=", count: 4 - remainder) }

        guard let data = Data(base64Encoded: standard) else {
            throw .invalidBase64URLLength(part: part, length: unpadded.count)
        }
        return Array(data)
    }
}
