// The git checks of a scan: credential files that a work tree tracks or does not ignore, and
// --fix's .gitignore patterns.

/// A credential inside a work tree, with its path relative to the work tree top.
private struct TreeEntry {
    let index: Int
    let file: JudgedFile
    let relativePath: String
}

extension PermissionScan {
    /// Adds the findings on credentials inside git work trees, asking git once per work tree
    /// and question.
    func addGitFindings(
        _ judged: [(index: Int, file: JudgedFile)], to findingsByPath: inout [[PermissionFinding]],
        _ report: inout PermissionReport
    ) {
        let git = GitInspector(environment: environment)
        var topByFolder: [String: String?] = [:]
        var entriesByTop: [String: [TreeEntry]] = [:]
        var topOrder: [String] = []

        for (index, file) in judged {
            let folder = realPath(parentFolder(file.entry.fullPath)) ?? parentFolder(file.entry.fullPath)
            let top: String?
            do {
                if let cached = topByFolder[folder] {
                    top = cached
                } else {
                    top = try git.workTree(containing: folder, for: file.entry.path)
                    topByFolder[folder] = top
                }
            } catch {
                report.errors.append(error)
                topByFolder[folder] = .some(nil)
                continue
            }
            guard let top else { continue }
            let path = folder == "/" ? "/" + lastComponent(file.entry.fullPath) : folder + "/" + lastComponent(file.entry.fullPath)
            guard path.hasPrefix(top + "/") else { continue }
            if entriesByTop[top] == nil { topOrder.append(top) }
            entriesByTop[top, default: []].append(TreeEntry(index: index, file: file, relativePath: String(path.dropFirst(top.count + 1))))
        }

        for top in topOrder {
            do {
                try addFindings(in: top, entriesByTop[top]!, git, &findingsByPath)
            } catch {
                report.errors.append(error)
            }
        }
    }

    private func addFindings(
        in top: String, _ entries: [TreeEntry], _ git: GitInspector, _ findingsByPath: inout [[PermissionFinding]]
    ) throws(PermissionError) {
        let firstPath = entries[0].file.entry.path
        let files = entries.filter { !$0.file.status.isDirectory }
        let tracked = try git.trackedPaths(in: top, files.map(\.relativePath), for: firstPath)
        for entry in files where tracked.contains(entry.relativePath) {
            findingsByPath[entry.index].append(entry.file.finding(
                .gitTracked, reason: "git tracks it, so its content goes into every commit and push",
                fix: "run in \(shellWord(top)): git rm --cached -- \(shellWord(entry.relativePath)); "
                    + "rotate the credentials if a commit with it was ever pushed"))
        }

        // A file in a credential folder is judged through its folder's pattern, asked once.
        let scopes = entries.filter { $0.file.entry.ignoreScope == $0.file.entry.fullPath }
        let matches = try git.ignoreMatches(in: top, scopes.map(\.relativePath), for: firstPath)
        for entry in scopes {
            let match = matches[entry.relativePath]
            if let match, match.ignores && match.isInRepository { continue }
            findingsByPath[entry.index].append(ignoreFinding(entry, match, top: top))
        }
    }

    private func ignoreFinding(_ entry: TreeEntry, _ match: IgnoreMatch?, top: String) -> PermissionFinding {
        let isFolder = entry.file.status.isDirectory
        let pattern = entry.file.entry.ignorePattern ?? anchoredIgnorePattern(entry.relativePath, isFolder: isFolder)
        let fix = "upx-perm --fix, which appends \(pattern) to \(shellWord(top + "/.gitignore"))"
        let repair = Repair.ignorePattern(topLevel: top, pattern: pattern, relativePath: entry.relativePath)

        guard let match else {
            return entry.file.finding(
                .gitNotIgnored, reason: "no ignore pattern covers it, so git add would stage it (missing pattern: \(pattern))",
                fix: fix, repair: repair)
        }
        if !match.ignores {
            return entry.file.finding(
                .gitNotIgnored,
                reason: "\(match.pattern) in \(match.source):\(match.line) takes it back from ignoring, "
                    + "so git add would stage it (missing pattern: \(pattern))",
                fix: fix, repair: repair)
        }
        return entry.file.finding(
            .gitIgnoredLocally,
            reason: "only \(match.source):\(match.line) ignores it, a file other clones do not have (missing pattern: \(pattern))",
            fix: fix, repair: repair)
    }

    /// Appends the missing patterns to each work tree's `.gitignore`, then runs git check-ignore again,
    /// so a finding counts as fixed only when a `.gitignore` pattern now ignores the path.
    func fixIgnorePatterns(_ indices: [Int], _ report: inout PermissionReport) {
        let git = GitInspector(environment: environment)
        var indicesByTop: [String: [Int]] = [:]
        var topOrder: [String] = []
        for index in indices {
            guard case .ignorePattern(let top, _, _) = report.findings[index].repair else { continue }
            if indicesByTop[top] == nil { topOrder.append(top) }
            indicesByTop[top, default: []].append(index)
        }

        for top in topOrder {
            let group = indicesByTop[top]!
            var patterns: [String] = []
            var relativePaths: [String] = []
            for index in group {
                guard case .ignorePattern(_, let pattern, let relativePath) = report.findings[index].repair else { continue }
                if !patterns.contains(pattern) { patterns.append(pattern) }
                relativePaths.append(relativePath)
            }

            do {
                try fixer.appendIgnorePatterns(patterns, topLevel: top)
                report.changes.append("fixed \(top)/.gitignore: appended \(patterns.joined(separator: ", "))")
                let matches = try git.ignoreMatches(in: top, relativePaths, for: report.findings[group[0]].path)
                for (index, relativePath) in zip(group, relativePaths) {
                    report.findings[index].status = ignoreStatus(after: matches[relativePath], top: top)
                }
            } catch {
                for index in group { report.findings[index].status = .notFixed(error.message) }
            }
        }
    }

    private func ignoreStatus(after match: IgnoreMatch?, top: String) -> PermissionFinding.Status {
        guard let match else { return .notFixed("git still does not ignore it after the new patterns in \(top)/.gitignore") }
        if match.ignores && match.isInRepository { return .fixed("\(match.source):\(match.line) ignores it") }
        return .notFixed("git still does not ignore it: \(match.pattern) in \(match.source):\(match.line) decides "
            + "(edit that file, then run upx-perm again)")
    }
}
