// Failures checking or fixing credential files.

/// A credential path that cannot be checked, or a change --fix could not make.
public enum PermissionError: ToolError, Equatable {
    /// `lstat` or `stat` failed, so nothing is known about the file.
    case cannotCheck(path: String, reason: String)
    case cannotListFolder(path: String, reason: String)
    /// The file could not be read to compare or record its fingerprint.
    case cannotRead(path: String, reason: String)
    /// git is needed for a file in a work tree but is not on PATH.
    case gitMissing(path: String)
    /// git ran but failed, as when it refuses a repository owned by another user.
    case gitFailed(path: String, reason: String)
    /// The fingerprint file cannot be read, trusted or written.
    case fingerprintStore(path: String, reason: String)
    /// --fix found something else at the path than what it checked, so it changed nothing.
    case replaced(path: String, now: String)
    /// --fix met a file or folder owned by another user.
    case notOwner(path: String, owner: String)
    /// --fix met a file with more than one hard link.
    case hardLinks(path: String, count: UInt64)
    case fixFailed(path: String, reason: String)
    /// The mode change succeeded but the file system kept another mode, as vfat does.
    case modeDidNotTake(path: String, expected: UInt32, actual: UInt32)

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        switch self {
        case .cannotCheck(let path, let reason):
            "cannot check \(path): \(reason) (check the path)"
        case .cannotListFolder(let path, let reason):
            "cannot list \(path): \(reason) (name the files to check instead)"
        case .cannotRead(let path, let reason):
            "cannot read \(path) to compute its fingerprint: \(reason) (run: chmod u+r \(shellWord(path)))"
        case .gitMissing(let path):
            "cannot run the git checks on \(path): git is not on PATH (install git: apt-get install git)"
        case .gitFailed(let path, let reason):
            "cannot run the git checks on \(path): \(reason) (run git status in that folder to see why)"
        case .fingerprintStore(let path, let reason):
            "cannot use the fingerprint file \(path): \(reason) (remove it and run: upx-perm --record)"
        case .replaced(let path, let now):
            "not changing \(path): it was replaced after the check and is now \(now) "
                + "(find out who replaced it, then run upx-perm again)"
        case .notOwner(let path, let owner):
            "not changing \(path): it is owned by \(owner), not by you "
                + "(ask \(owner == "root" ? "root" : "\(owner) or root") to run: chmod go-rwx \(shellWord(path)))"
        case .hardLinks(let path, let count):
            "not changing \(path): it has \(count) hard links, so the change would reach other names too "
                + "(find them with: find / -xdev -samefile \(shellWord(path)))"
        case .fixFailed(let path, let reason):
            "cannot change \(path): \(reason) (run: chmod go-rwx \(shellWord(path)))"
        case .modeDidNotTake(let path, let expected, let actual):
            "the mode of \(path) did not change: it is still \(octalMode(actual)), not \(octalMode(expected)), "
                + "probably because its file system ignores modes, as vfat does (move it to a Linux file system such as ext4)"
        }
    }
}

/// Returns the path unchanged when no shell treats any of its characters specially, else quoted.
func shellWord(_ path: String) -> String {
    let plain = !path.isEmpty && path.unicodeScalars.allSatisfy { scalar in
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/._-+,:@%".unicodeScalars.contains(scalar))
    }
    return plain ? path : posixQuoted(path)
}
