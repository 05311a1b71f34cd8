// HTTP over libcurl: TLS 1.2 or newer with verification always on, one in-memory cookie jar.

import CCurl
import Glibc

/// The HTTP transport of real runs.
public final class CurlTransport: HTTPTransport {
    /// libcurl's functions, or nil when the library could not be loaded.
    private let curl: UnsafePointer<upx_curl_api>?
    /// The handle whose cookie jar the login steps share, made on first use.
    private var cookieHandle: UnsafeMutableRawPointer?
    public var timeouts: HTTPTimeouts

    public init(timeouts: HTTPTimeouts = HTTPTimeouts()) {
        curl = upx_curl()
        self.timeouts = timeouts
    }

    deinit {
        if let curl, let cookieHandle { curl.pointee.easy_cleanup(cookieHandle) }
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let curl else {
            throw TransportError(url: request.url, code: 0, reason: "libcurl.so.4 could not be loaded (install the Debian package libcurl4)")
        }
        guard let handle = try handle(for: request, curl) else {
            throw TransportError(url: request.url, code: 0, reason: "curl_easy_init failed")
        }
        defer {
            if !request.usesCookies { curl.pointee.easy_cleanup(handle) }
        }
        return try perform(request, on: handle, curl)
    }

    /// Returns the shared cookie handle, reset, for a request with cookies, else a new handle.
    private func handle(for request: HTTPRequest, _ curl: UnsafePointer<upx_curl_api>) throws -> UnsafeMutableRawPointer? {
        guard request.usesCookies else { return curl.pointee.easy_init() }
        if let cookieHandle {
            curl.pointee.easy_reset(cookieHandle)
        } else {
            cookieHandle = curl.pointee.easy_init()
        }
        // An empty cookie file name turns on the in-memory cookie engine without reading a
        // file. curl_easy_reset keeps the cookies already received but turns the engine off.
        if let cookieHandle { _ = upx_curl_setopt_string(cookieHandle, CURLOPT_COOKIEFILE, "") }
        return cookieHandle
    }

    private func perform(
        _ request: HTTPRequest, on handle: UnsafeMutableRawPointer, _ curl: UnsafePointer<upx_curl_api>
    ) throws -> HTTPResponse {
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl.pointee.slist_free_all(headerList) }

        for header in request.headers {
            headerList = curl.pointee.slist_append(headerList, "\(header.name): \(header.value)")
        }
        // curl adds "Expect: 100-continue" to larger bodies, which costs a round trip.
        headerList = curl.pointee.slist_append(headerList, "Expect:")

        var setup: [CURLcode] = [
            upx_curl_setopt_string(handle, CURLOPT_URL, request.url),
            upx_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            upx_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
            // A new connection for every request: libcurl silently resends a request whose
            // reused connection died, and a resent PIN costs one of the five attempts.
            upx_curl_setopt_long(handle, CURLOPT_FRESH_CONNECT, 1),
            upx_curl_setopt_long(handle, CURLOPT_FORBID_REUSE, 1),
            upx_curl_setopt_long(handle, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)),
            upx_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1),
            upx_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2),
            upx_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            upx_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, timeouts.connect),
            upx_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeouts.total),
            upx_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)),
            upx_curl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback),
            upx_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer),
            upx_curl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback),
            upx_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer),
            upx_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method),
        ]
        if let body = request.body {
            setup.append(upx_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count))
            setup.append(body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies the body, so it need not outlive this call.
                upx_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            })
        } else if request.method == "GET" {
            setup.append(upx_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        }
        if let failed = setup.first(where: { $0 != CURLE_OK }) {
            throw TransportError(url: request.url, code: failed.rawValue, reason: curlReason(failed))
        }

        let result = curl.pointee.easy_perform(handle)
        guard result == CURLE_OK else {
            throw TransportError(
                url: request.url, code: result.rawValue, reason: curlReason(result),
                exceededTimeout: result == CURLE_OPERATION_TIMEDOUT ? exceededTimeout(handle, request) : nil)
        }
        var status = 0
        _ = upx_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    /// Tells which limit ended a timed-out request: libcurl's connect timeout covers the TCP
    /// connection and, for https, the TLS handshake, whose times stay 0 until they finish.
    private func exceededTimeout(_ handle: UnsafeMutableRawPointer, _ request: HTTPRequest) -> ExceededTimeout {
        let phase = request.url.lowercased().hasPrefix("https:") ? CURLINFO_APPCONNECT_TIME_T : CURLINFO_CONNECT_TIME_T
        var microseconds: curl_off_t = 0
        let known = upx_curl_getinfo_off_t(handle, phase, &microseconds) == CURLE_OK
        if known && microseconds == 0 && timeouts.connect <= timeouts.total {
            return .connect(seconds: timeouts.connect)
        }
        return .total(seconds: timeouts.total)
    }

    private func curlReason(_ code: CURLcode) -> String {
        guard let text = curl?.pointee.easy_strerror(code) else { return "libcurl error \(code.rawValue)" }
        return String(cString: text)
    }
}

/// A request that got no reply: refused, reset, timed out, or rejected by TLS.
public struct TransportError: Error, Sendable {
    public let url: String
    /// The libcurl error code (CURLcode).
    public let code: UInt32
    public let reason: String
    /// The limit that ran out, when the request timed out.
    public let exceededTimeout: ExceededTimeout?

    public init(url: String, code: UInt32, reason: String, exceededTimeout: ExceededTimeout? = nil) {
        self.url = url
        self.code = code
        self.reason = reason
        self.exceededTimeout = exceededTimeout
    }

    public var timedOut: Bool { code == CURLE_OPERATION_TIMEDOUT.rawValue }

    /// Whether the same request may work a moment later: the name did not resolve, the
    /// connection was refused, reset or cut, or a timeout ran out. A TLS certificate that
    /// fails verification, a malformed URL or a missing libcurl will not change.
    public var isTransient: Bool {
        Self.transientCodes.contains(code)
    }

    private static let transientCodes: Set<UInt32> = [
        CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_HTTP2, CURLE_PARTIAL_FILE,
        CURLE_OPERATION_TIMEDOUT, CURLE_SSL_CONNECT_ERROR, CURLE_GOT_NOTHING, CURLE_SEND_ERROR,
        CURLE_RECV_ERROR, CURLE_HTTP2_STREAM,
    ].reduce(into: []) { $0.insert($1.rawValue) }
}

/// Collects a reply's body and headers from libcurl's callbacks.
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
}

private let bodyCallback: upx_curl_write_callback = { data, size, count, context in
    let length = size * count
    guard let data, let context else { return length }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private let headerCallback: upx_curl_write_callback = { data, size, count, context in
    let length = size * count
    guard let data, let context else { return length }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    // A new status line (after a redirect or 100 Continue) starts a new header set.
    if line.hasPrefix("HTTP/") {
        sink.headers = [:]
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
        sink.headers[name] = value
    }
    return length
}
