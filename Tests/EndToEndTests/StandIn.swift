// The local Upstox stand-in, started and stopped by tests.

import Foundation
import Testing
import UpxCore

/// Made-up credentials the stand-in and upx-login share in tests.
enum TestAccount {
    static let mobile = "9876543210"
    static let pin = "482913"
    static let totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    static let clientID = "e2e-client-7f3a"
    static let clientSecret = "e2e-client-secret-91b2"
    static let redirectURI = "http://127.0.0.1:9/callback"
    static let userID = "7AB123"

    /// Returns the environment upx-login needs to log in to the server at `baseURL`.
    static func loginEnvironment(baseURL: String, home: String = NSTemporaryDirectory()) -> [String: String] {
        var environment = baseEnvironment(home: home)
        environment["UPSTOX_USERNAME"] = mobile
        environment["UPSTOX_PIN_CODE"] = pin
        environment["UPSTOX_TOTP_SECRET"] = totpSecret
        environment["UPSTOX_CLIENT_ID"] = clientID
        environment["UPSTOX_CLIENT_SECRET"] = clientSecret
        environment["UPSTOX_REDIRECT_URI"] = redirectURI
        environment["UPSTOX_API_BASE_URL"] = baseURL
        environment["UPSTOX_SERVICE_BASE_URL"] = baseURL
        return environment
    }
}

/// A running stand-in on a free loopback port.
final class StandIn {
    let process: Process
    let baseURL: String
    /// The parent of the runtime and state folders of this stand-in's clients. upx-login keeps
    /// its login locks and the account's stops there, so a wrong PIN in one test stops no other test.
    private let runtimeRoot = NSTemporaryDirectory() + "upx-e2e-run-" + UUID().uuidString.prefix(8)

    /// Starts the stand-in with the test account and `extraArguments`, and waits for its URL.
    init(_ extraArguments: [String] = []) throws {
        Self.waitOutsideCutoffWindow()
        let python = try requireProgram("python3", package: "python3")
        let script = packageRoot.appendingPathComponent("Tests/standin/upstox_standin.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script, "--mobile", TestAccount.mobile, "--pin", TestAccount.pin,
            "--totp-secret", TestAccount.totpSecret, "--client-id", TestAccount.clientID,
            "--client-secret", TestAccount.clientSecret, "--redirect-uri", TestAccount.redirectURI,
            "--user-id", TestAccount.userID, "--port", "0",
        ] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        // The first line of output is the base URL, written once the port is open.
        var line = Data()
        let reader = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        baseURL = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard baseURL.hasPrefix("http://127.0.0.1:") else {
            kill(process.processIdentifier, SIGKILL)
            throw StandInFailure(reason: "the stand-in did not print its URL (got '\(baseURL)')")
        }
    }

    /// Stops the stand-in with SIGKILL: a process started from a Dispatch thread inherits
    /// that thread's blocked signals, so it would never see SIGTERM.
    /// Sleeps through the last 6 minutes before 03:30 IST (22:00 UTC) and a few seconds after.
    /// A token issued then has less than upx-login's 5 minutes left, so every run would log in
    /// again, and tests that expect a cached token would fail by the clock alone.
    static func waitOutsideCutoffWindow() {
        let cutoff = 22 * 3600
        let secondsIntoDay = Int(Date().timeIntervalSince1970) % 86_400
        let windowStart = cutoff - 360, windowEnd = cutoff + 5
        guard secondsIntoDay >= windowStart && secondsIntoDay < windowEnd else { return }
        Thread.sleep(forTimeInterval: Double(windowEnd - secondsIntoDay))
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: runtimeRoot)
    }

    /// Returns the environment upx-login needs to log in here, with an XDG_RUNTIME_DIR and
    /// UPX_STATE_DIR of this stand-in's that belong to the owner of `home`.
    func loginEnvironment(home: String = NSTemporaryDirectory()) -> [String: String] {
        var environment = TestAccount.loginEnvironment(baseURL: baseURL, home: home)
        var owner = stat()
        if stat(home, &owner) == 0 {
            let runtime = "\(runtimeRoot)/\(owner.st_uid)"
            _ = mkdir(runtimeRoot, 0o755)
            if mkdir(runtime, 0o700) == 0 { _ = chown(runtime, owner.st_uid, owner.st_gid) }
            environment["XDG_RUNTIME_DIR"] = runtime
            environment["UPX_STATE_DIR"] = runtime + "/upx"
        }
        return environment
    }

    /// Fetches the stand-in's request counts and issued tokens.
    func stats() throws -> [String: Any] {
        // libcurl through UpxCore, because Foundation's URL loading blocks inside Swift Testing here.
        let reply = try CurlTransport().send(HTTPRequest(method: "GET", url: baseURL + "/standin/stats"))
        let data = Data(reply.body)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw StandInFailure(reason: "stats are not a JSON object")
        }
        return object
    }

    func totalRequests() throws -> Int {
        try stats()["total"] as? Int ?? -1
    }

    func requestCount(_ step: String) throws -> Int {
        let requests = try stats()["requests"] as? [String: Int] ?? [:]
        return requests[step] ?? 0
    }

    func issuedTokens() throws -> [String] {
        try stats()["issued_tokens"] as? [String] ?? []
    }
}

struct StandInFailure: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
