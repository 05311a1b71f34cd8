// The few URL operations the login needs, and the rule that plain http is for loopback only.

/// A URL split into the parts the login uses.
public struct URLParts: Equatable, Sendable {
    public var scheme: String
    /// The host without brackets (`::1`, not `[::1]`).
    public var host: String
    /// `scheme://authority`, as written.
    public var origin: String
    /// The path with its query, starting with `/` (or empty).
    public var pathAndQuery: String

    /// Splits an absolute http or https URL; nil for anything else.
    public init?(_ url: String) {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }

        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { "/?#".contains($0) }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        // Credentials in a URL would be sent to the server and printed in messages.
        guard !authority.isEmpty, !authority.contains("@") else { return nil }

        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
        } else {
            host = String(authority.split(separator: ":", maxSplits: 1).first ?? "")
        }
        host = host.lowercased()
        origin = String(url[..<authorityEnd])
        pathAndQuery = String(afterScheme[authorityEnd...])
    }

    /// Whether the host is `localhost`, `::1` or in 127.0.0.0/8.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy(Self.isDecimalOctet)
    }

    /// Whether `text` is 0 to 255 in plain decimal. `UInt8("+1")` would accept a sign, and
    /// the resolver reads a leading zero as octal, so a host like `127.0.0.09` or `127.+0.0.1`
    /// is not an address to it but a name it looks up in DNS.
    private static func isDecimalOctet(_ text: Substring) -> Bool {
        guard (1...3).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        guard text == "0" || !text.hasPrefix("0") else { return false }
        return UInt8(text) != nil
    }

    /// The decoded query parameters, first value of each name.
    public var queryItems: [String: String] {
        guard let question = pathAndQuery.firstIndex(of: "?") else { return [:] }
        var query = pathAndQuery[pathAndQuery.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }

        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecoded(String(parts[0]))
            if items[name] == nil { items[name] = parts.count > 1 ? percentDecoded(String(parts[1])) : "" }
        }
        return items
    }
}

public enum URLRules {
    /// Returns the URL without a trailing `/` when it is https, or http on a loopback host.
    public static func validatedBaseURL(_ url: String, name: String) throws -> String {
        var trimmed = try validatedURL(url, name: name)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    /// Returns the URL unchanged when it is https, or http on a loopback host.
    public static func validatedURL(_ url: String, name: String) throws -> String {
        guard let parts = URLParts(url) else {
            throw UpstoxError.unsafeURL(
                name: name, url: redactingUserInfo(url), reason: "expected an absolute http:// or https:// URL without credentials")
        }
        guard parts.scheme == "https" || parts.isLoopback else {
            throw UpstoxError.unsafeURL(name: name, url: url, reason: "plain http is allowed only for loopback hosts; use https://")
        }
        return url
    }

    /// Replaces a `user:password@` before the host with `<redacted>@`, so that a message can
    /// show the URL without the password.
    static func redactingUserInfo(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { "/?#".contains($0) }) ?? afterScheme.endIndex
        guard let at = afterScheme[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + "<redacted>" + String(url[at...])
    }

    /// Resolves a `Location` header against the URL it came from.
    public static func resolve(_ location: String, against base: String) -> String? {
        if URLParts(location) != nil { return location }
        guard let baseParts = URLParts(base) else { return nil }
        if location.hasPrefix("//") { return baseParts.scheme + ":" + location }
        if location.hasPrefix("/") { return baseParts.origin + location }

        var path = baseParts.pathAndQuery
        if let queryStart = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<queryStart]) }
        // A query alone keeps the base path and replaces only its query (RFC 3986, section 5.2.2).
        if location.hasPrefix("?") { return baseParts.origin + path + location }

        // A relative path replaces the last segment of the base path.
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return baseParts.origin + directory + location
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, as form bodies and queries need.
public func percentEncoded(_ value: String) -> String {
    var result = ""
    for byte in value.utf8 {
        let isUnreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
        if isUnreserved {
            result.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
    }
    return result
}

/// Decodes `%XX` escapes and `+` as a space, as in a query string.
public func percentDecoded(_ value: String) -> String {
    var bytes: [UInt8] = []
    var iterator = Array(value.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "+") {
            bytes.append(UInt8(ascii: " "))
        } else if byte == UInt8(ascii: "%") {
            // A malformed escape is kept as written.
            let digits = [iterator.next(), iterator.next()].compactMap { $0 }
            // The digit check keeps `UInt8(_:radix:)` from taking a sign, as in `%+1`.
            if digits.count == 2, digits.allSatisfy(isHexDigit),
               let decoded = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) {
                bytes.append(decoded)
            } else {
                bytes.append(byte)
                bytes += digits
            }
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func isHexDigit(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
}
