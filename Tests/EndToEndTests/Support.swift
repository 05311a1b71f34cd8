// Running the built tools, real shells, keyctl and the Upstox stand-in from tests.

import Foundation
import Testing

/// The folder of this package, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The folder holding the built tools: `UPX_BIN_DIR`, else the folder of the test binary,
/// which `swift test` builds next to the tools.
let builtToolsFolder: URL = {
    if let folder = ProcessInfo.processInfo.environment["UPX_BIN_DIR"] {
        return URL(fileURLWithPath: folder)
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
}()

/// What a finished command left behind.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments` and `environment` (nothing inherited), feeding `input`.
@discardableResult
func runCommand(
    _ executable: String, _ arguments: [String] = [], environment: [String: String] = baseEnvironment(),
    input: String? = nil, directory: URL? = nil, timeout: TimeInterval = 60
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory

    let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()

    // Read both pipes while the process runs, so a full pipe cannot block it.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    DispatchQueue.global().async(group: group) { outData = stdout.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { errData = stderr.fileHandleForReading.readDataToEndOfFile() }
    if group.wait(timeout: .now() + timeout) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        Issue.record("\(executable) \(arguments) did not finish in \(timeout) s")
    }
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Returns a minimal environment: PATH with the built tools first, HOME, and a UTF-8 locale.
func baseEnvironment(home: String = NSTemporaryDirectory()) -> [String: String] {
    [
        "PATH": builtToolsFolder.path + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": home,
        "LANG": "C.UTF-8",
    ]
}

/// Finds a program on the usual PATH, or records an issue naming the Debian package to install.
func requireProgram(_ name: String, package: String) throws -> String {
    for folder in ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let path = folder + "/" + name
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw MissingProgram(name: name, package: package)
}

struct MissingProgram: Error, CustomStringConvertible {
    let name: String
    let package: String
    var description: String { "\(name) is not installed; install the Debian package \(package) (apt-get install \(package))" }
}

/// Creates an empty folder under the temporary folder, readable by every user so that an
/// unprivileged test user can work in it.
func makeTemporaryFolder(_ prefix: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
    return folder
}

/// Returns a profile name no other test uses, so tests can share the user keyring.
func uniqueProfile(_ prefix: String = "e2e") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}
