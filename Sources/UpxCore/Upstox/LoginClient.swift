// Requests to Upstox with the login page's headers, and the reading of its replies.

import FoundationEssentials
import Glibc

/// Sends the login's requests and turns each reply into data or an `UpstoxError`.
public final class LoginClient {
    let transport: any HTTPTransport
    let hosts: UpstoxHosts
    let log: (String) -> Void
    /// One id for the whole login, as the login page sends: `WPRO-` and 10 letters or digits.
    let requestID: String
    let deviceID: String

    /// The wait before each request after the first, as the Python client's UPSTOX_SLEEP_TIME sets.
    let pauseMilliseconds: Int
    private var requestCount = 0

    init(
        transport: any HTTPTransport, hosts: UpstoxHosts, pauseMilliseconds: Int = 0,
        requestID: String = LoginClient.newRequestID(), log: @escaping (String) -> Void
    ) {
        self.transport = transport
        self.hosts = hosts
        self.pauseMilliseconds = pauseMilliseconds
        self.log = log
        self.requestID = requestID
        self.deviceID = UUID().uuidString.lowercased()
    }

    /// Returns a new login id as the login page makes them: `WPRO-` and 10 letters or digits.
    public static func newRequestID() -> String {
        "WPRO-" + randomAlphanumerics(count: 10)
    }

    /// The headers the login page sends on every step.
    var loginHeaders: [(name: String, value: String)] {
        let device = [
            "platform=WEB", "osName=Linux", "osVersion=x86_64", "appVersion=4.0.0", "modelName=Chrome",
            "manufacturer=unknown", "uuid=\(deviceID)", "userAgent=\(ProtocolTable.userAgent)",
        ].joined(separator: "|")
        return [
            ("accept", "*/*"),
            ("content-type", "application/json"),
            ("origin", ProtocolTable.loginPageOrigin),
            ("referer", ProtocolTable.loginPageOrigin + "/"),
            ("user-agent", ProtocolTable.userAgent),
            ("x-device-details", device),
            ("x-request-id", requestID),
        ]
    }

    /// GETs `url` and follows up to 10 redirects, each held to the same URL rules as the
    /// base URLs; returns the final URL.
    func followRedirects(step: LoginStep, from url: String) throws -> String {
        var current = url
        for _ in 0..<10 {
            let reply = try send(step, HTTPRequest(method: "GET", url: current, headers: loginHeaders))
            guard reply.isRedirect else {
                if reply.status == 429 {
                    throw UpstoxError.tooManyRequests(step: step, retryAfterSeconds: reply.headers["retry-after"].flatMap { Int($0) })
                }
                if let json = JSONValue.parse(reply.body), let error = Self.serverError(in: json) {
                    throw Self.failure(step: step, serverError: error, status: reply.status)
                }
                guard (200..<300).contains(reply.status) else {
                    throw UpstoxError.badReply(step: step, reason: "HTTP \(reply.status) from the login page")
                }
                return current
            }
            guard let location = reply.headers["location"], let next = URLRules.resolve(location, against: current) else {
                throw UpstoxError.badReply(step: step, reason: "HTTP \(reply.status) redirect without a usable Location")
            }
            // A redirect that breaks the URL rule is the server's fault, not the configuration's.
            do {
                current = try URLRules.validatedURL(next, name: "redirect")
            } catch let UpstoxError.unsafeURL(_, url, reason) {
                throw UpstoxError.badReply(step: step, reason: "redirected to \(url): \(reason)")
            }
        }
        throw UpstoxError.badReply(step: step, reason: "more than 10 redirects")
    }

    /// POSTs `{"data": ...}` and returns the reply's `data`.
    ///
    /// With `revisioned`, a reply saying the path does not exist throws `MissingRevision`
    /// so that the caller can try an older revision.
    func postJSON(step: LoginStep, url: String, data: [String: JSONValue],
                  headers: [(name: String, value: String)] = [], revisioned: Bool = false) throws -> JSONValue {
        let body = Array(JSONValue.object(["data": .object(data)]).serialized().utf8)
        let reply = try send(step, HTTPRequest(method: "POST", url: url, headers: loginHeaders + headers, body: body))
        if revisioned && ProtocolTable.fallbackStatuses.contains(reply.status) { throw MissingRevision() }
        return try Self.loginData(from: reply, step: step)
    }

    /// Tries each revision newest first, moving on only when the path does not exist.
    func postJSONAnyRevision(
        step: LoginStep,
        request: (ProtocolRevision) -> (url: String, data: [String: JSONValue], headers: [(name: String, value: String)])
    ) throws -> JSONValue {
        for revision in ProtocolRevision.allCases {
            let (url, data, headers) = request(revision)
            do {
                return try postJSON(step: step, url: url, data: data, headers: headers, revisioned: true)
            } catch is MissingRevision {
                log("\(step.label): revision \(revision.rawValue) not served, trying an older one")
            }
        }
        throw UpstoxError.noRevision(step: step)
    }

