// When a request to Upstox is sent again: after a rate limit on every step but the PIN, and
// after a transient failure only on the steps that judge no credential.

import FoundationEssentials
import Glibc

/// Why a request may deserve another attempt: a rate limit or a transient failure.
struct RetryReason: Equatable {
    enum Kind: Equatable {
        /// HTTP 429 or error code UDAPI10005: the server did not judge the request.
        case rateLimited
        /// No reply (refused, reset, timed out) or a 5xx reply.
        case transient
    }

    let kind: Kind
    /// The wait that the reply's Retry-After header requests, in seconds.
    let retryAfter: Double?
    /// A short description for notes and logs: `HTTP 429`, `HTTP 503`, `no reply within 30 s`.
    let summary: String
    /// The reply's HTTP status; 0 when no reply came.
    let httpStatus: Int

    /// Returns the reason to send a request again after `reply`, or nil for a final reply.
    init?(_ reply: HTTPResponse, now: Date) {
        let retryAfter = reply.headers["retry-after"].flatMap { RetryAfter.seconds($0, now: now) }
        let code = JSONValue.parse(reply.body).flatMap(LoginClient.serverError(in:))?.code
        if reply.status == 429 || code == ErrorCodes.tooManyRequests {
            let summary = reply.status == 429 ? "HTTP 429" : "\(ErrorCodes.tooManyRequests) (HTTP \(reply.status))"
            self.init(kind: .rateLimited, retryAfter: retryAfter, summary: summary, httpStatus: reply.status)
        } else if (500..<600).contains(reply.status) {
            self.init(kind: .transient, retryAfter: retryAfter, summary: "HTTP \(reply.status)", httpStatus: reply.status)
        } else {
            return nil
        }
    }

    /// Returns the reason to send a request again after it got no reply, or nil when the
    /// failure will not go away by itself.
    init?(_ error: TransportError) {
        guard error.isTransient else { return nil }
        let summary: String
        switch error.exceededTimeout {
        case .connect(let seconds): summary = "no connection within \(seconds) s"
        case .total(let seconds): summary = "no reply within \(seconds) s"
        case nil: summary = error.reason
        }
        self.init(kind: .transient, retryAfter: nil, summary: summary, httpStatus: 0)
    }

    init(kind: Kind, retryAfter: Double?, summary: String, httpStatus: Int) {
        self.kind = kind
        self.retryAfter = retryAfter
        self.summary = summary
        self.httpStatus = httpStatus
    }
}

/// How often and how long a request is retried, and the injected sleep, so tests need not wait.
public struct RetryPolicy {
    public static let defaultRetries = 2
    public static let maximumRetries = 10
    /// The maximum single wait, in seconds. A longer Retry-After ends the run at once.
    public static let maximumWait: Double = 60
    /// The backoff ceiling of the first retry, in seconds, doubled for each further retry.
    public static let baseDelay: Double = 1

    /// The maximum number of retries of one request. 0 turns retries off.
    public var retries: Int
    /// Waits the given number of seconds.
    public var sleep: (Double) -> Void
    /// Returns a number from 0 up to 1 for the jitter.
    public var random: () -> Double
    /// Receives one short line for each retry, for stderr. With nil, retries are not reported.
    public var note: ((String) -> Void)?

    public init(
        retries: Int = defaultRetries, sleep: @escaping (Double) -> Void = sleepSeconds,
        random: @escaping () -> Double = { Double.random(in: 0..<1) }, note: ((String) -> Void)? = nil
    ) {
        self.retries = retries
        self.sleep = sleep
        self.random = random
        self.note = note
    }

    /// Returns whether a failure of this kind may be retried on `step`.
    ///
    /// The PIN request is never retried, whatever the reply, because each PIN that Upstox
    /// judges counts toward the lock after five wrong ones. Only a 404 or 405, which means
    /// that the path does not exist, sends it once more to the older revision's path
    /// (`LoginClient.postJSONAnyRevision`). A transient failure is
    /// retried only where no credential is judged: OTP generation counts toward Upstox's
    /// OTP block, TOTP verification judges the code, and the token exchange judges the
    /// client secret with an authorization code that works once.
    static func allows(_ kind: RetryReason.Kind, on step: LoginStep) -> Bool {
        switch kind {
        case .rateLimited: step != .pinVerify
        case .transient: [.authorizationDialog, .oauthApproval, .profile, .logout].contains(step)
        }
    }

    /// Returns the seconds to wait before retry number `retry` (from 1) of `step` after
    /// `reason`, or nil when the request must not be sent again.
    func wait(beforeRetry retry: Int, of step: LoginStep, after reason: RetryReason) -> Double? {
        guard Self.allows(reason.kind, on: step), retry <= retries else { return nil }
        if let retryAfter = reason.retryAfter {
            return retryAfter <= Self.maximumWait ? retryAfter : nil
        }
        return backoff(beforeRetry: retry)
    }

    /// Returns an exponential backoff with equal jitter: half the ceiling plus a random part
    /// of the other half, where the ceiling is 1 s before the first retry and doubles up to
    /// 60 s. Equal jitter keeps a minimum wait, which full jitter would let fall to zero.
    func backoff(beforeRetry retry: Int) -> Double {
        let ceiling = min(Self.baseDelay * pow(2, Double(max(retry - 1, 0))), Self.maximumWait)
        return ceiling / 2 + random() * ceiling / 2
    }
}

/// Sleeps the calling thread for `seconds`, going on after a signal interrupts the sleep.
public func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR {
        request = remaining
    }
}
