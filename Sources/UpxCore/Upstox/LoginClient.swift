// Requests to Upstox with the login page's headers, and the reading of its replies.

import FoundationEssentials

/// Sends the login's requests and turns each reply into data or an `UpstoxError`.
public final class LoginClient {
    let sender: RequestSender
    let hosts: UpstoxHosts
    /// The zone in which messages give the local time to try again.
    let timeZone: any LocalTimeZone
    /// One id for the whole login, as the login page sends: `WPRO-` and 10 letters or digits.
    let requestID: String
    let deviceID: String

    init(
        sender: RequestSender, hosts: UpstoxHosts, timeZone: any LocalTimeZone,
        requestID: String = LoginClient.newRequestID()
    ) {
        self.sender = sender
        self.hosts = hosts
        self.timeZone = timeZone
        self.requestID = requestID
        self.deviceID = UUID().uuidString.lowercased()
    }

    var log: (String) -> Void { sender.log }

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
            let reply = try sender.send(step) { HTTPRequest(method: "GET", url: current, headers: loginHeaders) }
            guard reply.isRedirect else {
                if let json = JSONValue.parse(reply.body), let error = Self.serverError(in: json) {
                    throw failure(step: step, serverError: error, status: reply.status)
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

    /// POSTs `{"data": ...}` and returns the reply's `data`. `data` is called for each
    /// attempt, so a retried request carries fresh values.
    ///
    /// With `revisioned`, a reply saying the path does not exist throws `MissingRevision`
    /// so that the caller can try an older revision.
    func postJSON(step: LoginStep, url: String, headers: [(name: String, value: String)] = [],
                  revisioned: Bool = false, data: () throws -> [String: JSONValue]) throws -> JSONValue {
        let reply = try sender.send(step) {
            let body = Array(JSONValue.object(["data": .object(try data())]).serialized().utf8)
            return HTTPRequest(method: "POST", url: url, headers: loginHeaders + headers, body: body)
        }
        if revisioned && ProtocolTable.fallbackStatuses.contains(reply.status) { throw MissingRevision() }
        return try loginData(from: reply, step: step)
    }

    /// The URL, extra headers and body of one revision of a step.
    typealias RevisionedRequest = (
        url: String, headers: [(name: String, value: String)], data: () throws -> [String: JSONValue]
    )

    /// Tries each revision newest first, moving on only when the path does not exist.
    func postJSONAnyRevision(step: LoginStep, request: (ProtocolRevision) -> RevisionedRequest) throws -> JSONValue {
        for revision in ProtocolRevision.allCases {
            let (url, headers, data) = request(revision)
            do {
                return try postJSON(step: step, url: url, headers: headers, revisioned: true, data: data)
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
        let reply = try sender.send(step) { request }
        let json = try Self.json(from: reply, step: step)
        if let error = Self.serverError(in: json) {
            throw failure(step: step, serverError: error, status: reply.status)
        }
        try Self.checkStatus(reply, step: step)
        return json
    }

    /// Reads a login-service reply: HTTP 200 may still carry `success: false`.
    func loginData(from reply: HTTPResponse, step: LoginStep) throws -> JSONValue {
        let json = try Self.json(from: reply, step: step)
        if let error = Self.serverError(in: json) {
            throw failure(step: step, serverError: error, status: reply.status)
        }
        try Self.checkStatus(reply, step: step)
        guard json["data"].object != nil else {
            throw UpstoxError.badReply(step: step, reason: "the reply has no data object")
        }
        return json["data"]
    }

    /// Parses the body as JSON, or names what came instead.
    static func json(from reply: HTTPResponse, step: LoginStep) throws -> JSONValue {
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
        // The cause may be a proxy, an outage or a changed service; --debug shows each status.
        let fix = "Upstox may be down or a proxy in the way; try again later, or run with --debug to see each reply's status"
        throw UpstoxError.badReply(step: step, reason: reason + "; " + fix)
    }

    static func checkStatus(_ reply: HTTPResponse, step: LoginStep) throws {
        guard (200..<300).contains(reply.status) else {
            throw UpstoxError.badReply(step: step, reason: "HTTP \(reply.status)")
        }
    }

    /// Builds the error for a reply that carries a server error code, with the local time to
    /// try again for the codes that block for a while.
    func failure(step: LoginStep, serverError: (code: String, message: String), status: Int) -> UpstoxError {
        UpstoxError.failure(step: step, serverError: serverError, status: status, now: sender.clock.now(), timeZone: timeZone)
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