    /// POSTs a form to the api host, without cookies, and returns the unwrapped JSON reply.
    func postForm(step: LoginStep, url: String, body: String) throws -> JSONValue {
        let headers = [("accept", "application/json"), ("content-type", "application/x-www-form-urlencoded")]
        let request = HTTPRequest(method: "POST", url: url, headers: headers, body: Array(body.utf8), usesCookies: false)
        let reply = try send(step, request)
        let json = try Self.json(from: reply, step: step)
        if let error = Self.serverError(in: json) {
            throw Self.failure(step: step, serverError: error, status: reply.status)
        }
        try Self.checkStatus(reply, step: step)
        return json
    }

    private func send(_ step: LoginStep, _ request: HTTPRequest) throws -> HTTPResponse {
        if requestCount > 0, pauseMilliseconds > 0 { usleep(UInt32(pauseMilliseconds) * 1000) }
        requestCount += 1
        let stopwatch = Stopwatch()
        let path = URLParts(request.url)?.pathAndQuery.split(separator: "?").first.map(String.init) ?? ""
        do {
            let reply = try transport.send(request)
            log("\(step.label): \(request.method) \(path) -> HTTP \(reply.status) in \(stopwatch.elapsedMilliseconds) ms")
            return reply
        } catch let error as TransportError {
            log("\(step.label): \(request.method) \(path) failed in \(stopwatch.elapsedMilliseconds) ms: \(error.reason)")
            throw UpstoxError.network(step: step, reason: error.reason)
        }
    }

    /// Reads a login-service reply: HTTP 200 may still carry `success: false`.
    static func loginData(from reply: HTTPResponse, step: LoginStep) throws -> JSONValue {
        let json = try json(from: reply, step: step)
        if let error = serverError(in: json) {
            throw Self.failure(step: step, serverError: error, status: reply.status)
        }
        try checkStatus(reply, step: step)
        guard json["data"].object != nil else {
            throw UpstoxError.badReply(step: step, reason: "the reply has no data object")
        }
        return json["data"]
    }

    /// Parses the body as JSON, or names what came instead.
    static func json(from reply: HTTPResponse, step: LoginStep) throws -> JSONValue {
        if reply.status == 429 {
            throw UpstoxError.tooManyRequests(step: step, retryAfterSeconds: reply.headers["retry-after"].flatMap { Int($0) })
        }
        if let json = JSONValue.parse(reply.body), json.object != nil { return json }

        let text = String(decoding: reply.body.prefix(64), as: UTF8.self).trimmingCharacters(in: " \t\r\n")
        let reason: String
        if reply.body.isEmpty {
            reason = "empty reply (HTTP \(reply.status))"
        } else if text.hasPrefix("<") {
            reason = "an HTML page instead of JSON (HTTP \(reply.status))"
        } else {
            reason = "the reply is not valid JSON, perhaps cut short (HTTP \(reply.status))"
        }
        throw UpstoxError.badReply(step: step, reason: reason)
    }

    static func checkStatus(_ reply: HTTPResponse, step: LoginStep) throws {
        guard (200..<300).contains(reply.status) else {
            throw UpstoxError.badReply(step: step, reason: "HTTP \(reply.status)")
        }
    }

    /// Builds the error for a reply that carries a server error code. A 5xx status or a missing
    /// path is a server or protocol fault whatever code the body has, because Upstox
    /// reuses codes such as UDAPI100500 for its own failures.
    static func failure(step: LoginStep, serverError: (code: String, message: String), status: Int) -> UpstoxError {
        if status >= 500 || ProtocolTable.fallbackStatuses.contains(status) {
            return .serverFault(step: step, httpStatus: status, code: serverError.code, serverMessage: serverError.message)
        }
        return .refused(step: step, code: serverError.code, serverMessage: serverError.message, httpStatus: status)
    }

    /// Extracts the error code and message of either reply style: the login service's
    /// `{"success": false, "error": {...}}` or the api host's `{"errors": [{...}]}`.
    static func serverError(in json: JSONValue) -> (code: String, message: String)? {
        let loginError = json["error"]
        if loginError.object != nil || json["success"].bool == false {
            let code = loginError["code"].text ?? loginError["errorCode"].text ?? "unknown"
            return (code, loginError["message"].string ?? "")
        }
        if let first = json["errors"].array?.first {
            let code = first["errorCode"].text ?? first["error_code"].text ?? "unknown"
            return (code, first["message"].string ?? "")
        }
        if json["status"].string == "error" {
            return ("unknown", json["message"].string ?? "")
        }
        return nil
    }
}

/// Thrown inside `LoginClient` when a revision's path does not exist (404 or 405).
struct MissingRevision: Error {}

/// Random ASCII letters and digits from the system's secure generator.
func randomAlphanumerics(count: Int) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    var generator = SystemRandomNumberGenerator()
    return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
}
