// Quoting values so that a shell reads them back unchanged.

/// Quotes `value` for a POSIX shell (sh, bash, zsh, dash): inside single quotes
/// nothing is special, and a single quote is written as `'\''`.
public func posixQuoted(_ value: String) -> String {
    "'" + value.replacingAll("'", with: #"'\''"#) + "'"
}
