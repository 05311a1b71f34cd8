// String operations the core needs that the stdlib lacks without Foundation.

extension StringProtocol {
    /// Removes the given Unicode scalars from both ends. It compares scalars, not Characters,
    /// because "\r\n" is one Character and would not match "\n".
    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, set.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, set.contains(last) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

extension String {
    /// Pads the string on the left to `width` characters, as `%04o` would.
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }

    /// Pads the string on the right with spaces to `width` characters, for table columns.
    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// Replaces every occurrence of `target`, as Foundation's `replacingOccurrences` would.
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
