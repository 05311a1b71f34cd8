// SHA-256 fingerprints of credential files, stored by --record so that a later run notices a change.

import CCrypto
import CSystem
import Glibc

/// One file's recorded content hash.
struct Fingerprint: Equatable {
    /// The SHA-256 of the content, as 64 lowercase hexadecimal digits.
    let sha256: String
    /// When --record stored it, in Unix seconds.
    let recordedAt: Int
}

/// The fingerprint file, `${XDG_STATE_HOME:-$HOME/.local/state}/upx/fingerprints.json`, mode 0600.
///
/// Its content is `{"files": {"/absolute/path": {"recorded_at": 1700000000, "sha256": "…"}}, "version": 1}`,
/// keyed by the resolved path of each file.
struct FingerprintStore {
    let path: String
    var fingerprints: [String: Fingerprint]

    /// Returns the fingerprint file's path, or nil when neither XDG_STATE_HOME nor HOME is set.
    static func location(_ environment: [String: String]) -> String? {
        if let base = environment["XDG_STATE_HOME"], base.hasPrefix("/") { return base + "/upx/fingerprints.json" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/state/upx/fingerprints.json"
    }

    /// Reads the fingerprint file. A file that does not exist yet contains no fingerprints.
    ///
    /// The file must be a regular file of `user` that no other user may write, because a changed
    /// fingerprint would hide a changed credential file.
    static func load(from path: String, user: uid_t) throws(PermissionError) -> FingerprintStore {
        guard let status = linkStatusOf(path) else {
            let code = errno
            if code == ENOENT { return FingerprintStore(path: path, fingerprints: [:]) }
            throw .fingerprintStore(path: path, reason: systemErrorText(code))
        }
        guard status.isRegular else { throw .fingerprintStore(path: path, reason: "it is a \(status.typeName)") }
        guard status.owner == user else {
            throw .fingerprintStore(path: path, reason: "it is owned by \(userName(status.owner)), not by you")
        }
        guard status.mode & 0o022 == 0 else {
            throw .fingerprintStore(path: path, reason: "mode \(octalMode(status.mode)) lets others change it")
        }

        let bytes = try readFile(path, expecting: status) { reason throws(PermissionError) in
            throw .fingerprintStore(path: path, reason: reason)
        }
        guard let files = JSONValue.parse(bytes)?["files"].object else {
            throw .fingerprintStore(path: path, reason: "it is not a fingerprint file written by upx-perm")
        }
        var fingerprints: [String: Fingerprint] = [:]
        for (file, value) in files {
            if let hash = value["sha256"].string, let recordedAt = value["recorded_at"].number {
                fingerprints[file] = Fingerprint(sha256: hash, recordedAt: Int(recordedAt))
            }
        }
        return FingerprintStore(path: path, fingerprints: fingerprints)
    }

    /// Writes the fingerprints to a new file with mode 0600 and renames it over the old one,
    /// creating the missing folders with mode 0700.
    func save() throws(PermissionError) {
        try makeFolders(parentFolder(path))

        var files: [String: JSONValue] = [:]
        for (file, fingerprint) in fingerprints {
            files[file] = .object(["sha256": .string(fingerprint.sha256), "recorded_at": .number(Double(fingerprint.recordedAt))])
        }
        let text = JSONValue.object(["version": .number(1), "files": .object(files)]).serialized(pretty: true) + "\n"

        if let failure = replaceFile(path, with: text) {
            throw .fingerprintStore(path: path, reason: systemErrorText(failure))
        }
    }

    private func makeFolders(_ folder: String) throws(PermissionError) {
        if linkStatusOf(folder) != nil || folder == "/" { return }
        try makeFolders(parentFolder(folder))
        guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
            throw .fingerprintStore(path: path, reason: "cannot create \(folder): \(systemErrorText(errno))")
        }
    }
}

/// Computes the SHA-256 of a file's content with Nettle, as lowercase hexadecimal.
///
/// The file is opened without following a final symbolic link and must still be the inode
/// that `status` describes. It is read in blocks, and the block buffer is wiped afterwards.
func sha256(ofFile path: String, expecting status: FileStatus, displayedAs displayPath: String) throws(PermissionError) -> String {
    let descriptor = try openVerified(path, expecting: status) { reason throws(PermissionError) in
        throw .cannotRead(path: displayPath, reason: reason)
    }
    defer { close(descriptor) }

    var context = sha256_ctx()
    nettle_sha256_init(&context)
    var block = [UInt8](repeating: 0, count: 65_536)
    defer { block.withUnsafeMutableBytes { wipe($0) } }
    while true {
        let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { throw .cannotRead(path: displayPath, reason: systemErrorText(errno)) }
        if count == 0 { break }
        block.withUnsafeBufferPointer { nettle_sha256_update(&context, count, $0.baseAddress) }
    }

    return sha256Digest(&context)
}

