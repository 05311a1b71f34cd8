// Printing a permission report: lines for people, or one JSON object for programs.

extension PermissionReport {
    /// The lines for standard output: each change, each fingerprint recorded, then each finding left.
    public var outputLines: [String] {
        changes + recorded.map { "recorded the fingerprint of \($0)" } + openFindings.map(\.summary)
    }

    /// Returns the lines for standard error, without the program name: errors first, then the
    /// changes --fix could not make, then, with `notes`, the paths skipped.
    public func errorLines(notes: Bool = true) -> [String] {
        var lines = errors.map(\.message)
        for finding in findings {
            if case .notFixed(let reason) = finding.status { lines.append(reason) }
        }
        if notes {
            lines += skipped.map { "skipping \($0.path): it is a \($0.type), not a regular file or folder" }
        }
        return lines
    }

    /// One line of counts for a terminal: `checked 3 paths, made 1 change, 2 findings left`.
    public var summary: String {
        var parts = ["checked \(checkedCount) path\(checkedCount == 1 ? "" : "s")"]
        if !changes.isEmpty { parts.append("made \(changes.count) change\(changes.count == 1 ? "" : "s")") }
        if !recorded.isEmpty { parts.append("recorded \(recorded.count) fingerprint\(recorded.count == 1 ? "" : "s")") }
        let left = openFindings.count
        parts.append("\(left) finding\(left == 1 ? "" : "s") \(isFixing ? "left" : "")".trimmingCharacters(in: " "))
        if !errors.isEmpty { parts.append("\(errors.count) could not be checked") }
        return parts.joined(separator: ", ")
    }

    /// The report as the JSON object that --json prints; its keys are listed in upx-perm --help.
    public var json: JSONValue {
        .object([
            "checked": .number(Double(checkedCount)),
            "findings": .array(findings.map(\.json)),
            "changes": .array(changes.map(JSONValue.string)),
            "recorded": .array(recorded.map(JSONValue.string)),
            "skipped": .array(skipped.map { .object(["path": .string($0.path), "type": .string($0.type)]) }),
            "errors": .array(errors.map { .string($0.message) }),
            "exit_status": .number(Double(exitCode.rawValue)),
        ])
    }
}

extension PermissionFinding {
    /// The finding as a JSON object; absent facts are null, modes are four-digit octal strings.
    var json: JSONValue {
        let status: (name: String, detail: String?) = switch status {
        case .open: ("open", nil)
        case .fixed(let change): ("fixed", change)
        case .notFixed(let reason): ("not-fixed", reason)
        }
        return .object([
            "check": .string(check.rawValue),
            "path": .string(path),
            "target": target.map(JSONValue.string) ?? .null,
            "type": .string(type),
            "owner": owner.map(JSONValue.string) ?? .null,
            "mode": mode.map { .string(octalMode($0)) } ?? .null,
            "expected_mode": expectedMode.map { .string(octalMode($0)) } ?? .null,
            "reason": .string(reason),
            "fix": .string(fix),
            "fixable": .bool(isFixable),
            "status": .string(status.name),
            "status_detail": status.detail.map(JSONValue.string) ?? .null,
        ])
    }
}
