// Sending the request of one step: the pause between requests, the retries that the policy
// allows, and one --debug line per attempt.

import FoundationEssentials
import Glibc

/// Sends each request of a login or an API call over one transport, retrying as `policy` allows.
final class RequestSender {
    let transport: any HTTPTransport
    let policy: RetryPolicy
    let clock: any WallClock
    let log: (String) -> Void
    /// The wait before each request after the first, as the Python client's UPSTOX_SLEEP_TIME sets.
    let pauseMilliseconds: Int
    private var requestCount = 0

    init(
        transport: any HTTPTransport, policy: RetryPolicy, clock: any WallClock, pauseMilliseconds: Int = 0,
        log: @escaping (String) -> Void
    ) {
        self.transport = transport
        self.policy = policy
        self.clock = clock
        self.pauseMilliseconds = pauseMilliseconds
        self.log = log
    }

    /// Sends the request that `makeRequest` builds, and builds and sends it again while the
    /// retry policy allows, so that each attempt can carry fresh values such as a TOTP code.
    ///
    /// Returns the last reply. Throws `UpstoxError.tooManyRequests` when the last reply was
    /// a rate limit, and `.network` or `.timedOut` when the last attempt got no reply.
    func send(_ step: LoginStep, _ makeRequest: () throws -> HTTPRequest) throws -> HTTPResponse {
        var retry = 1
        while true {
            let outcome = sendOnce(step, try makeRequest())
            let reason: RetryReason?
            switch outcome {
            case .success(let reply): reason = RetryReason(reply, now: clock.now())
            case .failure(let error): reason = RetryReason(error)
            }

            guard let reason, let wait = policy.wait(beforeRetry: retry, of: step, after: reason) else {
                return try finish(step, outcome, reason: reason, attempts: retry)
            }
            announce(step, reason, wait: wait, retry: retry)
            policy.sleep(wait)
            retry += 1
        }
    }

    private func sendOnce(_ step: LoginStep, _ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
        if requestCount > 0, pauseMilliseconds > 0 { usleep(UInt32(pauseMilliseconds) * 1000) }
        requestCount += 1
        let stopwatch = Stopwatch()
        let path = URLParts(request.url)?.pathAndQuery.split(separator: "?").first.map(String.init) ?? ""
        do {
            let reply = try transport.send(request)
            log("\(step.label): \(request.method) \(path) -> HTTP \(reply.status) in \(stopwatch.elapsedMilliseconds) ms")
            return .success(reply)
        } catch let error as TransportError {
            log("\(step.label): \(request.method) \(path) failed in \(stopwatch.elapsedMilliseconds) ms: \(error.reason)")
            return .failure(error)
        } catch {
            // HTTPTransport implementations throw only TransportError.
            return .failure(TransportError(url: request.url, code: 0, reason: "\(error)"))
        }
    }

    private func announce(_ step: LoginStep, _ reason: RetryReason, wait: Double, retry: Int) {
        let seconds = formatSeconds(wait)
        let source = reason.retryAfter == nil ? "backoff" : "Retry-After"
        let kind = reason.kind == .rateLimited ? "rate limit" : "transient failure"
        log("\(step.label): \(kind) (\(reason.summary)); retry \(retry) of \(policy.retries) in \(seconds) s (\(source))")
        policy.note?("\(step.label): \(reason.summary), retrying in \(seconds) s (\(retry) of \(policy.retries))")
    }

    private func finish(
        _ step: LoginStep, _ outcome: Result<HTTPResponse, TransportError>, reason: RetryReason?, attempts: Int
    ) throws -> HTTPResponse {
        if let reason, reason.kind == .rateLimited {
            let retryAfter = reason.retryAfter.map { Int($0.rounded(.up)) }
            throw UpstoxError.tooManyRequests(
                step: step, httpStatus: reason.httpStatus, retryAfterSeconds: retryAfter, attempts: attempts)
        }
        switch outcome {
        case .success(let reply):
            return reply
        case .failure(let error):
            if let limit = error.exceededTimeout { throw UpstoxError.timedOut(step: step, limit: limit) }
            throw UpstoxError.network(step: step, reason: error.reason)
        }
    }
}

/// Formats seconds with one decimal, as in `1.4`.
func formatSeconds(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
