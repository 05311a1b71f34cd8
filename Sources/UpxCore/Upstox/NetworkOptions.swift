// upx-login's timeouts per request and its number of retries, from options or the environment.

/// Timeouts and retries of upx-login's requests: each option, else its environment variable, else the default.
public struct NetworkOptions: Equatable, Sendable {
    public var timeouts: HTTPTimeouts
    /// The maximum number of retries of one request, 0 to `RetryPolicy.maximumRetries`.
    public var retries: Int

    /// The maximum timeout accepted, in seconds.
    public static let maximumTimeoutSeconds: Int64 = 3600

    /// The options, each with its environment variable.
    public static let connectTimeout = (option: "connect-timeout", variable: "UPX_CONNECT_TIMEOUT")
    public static let timeout = (option: "timeout", variable: "UPX_TIMEOUT")
    public static let retryCount = (option: "retries", variable: "UPX_RETRIES")

    public init(timeouts: HTTPTimeouts = HTTPTimeouts(), retries: Int = RetryPolicy.defaultRetries) {
        self.timeouts = timeouts
        self.retries = retries
    }

    /// Reads --connect-timeout, --timeout and --retries, else UPX_CONNECT_TIMEOUT, UPX_TIMEOUT
    /// and UPX_RETRIES. An empty variable counts as unset. An invalid value is a usage error
    /// naming the option or variable it came from.
    public static func parse(_ arguments: ParsedArguments, environment: [String: String]) throws(UsageError) -> NetworkOptions {
        var options = NetworkOptions()
        if let (text, name) = setting(connectTimeout, arguments, environment) {
            options.timeouts.connect = try timeoutSeconds(text, name: name)
        }
        if let (text, name) = setting(timeout, arguments, environment) {
            options.timeouts.total = try timeoutSeconds(text, name: name)
        }
        if let (text, name) = setting(retryCount, arguments, environment) {
            guard text.count <= 3, text.allSatisfy(\.isASCIIDigit), let count = Int(text),
                  count <= RetryPolicy.maximumRetries else {
                throw .invalidValue(
                    option: name, value: text, reason: "expected a number of retries from 0 to \(RetryPolicy.maximumRetries)")
            }
            options.retries = count
        }
        return options
    }

    /// Returns the retry policy these options set. Each retry is noted on stderr unless `quiet`.
    func retryPolicy(_ context: Context, quiet: Bool) -> RetryPolicy {
        let streams = context.streams
        return RetryPolicy(
            retries: retries, sleep: context.sleep, note: quiet ? nil : { streams.err("upx-login: \($0)\n") })
    }

    /// One line for --debug.
    var summary: String {
        "timeouts per request: connect \(timeouts.connect) s, total \(timeouts.total) s; up to \(retries) retries"
    }

    /// Returns the value of an option, else of its variable, with the name to show in errors.
    private static func setting(
        _ names: (option: String, variable: String), _ arguments: ParsedArguments, _ environment: [String: String]
    ) -> (text: String, name: String)? {
        if let value = arguments.value(names.option) { return (value, "--" + names.option) }
        if let value = environment[names.variable], !value.isEmpty { return (value, names.variable) }
        return nil
    }

    private static func timeoutSeconds(_ text: String, name: String) throws(UsageError) -> Int {
        let seconds = try DurationText.parse(text, option: name)
        guard seconds >= 1, seconds <= maximumTimeoutSeconds else {
            throw .invalidValue(option: name, value: text, reason: "expected a duration from 1s to 1h")
        }
        return Int(seconds)
    }
}
