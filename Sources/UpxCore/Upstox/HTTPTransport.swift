// The HTTP interface of the login flow: one request, one reply, no automatic redirects.

/// One HTTP request.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Whether the transport's cookie jar takes part; the token exchange sends none.
    public var usesCookies: Bool

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil, usesCookies: Bool = true
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.usesCookies = usesCookies
    }
}

/// One HTTP reply; header names are lowercased.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var isRedirect: Bool { [301, 302, 303, 307, 308].contains(status) }
}

/// Sends requests with one cookie jar for its whole life.
public protocol HTTPTransport: AnyObject {
    /// Sends a request and returns the reply, of any status; throws only when no reply came.
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}

/// Timeouts for one request, in seconds.
public struct HTTPTimeouts: Sendable, Equatable {
    /// The maximum time to open the connection, TLS handshake included.
    public var connect: Int
    /// The maximum time for the whole request, connecting included.
    public var total: Int

    public init(connect: Int = 10, total: Int = 30) {
        self.connect = connect
        self.total = total
    }
}

/// The timeout that ended a request without a reply, with its limit in seconds.
public enum ExceededTimeout: Sendable, Equatable {
    /// The connection was not open in time.
    case connect(seconds: Int)
    /// The connection was open, but the whole reply did not arrive in time.
    case total(seconds: Int)
}
