// The folders above each credential, checked the way sshd's StrictModes checks the folders above
// authorized_keys: someone who may write to one of them can rename or replace what is inside.

import Glibc

/// Checks every folder from a credential's folder up to `/`, each folder once per run.
struct ParentFolders {
    /// The user whose credentials these are.
    let user: uid_t
    private var checked: Set<String> = []

    /// Starts with the credential folders marked as checked, because their own mode finding
    /// already covers them.
    init(user: uid_t, credentialFolders: [JudgedFile]) {
        self.user = user
        for folder in credentialFolders {
            checked.insert(realPath(folder.judgedPath) ?? folder.judgedPath)
        }
    }

    /// Returns the findings on the folders above `file` that no earlier call has checked.
    ///
    /// For a symbolic link both chains count, the link's and its target's, because a writer
    /// of the link's folder can point the link elsewhere. A folder that group or others may
    /// write to is accepted when its sticky bit is set and root or the user owns it, as for `/tmp`.
    /// The sticky bit stops others from renaming or removing entries they do not own.
    /// sshd itself rejects such folders.
    mutating func findings(for file: JudgedFile) -> [PermissionFinding] {
        var starts = [parentFolder(file.entry.fullPath)]
        if let target = file.target { starts.append(parentFolder(target)) }

        var findings: [PermissionFinding] = []
        for start in starts {
            var folder = realPath(start) ?? start
            while true {
                if checked.insert(folder).inserted, let finding = finding(for: folder, above: file.entry.path) {
                    findings.append(finding)
                }
                if folder == "/" { break }
                folder = parentFolder(folder)
            }
        }
        return findings
    }

    private func finding(for folder: String, above path: String) -> PermissionFinding? {
        guard let status = statusOf(folder) else { return nil }
        let owner = userName(status.owner)
        let ownerIsTrusted = status.owner == 0 || status.owner == user
        let writers = otherWriters(status.mode)
        let isSticky = status.mode & UInt32(S_ISVTX) != 0

        let reason: String
        let fix: String
        if !ownerIsTrusted {
            reason = "\(owner) owns this folder above \(path), so \(owner) can rename or replace what is in it"
            fix = "move the credentials to a folder of your own"
        } else if let writers, !isSticky {
            reason = "\(writers) can write to this folder above \(path), so they can rename or replace what is in it"
            fix = "chmod go-w \(shellWord(folder))"
        } else {
            return nil
        }
        return PermissionFinding(
            .parentFolder, path: folder, type: "directory", owner: owner, mode: status.mode,
            expectedMode: status.mode & ~0o022, reason: reason, fix: fix)
    }

    /// Names who besides the owner may write: `group`, `others` or `group and others`.
    private func otherWriters(_ mode: UInt32) -> String? {
        var classes: [String] = []
        if mode & 0o020 != 0 { classes.append("group") }
        if mode & 0o002 != 0 { classes.append("others") }
        return classes.isEmpty ? nil : listed(classes)
    }
}
