// Quoting values so that a shell reads them back unchanged.

/// Quotes `value` for a POSIX shell (sh, bash, zsh, dash): inside single quotes
/// nothing is special, and a single quote is written as `'\''`.
public func posixQuoted(_ value: String) -> String {
    "'" + value.replacingAll("'", with: #"'\''"#) + "'"
}

extension String {
    /// The string with every occurrence of `target` replaced; the stdlib spelling without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
