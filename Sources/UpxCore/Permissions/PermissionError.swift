// Failures checking or tightening the mode of credential files.

/// A credential file that cannot be checked or fixed.
public enum PermissionError: ToolError, Equatable {
    /// `lstat` or `stat` failed, so nothing is known about the file.
    case cannotCheck(path: String, reason: String)
    case cannotListDirectory(path: String, reason: String)
    /// --fix met a symbolic link, which it never follows. `target` is the resolved file when known.
    case symbolicLink(path: String, target: String?)
    /// --fix met something other than a regular file, as when the file was replaced after the check.
    case notRegularFile(path: String, kind: String)
    case notOwner(path: String, owner: String)
    case fixFailed(path: String, reason: String)

    public var exitCode: ExitCode { .badInput }

    public var message: String {
        switch self {
        case .cannotCheck(let path, let reason):
            return "cannot check \(path): \(reason) (check the path)"
        case .cannotListDirectory(let path, let reason):
            return "cannot list \(path) to find .env files: \(reason) (name the files to check instead)"
        case .symbolicLink(let path, let target?):
            return "not changing \(path): it is a symbolic link, which --fix does not follow "
                + "(run: upx-perm --fix \(shellWord(target)))"
        case .symbolicLink(let path, nil):
            return "not changing \(path): it is a symbolic link, which --fix does not follow (fix the file it points to)"
        case .notRegularFile(let path, let kind):
            return "not changing \(path): it is now a \(kind), not a regular file "
                + "(check who replaced it, then run upx-perm again)"
        case .notOwner(let path, let owner):
            let fixer = owner == "root" ? "root" : "\(owner) or root"
            return "cannot change \(path): it is owned by \(owner), not by you "
                + "(ask \(fixer) to run: chmod 600 \(shellWord(path)))"
        case .fixFailed(let path, let reason):
            return "cannot change the mode of \(path): \(reason) (run: chmod 600 \(shellWord(path)))"
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
