// One run of upx-perm's checks over a list of credential paths, and with --fix its changes.

import Glibc

/// The actions of upx-perm besides checking: fixing, recording fingerprints, and the maximum age.
public struct PermissionOptions: Sendable, Equatable {
    /// Make the changes that findings call for.
    public var fix = false
    /// Store the SHA-256 of each credential file checked.
    public var record = false
    /// Days without change after which a file gets a rotation reminder; 0 turns the check off.
    public var maxAgeDays = 90

    public init(fix: Bool = false, record: Bool = false, maxAgeDays: Int = 90) {
        self.fix = fix
        self.record = record
        self.maxAgeDays = maxAgeDays
    }
}

/// Checks credential paths and, when asked, fixes what it safely can.
public struct PermissionScan {
    let environment: [String: String]
    /// The current time in Unix seconds.
    let now: Int
    let options: PermissionOptions
    /// The user whose credentials these are: the effective user of the process.
    let user: uid_t
    /// Runs after every check and before the first change. Tests swap files here to show
    /// that --fix changes only what it checked.
    var beforeFix: () -> Void = {}
    var fixer: PermissionFixer

    public init(environment: [String: String], now: Int, options: PermissionOptions) {
        self.init(environment: environment, now: now, options: options, user: geteuid())
    }

    init(environment: [String: String], now: Int, options: PermissionOptions, user: uid_t) {
        self.environment = environment
        self.now = now
        self.options = options
        self.user = user
        fixer = PermissionFixer(user: user)
    }

    /// Checks every path, in order, then makes the changes when --fix is on.
    public func run(_ paths: [CredentialPath]) -> PermissionReport {
        var report = PermissionReport(isFixing: options.fix)
        let checker = PermissionChecker(user: user, now: now, maxAgeDays: options.maxAgeDays)

        // Findings are kept per path and listed in path order, whichever check raised them.
        var findingsByPath = [[PermissionFinding]](repeating: [], count: paths.count)
        var judged: [(index: Int, file: JudgedFile)] = []
        for (index, entry) in paths.enumerated() {
            do {
                let (inspection, findings) = try checker.inspect(entry)
                findingsByPath[index] += findings
                switch inspection {
                case .judged(let file):
                    judged.append((index, file))
                    findingsByPath[index] += checker.findings(for: file)
                    report.checkedCount += 1
                case .skipped(let path, let type):
                    report.skipped.append(SkippedPath(path: path, type: type))
                case .absent:
                    if !findings.isEmpty { report.checkedCount += 1 }
                }
            } catch {
                report.errors.append(error)
            }
        }

        var parents = ParentFolders(user: user, credentialFolders: judged.filter { $0.file.status.isDirectory }.map { $0.file })
        for (index, file) in judged {
            findingsByPath[index] += parents.findings(for: file)
        }
        addGitFindings(judged, to: &findingsByPath, &report)
        addFingerprintFindings(judged, to: &findingsByPath, &report)

        report.findings = findingsByPath.flatMap { $0 }
        if options.fix { fix(&report) }
        return report
    }

    /// Makes the change of each fixable finding and records what happened on the finding.
    private func fix(_ report: inout PermissionReport) {
        beforeFix()

        var ignoreRepairs: [Int] = []
        for index in report.findings.indices {
            switch report.findings[index].repair {
            case .mode(let repair):
                do {
                    guard let change = try fixer.fixMode(repair) else {
                        report.findings[index].status = .fixed("nothing to change: group and others have no access now")
                        continue
                    }
                    let text = "mode \(octalMode(change.old)) -> \(octalMode(change.new))"
                    report.findings[index].status = .fixed(text)
                    report.changes.append("fixed \(repair.displayPath): \(text)")
                    // The findings left on the same file show the mode it has now.
                    let path = report.findings[index].path
                    for other in report.findings.indices where report.findings[other].path == path {
                        report.findings[other].mode = change.new
                    }
                } catch {
                    report.findings[index].status = .notFixed(error.message)
                }
            case .ignorePattern:
                ignoreRepairs.append(index)
            case nil:
                break
            }
        }
        fixIgnorePatterns(ignoreRepairs, &report)
    }
}

/// A path that is neither a regular file nor a folder, passed over with a note.
public struct SkippedPath: Equatable, Sendable {
    public let path: String
    /// The file type, such as `character device`.
    public let type: String
}

/// Everything one run found and changed.
public struct PermissionReport: Equatable, Sendable {
    /// Whether --fix was on, so that each finding's status reports what --fix did.
    public let isFixing: Bool
    /// The findings in the order of the paths they concern.
    public var findings: [PermissionFinding] = []
    /// Each change --fix made, as one line: `fixed .env: mode 0644 -> 0600`.
    public var changes: [String] = []
    public var skipped: [SkippedPath] = []
    /// Paths that could not be checked, and checks that could not run.
    public var errors: [PermissionError] = []
    /// The paths whose fingerprints --record stored.
    public var recorded: [String] = []
    /// How many files, folders and links were judged.
    public var checkedCount = 0

    public init(isFixing: Bool) {
        self.isFixing = isFixing
    }

    /// The findings that remain open.
    public var openFindings: [PermissionFinding] { findings.filter(\.isOpen) }

    /// 3 when something could not be checked, else 1 when findings are left, else 0.
    public var exitCode: ExitCode {
        if !errors.isEmpty { return .badInput }
        return openFindings.isEmpty ? .success : .negative
    }
}