/// Computes the SHA-256 of `bytes` with Nettle, as lowercase hexadecimal.
func sha256(of bytes: [UInt8]) -> String {
    var context = sha256_ctx()
    nettle_sha256_init(&context)
    bytes.withUnsafeBufferPointer { nettle_sha256_update(&context, $0.count, $0.baseAddress) }
    return sha256Digest(&context)
}

private func sha256Digest(_ context: inout sha256_ctx) -> String {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
    let length = digest.count
    nettle_sha256_digest(&context, length, &digest)
    return digest.prefix(Int(length)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
}

/// Reads a whole file of at most 16 MiB through a descriptor checked by `openVerified`.
private func readFile(
    _ path: String, expecting status: FileStatus, fail: (String) throws(PermissionError) -> Never
) throws(PermissionError) -> [UInt8] {
    let descriptor = try openVerified(path, expecting: status, fail: fail)
    defer { close(descriptor) }
    let limit = 1 << 24
    guard let bytes = readAll(descriptor, limit: limit) else { try fail(systemErrorText(errno)) }
    guard bytes.count < limit else { try fail("it is larger than 16 MiB") }
    return bytes
}

/// Opens a file for reading without following a final symbolic link, and checks that it is
/// still the inode `status` describes. `fail` turns a reason into the caller's error.
private func openVerified(
    _ path: String, expecting status: FileStatus, fail: (String) throws(PermissionError) -> Never
) throws(PermissionError) -> Int32 {
    let descriptor = upx_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
    guard descriptor >= 0 else { try fail(systemErrorText(errno)) }
    guard let opened = statusOf(descriptor: descriptor), opened.device == status.device, opened.inode == status.inode else {
        close(descriptor)
        try fail("it was replaced while being checked")
    }
    return descriptor
}

extension PermissionScan {
    /// Compares each regular file with its recorded fingerprint, or with --record stores a new one.
    func addFingerprintFindings(
        _ judged: [(index: Int, file: JudgedFile)], to findingsByPath: inout [[PermissionFinding]],
        _ report: inout PermissionReport
    ) {
        guard let location = FingerprintStore.location(environment) else {
            if options.record {
                report.errors.append(.fingerprintStore(path: "$XDG_STATE_HOME/upx", reason: "neither XDG_STATE_HOME nor HOME is set"))
            }
            return
        }

        var store: FingerprintStore
        do {
            store = try FingerprintStore.load(from: location, user: user)
        } catch {
            report.errors.append(error)
            return
        }
        if store.fingerprints.isEmpty && !options.record { return }

        for (index, file) in judged where file.status.isRegular {
            let key = realPath(file.judgedPath) ?? file.judgedPath
            let recorded = store.fingerprints[key]
            guard options.record || recorded != nil else { continue }
            do {
                let hash = try sha256(ofFile: file.judgedPath, expecting: file.status, displayedAs: file.fixPath)
                if options.record {
                    store.fingerprints[key] = Fingerprint(sha256: hash, recordedAt: now)
                    report.recorded.append(file.entry.path)
                } else if let recorded, recorded.sha256 != hash {
                    findingsByPath[index].append(file.finding(
                        .changed, reason: "its content changed since its fingerprint was recorded on \(utcDate(recorded.recordedAt))",
                        fix: "check the change; if it is yours, run: upx-perm --record \(shellWord(file.entry.path))"))
                }
            } catch {
                report.errors.append(error)
            }
        }

        guard options.record else { return }
        do {
            try store.save()
        } catch {
            report.errors.append(error)
            report.recorded = []
        }
    }
}

/// Formats Unix seconds as a UTC date, `2025-01-31`.
func utcDate(_ seconds: Int) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    return "\(parts.tm_year + 1900)-\(String(parts.tm_mon + 1).leftPadded(to: 2))-\(String(parts.tm_mday).leftPadded(to: 2))"
}
