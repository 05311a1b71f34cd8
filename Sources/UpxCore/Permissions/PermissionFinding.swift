// One problem upx-perm found with a credential file or a folder above it, and what --fix did about it.

/// A problem with one credential file, credential folder or parent folder.
public struct PermissionFinding: Equatable, Sendable {
    /// The check that raised the finding. The raw values appear in --json output and do not change.
    public enum Check: String, Equatable, Sendable, CaseIterable {
        /// Group or others have some access to the file or folder.
        case mode
        /// Another user owns the file or folder.
        case owner
        /// The file has more than one hard link.
        case hardLinks = "hard-links"
        /// A symbolic link whose target does not exist.
        case danglingLink = "dangling-link"
        /// A folder above the file lets someone else rename or replace what is in it.
        case parentFolder = "parent-folder"
        /// git tracks the file, so its content is in commits.
        case gitTracked = "git-tracked"
        /// No ignore pattern covers the file, so `git add .` would stage it.
        case gitNotIgnored = "git-not-ignored"
        /// Only an ignore file outside the repository covers the file, so other clones would not ignore it.
        case gitIgnoredLocally = "git-ignored-locally"
        /// The file has not changed for longer than the maximum age.
        case age
        /// The file's SHA-256 differs from the one `--record` stored.
        case changed
    }

    /// Whether --fix has dealt with the finding.
    public enum Status: Equatable, Sendable {
        case open
        /// --fix made the change described.
        case fixed(String)
        /// --fix tried and failed, for the reason given.
        case notFixed(String)
    }

    public let check: Check
    /// The path as given or found; for `parentFolder`, the folder.
    public let path: String
    /// The file a symbolic link points to, when `path` is one.
    public let target: String?
    /// The type of the file judged: `regular file`, `directory` or `symbolic link`.
    public let type: String
    /// The owner's user name, or `uid N` when the user database has none; nil when unknown.
    public let owner: String?
    /// Permission bits, including set-user-ID, set-group-ID and sticky bits; nil when unknown.
    public internal(set) var mode: UInt32?
    /// The mode the file should have: its current mode without any bit for group or others,
    /// or for a parent folder without write bits for group or others.
    public let expectedMode: UInt32?
    /// Why the finding matters, as a clause: `group and others can read it`.
    public let reason: String
    /// The command to run, or the step to take, that resolves the finding.
    public let fix: String
    public internal(set) var status: Status = .open
    /// The change --fix can make; nil when --fix leaves the finding to the user.
    let repair: Repair?

    init(
        _ check: Check, path: String, target: String? = nil, type: String, owner: String?,
        mode: UInt32?, expectedMode: UInt32?, reason: String, fix: String, repair: Repair? = nil
    ) {
        self.check = check
        self.path = path
        self.target = target
        self.type = type
        self.owner = owner
        self.mode = mode
        self.expectedMode = expectedMode
        self.reason = reason
        self.fix = fix
        self.repair = repair
    }

    /// Whether --fix can make a change that resolves the finding.
    public var isFixable: Bool { repair != nil }

    /// Whether the finding remains: --fix did not run, or could not resolve it.
    public var isOpen: Bool {
        if case .fixed = status { return false }
        return true
    }

    /// One line for the report, such as `.env: group and others can read it (regular file,
    /// owner alice, mode 0644, expected 0600; fix: upx-perm --fix .env)`.
    public var summary: String {
        let name = target.map { "\(path) -> \($0)" } ?? path
        var facts = [type]
        if let owner { facts.append("owner \(owner)") }
        if let mode { facts.append("mode \(octalMode(mode))") }
        if let expectedMode { facts.append("expected \(octalMode(expectedMode))") }
        return "\(name): \(reason) (\(facts.joined(separator: ", ")); fix: \(fix))"
    }
}

/// A change --fix can make for a finding.
enum Repair: Equatable, Sendable {
    /// Remove permission bits from a file or folder, which must still be the inode checked.
    case mode(ModeRepair)
    /// Append `pattern` to the `.gitignore` at the top of the work tree `topLevel`.
    case ignorePattern(topLevel: String, pattern: String, relativePath: String)
}

/// The file a mode change applies to, as it was when checked.
struct ModeRepair: Equatable, Sendable {
    /// The absolute path to open, with no symbolic link in its last component.
    let fullPath: String
    /// The path shown in messages.
    let displayPath: String
    let device: UInt64
    let inode: UInt64
    let isFolder: Bool
    let oldMode: UInt32
    let newMode: UInt32
}

/// Formats a mode as four octal digits, as chmod and stat print it: `0644`.
func octalMode(_ mode: UInt32) -> String {
    String(mode & 0o7777, radix: 8).leftPadded(to: 4)
}

/// Says which classes besides the owner get which access: `lets group and others read it`.
func accessDescription(_ mode: UInt32) -> String {
    guard let access = otherAccess(mode) else { return "lets only the owner in" }
    return "lets \(access.classes) \(access.rights) it"
}

/// Names who besides the owner gets which rights, as `("group and others", "read and write")`,
/// or nil when the mode lets only the owner in.
func otherAccess(_ mode: UInt32) -> (classes: String, rights: String)? {
    var classes: [String] = []
    if mode & 0o070 != 0 { classes.append("group") }
    if mode & 0o007 != 0 { classes.append("others") }
    guard !classes.isEmpty else { return nil }

    let bits = (mode >> 3 | mode) & 0o7
    var rights: [String] = []
    if bits & 0o4 != 0 { rights.append("read") }
    if bits & 0o2 != 0 { rights.append("write") }
    if bits & 0o1 != 0 { rights.append("execute") }
    return (listed(classes), listed(rights))
}

/// Joins words as English lists them: `a`, `a and b`, `a, b and c`.
func listed(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " and " + words.last!
}
