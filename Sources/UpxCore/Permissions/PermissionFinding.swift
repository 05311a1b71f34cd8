// The results of checking and fixing one credential file.

/// A regular file whose mode lets its group or other users in.
public struct PermissionFinding: Equatable, Sendable {
    /// The mode credential files should have: read and write for the owner only.
    public static let expectedMode: UInt32 = 0o600

    /// The path as given, or the name found in the working directory.
    public let path: String
    /// The owner's user name, or `uid N` when the user database has none.
    public let owner: String
    /// Permission bits, including set-user-ID, set-group-ID and sticky bits.
    public let mode: UInt32
    /// The file that `path` points to when it is a symbolic link. The fix command names this
    /// file, because --fix does not follow links.
    public let symlinkTarget: String?

    public init(path: String, owner: String, mode: UInt32, symlinkTarget: String? = nil) {
        self.path = path
        self.owner = owner
        self.mode = mode
        self.symlinkTarget = symlinkTarget
    }

    /// The command that fixes the finding.
    public var fixCommand: String {
        "upx-perm --fix \(shellWord(symlinkTarget ?? path))"
    }

    /// One line for the report, such as
    /// `.env: owner alice, mode 0644 lets group and others read it, expected 0600 (fix: upx-perm --fix .env)`.
    public var summary: String {
        let name = symlinkTarget.map { "\(path) -> \($0)" } ?? path
        return "\(name): owner \(owner), mode \(octalMode(mode)) \(accessDescription(mode)), "
            + "expected \(octalMode(Self.expectedMode)) (fix: \(fixCommand))"
    }
}

/// The result of checking one path.
public enum PermissionCheck: Equatable, Sendable {
    /// A regular file closed to group and others.
    case closed(path: String, mode: UInt32)
    case finding(PermissionFinding)
    /// Something other than a regular file, such as /dev/null or a directory, which is not judged.
    case skipped(path: String, kind: String)
}

/// A mode change made by --fix.
public struct PermissionChange: Equatable, Sendable {
    public let path: String
    public let oldMode: UInt32
    public let newMode: UInt32

    public var summary: String {
        "fixed \(path): mode \(octalMode(oldMode)) -> \(octalMode(newMode))"
    }
}

/// Formats a mode as four octal digits, as chmod and stat print it: `0644`.
func octalMode(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// Says which classes besides the owner get which access: `lets group and others read it`.
func accessDescription(_ mode: UInt32) -> String {
    var classes: [String] = []
    if mode & 0o070 != 0 { classes.append("group") }
    if mode & 0o007 != 0 { classes.append("others") }
    let bits = (mode >> 3 | mode) & 0o7

    var access: [String] = []
    if bits & 0o4 != 0 { access.append("read") }
    if bits & 0o2 != 0 { access.append("write") }
    if bits & 0o1 != 0 { access.append("execute") }

    guard !classes.isEmpty else { return "lets only the owner in" }
    return "lets \(listed(classes)) \(listed(access)) it"
}

/// Joins words as English lists them: `a`, `a and b`, `a, b and c`.
private func listed(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " and " + words.last!
}
