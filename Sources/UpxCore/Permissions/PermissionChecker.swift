// The checks on one credential file or folder by itself: mode, owner, hard links, symbolic links and age.

import Glibc

/// The outcome of looking at one credential path.
enum Inspection: Equatable {
    /// A regular file or folder, judged by the checks; for a symbolic link, the file it points to.
    case judged(JudgedFile)
    /// Something that is neither a regular file nor a folder, such as /dev/null.
    case skipped(path: String, type: String)
    /// A symbolic link whose target does not exist, or a usual place that is not there.
    case absent
}

/// A credential file or folder as it was when checked.
struct JudgedFile: Equatable {
    let entry: CredentialPath
    /// The resolved path of the file a symbolic link points to; nil when the entry is no link.
    let target: String?
    /// The file judged: the entry itself, or its link's target.
    let status: FileStatus

    /// The absolute path of the file judged, with no symbolic link in its last component.
    var judgedPath: String { target ?? entry.fullPath }
    /// The path a user would pass to fix the file.
    var fixPath: String { target ?? entry.path }
    /// The type shown in findings, naming the link when the file was reached through one.
    var typeName: String { target == nil ? status.typeName : "symbolic link to \(status.typeName)" }
}

/// Checks credential files and folders against the modes, ownership and age they should have.
public struct PermissionChecker: Sendable {
    /// The user whose credentials these are: the effective user of the process.
    let user: uid_t
    /// The current time in Unix seconds.
    let now: Int
    /// The age in days after which an unchanged file gets a rotation reminder; 0 turns the check off.
    let maxAgeDays: Int

    init(user: uid_t = geteuid(), now: Int, maxAgeDays: Int) {
        self.user = user
        self.now = now
        self.maxAgeDays = maxAgeDays
    }

    /// Looks at one path, following a final symbolic link, and returns what is there with the
    /// findings a dangling link raises.
    func inspect(_ entry: CredentialPath) throws(PermissionError) -> (Inspection, [PermissionFinding]) {
        guard let link = linkStatusOf(entry.fullPath) else {
            let code = errno
            if code == ENOENT && !entry.isRequired { return (.absent, []) }
            throw .cannotCheck(path: entry.path, reason: systemErrorText(code))
        }

        var status = link
        var target: String?
        if link.isSymbolicLink {
            guard let followed = statusOf(entry.fullPath) else {
                let code = errno
                guard code == ENOENT else { throw .cannotCheck(path: entry.path, reason: systemErrorText(code)) }
                return (.absent, [danglingLink(entry, link)])
            }
            status = followed
            target = realPath(entry.fullPath)
        }

        guard status.isRegular || status.isDirectory else {
            return (.skipped(path: entry.path, type: status.typeName), [])
        }
        return (.judged(JudgedFile(entry: entry, target: target, status: status)), [])
    }

    /// Returns the findings on the file itself: its mode, owner, hard links and age.
    func findings(for file: JudgedFile) -> [PermissionFinding] {
        var findings: [PermissionFinding] = []
        if let finding = modeFinding(file) { findings.append(finding) }
        if file.status.owner != user { findings.append(ownerFinding(file)) }
        if file.status.isRegular && file.status.linkCount > 1 { findings.append(hardLinksFinding(file)) }
        if let finding = ageFinding(file) { findings.append(finding) }
        return findings
    }

    private func modeFinding(_ file: JudgedFile) -> PermissionFinding? {
        let status = file.status
        guard let access = otherAccess(status.mode) else { return nil }
        let expected = status.mode & 0o700

        var repair: Repair?
        let fix: String
        if status.owner != user {
            let owner = userName(status.owner)
            fix = "ask \(owner == "root" ? "root" : "\(owner) or root") to run: chmod go-rwx \(shellWord(file.fixPath))"
        } else if status.isRegular && status.linkCount > 1 {
            fix = "remove the other hard links, then run: upx-perm --fix \(shellWord(file.fixPath))"
        } else {
            fix = "upx-perm --fix \(shellWord(file.fixPath))"
            repair = .mode(ModeRepair(
                fullPath: file.judgedPath, displayPath: file.fixPath, device: status.device, inode: status.inode,
                isFolder: status.isDirectory, oldMode: status.mode, newMode: expected))
        }
        return file.finding(.mode, expectedMode: expected,
                       reason: "\(access.classes) can \(access.rights) it", fix: fix, repair: repair)
    }

    private func ownerFinding(_ file: JudgedFile) -> PermissionFinding {
        let owner = userName(file.status.owner)
        return file.finding(.owner, reason: "it is owned by \(owner), not by \(userName(user)), so \(owner) can read and change it",
                       fix: "ask root to run: chown \(userName(user)) \(shellWord(file.fixPath))")
    }

    private func hardLinksFinding(_ file: JudgedFile) -> PermissionFinding {
        let count = file.status.linkCount
        return file.finding(.hardLinks, reason: "it has \(count) hard links, so other names reach the same content and keep it after this one is removed",
                       fix: "find the other names with: find / -xdev -samefile \(shellWord(file.fixPath)), and remove them")
    }

    private func ageFinding(_ file: JudgedFile) -> PermissionFinding? {
        guard maxAgeDays > 0, file.status.isRegular else { return nil }
        let days = (now - file.status.modified) / 86_400
        guard days > maxAgeDays else { return nil }
        return file.finding(.age, reason: "it has not changed for \(days) days, more than the \(maxAgeDays)-day maximum, "
                           + "so the credentials in it are due for rotation",
                       fix: "rotate the credentials and write the new ones to it, or set --max-age")
    }

    private func danglingLink(_ entry: CredentialPath, _ link: FileStatus) -> PermissionFinding {
        let text = linkText(entry.fullPath) ?? "a missing file"
        return PermissionFinding(
            .danglingLink, path: entry.path, target: text, type: "symbolic link", owner: userName(link.owner),
            mode: nil, expectedMode: nil, reason: "it points to \(text), which does not exist",
            fix: "remove the link (rm \(shellWord(entry.path))) or restore its target")
    }

}

extension JudgedFile {
    /// Makes a finding on this file, with its path, link target, type, owner and mode.
    /// The expected mode defaults to the current one without group and others bits.
    func finding(
        _ check: PermissionFinding.Check, expectedMode: UInt32? = nil, reason: String, fix: String, repair: Repair? = nil
    ) -> PermissionFinding {
        PermissionFinding(
            check, path: entry.path, target: target, type: typeName, owner: userName(status.owner),
            mode: status.mode, expectedMode: expectedMode ?? status.mode & 0o700, reason: reason, fix: fix, repair: repair)
    }
}
