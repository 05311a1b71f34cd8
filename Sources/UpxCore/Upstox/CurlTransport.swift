// HTTP over libcurl: TLS 1.2 or newer with verification always on, one in-memory cookie jar.

import CCurl
import Glibc

/// The HTTP transport of real runs.
public final class CurlTransport: HTTPTransport {
    private let cookieHandle: UnsafeMutableRawPointer
    public var timeouts: HTTPTimeouts

    public init(timeouts: HTTPTimeouts = HTTPTimeouts()) {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        cookieHandle = curl_easy_init()!
        // An empty cookie file name turns on the in-memory cookie engine without reading any file.
        _ = upx_curl_setopt_string(cookieHandle, CURLOPT_COOKIEFILE, "")
        self.timeouts = timeouts
    }

    deinit {
        curl_easy_cleanup(cookieHandle)
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let handle: UnsafeMutableRawPointer
        if request.usesCookies {
            handle = cookieHandle
            curl_easy_reset(handle)
            // curl_easy_reset keeps the cookies already received but turns the engine off.
            _ = upx_curl_setopt_string(handle, CURLOPT_COOKIEFILE, "")
        } else {
            handle = curl_easy_init()!
        }
        defer {
            if !request.usesCookies { curl_easy_cleanup(handle) }
        }
        return try perform(request, on: handle)
    }

    private func perform(_ request: HTTPRequest, on handle: UnsafeMutableRawPointer) throws -> HTTPResponse {
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // curl adds "Expect: 100-continue" to larger bodies, which costs a round trip.
        headerList = curl_slist_append(headerList, "Expect:")

        var setup: [CURLcode] = [
            upx_curl_setopt_string(handle, CURLOPT_URL, request.url),
            upx_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            upx_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
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

        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else {
            throw TransportError(url: request.url, code: result.rawValue, reason: curlReason(result))
        }
        var status = 0
        _ = upx_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    private func curlReason(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}

/// A request that got no reply: refused, reset, timed out, or rejected by TLS.
public struct TransportError: Error, Sendable {
    public let url: String
    /// The libcurl error code (CURLcode).
    public let code: UInt32
    public let reason: String

    public var timedOut: Bool { code == CURLE_OPERATION_TIMEDOUT.rawValue }
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

extension StringProtocol {
    /// The string without the given Unicode scalars at either end; scalars, not Characters,
    /// because "\r\n" is one Character and would not match "\n".
    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, set.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, set.contains(last) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
