// Quoting values so that a shell reads them back unchanged.
//
// Shells read bytes, not Swift Characters, so each function replaces Unicode scalars. A
// Character-based replacement would miss the quote in "'\u{301}" (a quote followed by a
// combining mark is one Character), and the value could end the quoting early.

/// Quotes `value` for a POSIX shell (sh, bash, zsh, dash): inside single quotes
/// nothing is special, and a single quote is written as `'\''`.
public func posixQuoted(_ value: String) -> String {
    "'" + replacingScalars(in: value) { $0 == "'" ? #"'\''"# : nil } + "'"
}

/// Quotes `value` for fish: inside fish's single quotes only `\\` and `\'` are escapes,
/// so a backslash and a single quote each get a backslash before them.
public func fishQuoted(_ value: String) -> String {
    "'" + replacingScalars(in: value) { $0 == "\\" || $0 == "'" ? "\\" + String($0) : nil } + "'"
}

/// Quotes `value` for csh and tcsh, or returns nil when it contains a line feed, which csh
/// cannot quote.
///
/// Single quotes stop every expansion but history (`!`), so each `!` and each `'` is
/// written outside the quotes with a backslash: `'a'\!'b'` and `'it'\''s'`.
public func cshQuoted(_ value: String) -> String? {
    guard !value.unicodeScalars.contains("\n") else { return nil }
    return "'" + replacingScalars(in: value) { scalar in
        switch scalar {
        case "'": #"'\''"#
        case "!": #"'\!'"#
        default: nil
        }
    } + "'"
}

/// Returns `value` with each scalar for which `replacement` returns a string replaced by that string.
private func replacingScalars(in value: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
    var result = ""
    result.reserveCapacity(value.utf8.count + 2)
    for scalar in value.unicodeScalars {
        if let text = replacement(scalar) {
            result += text
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}
