// The output of upx-totp: the code, the next code, the seconds left, a window of codes or the
// result of a verification, as text or as JSON.

import FoundationEssentials

/// The one thing a run of upx-totp reports.
enum OTPMode: Equatable {
    case code
    case next
    case remaining
    /// The codes `radius` steps either side of the current one.
    case window(radius: Int)
    /// Whether `code` is within `radius` steps either side of the current one.
    case verify(code: String, radius: Int)
    /// The code kept current until interrupted.
    case watch

    /// Reads --next, --remaining, --window, --verify and --watch, of which only --window and --verify combine.
    init(_ arguments: ParsedArguments) throws {
        let chosen = ["next", "remaining", "window", "verify", "watch"].filter { arguments.has($0) }
        if chosen.count > 1, Set(chosen) != ["window", "verify"] {
            throw UsageError.conflictingOptions("--" + chosen[0], "--" + chosen[1])
        }

        let radius = try OTPOptions.integer(arguments, "window", in: 0...1000)
        if let code = arguments.value("verify") {
            guard !code.isEmpty, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw UsageError.invalidValue(option: "--verify", value: code, reason: "expected the digits of a code")
            }
            self = .verify(code: code, radius: radius ?? 1)
        } else if let radius {
            self = .window(radius: radius)
        } else if arguments.has("watch") {
            self = .watch
        } else if arguments.has("next") {
            self = .next
        } else if arguments.has("remaining") {
            self = .remaining
        } else {
            self = .code
        }
    }
}

/// An HOTP generator at one counter value, which is the time step for TOTP.
struct OTPPosition {
    let hotp: HOTP
    let counter: UInt64
    /// Whole seconds left in the time step; nil for HOTP.
    let remaining: Int?

    /// Returns the code `offset` steps from the current one, or nil when that counter would leave UInt64's range.
    func code(key: Secret, offset: Int) throws(OTPError) -> String? {
        let (shifted, overflow) = offset < 0
            ? counter.subtractingReportingOverflow(UInt64(-offset))
            : counter.addingReportingOverflow(UInt64(offset))
        return overflow ? nil : try hotp.code(key: key, counter: shifted)
    }
}

/// Computes and prints the result of a mode.
struct OTPReport {
    let position: OTPPosition
    let key: Secret
    let json: Bool
    let streams: Streams

    /// Prints the mode's result on stdout and returns the exit status: 1 for a code that does not verify.
    func print(_ mode: OTPMode) throws -> ExitCode {
        switch mode {
        case .code:
            try printCode()
        case .next:
            let code = try position.code(key: key, offset: 1) ?? ""
            var fields: [String: JSONValue] = ["code": .string(code), "counter": counterValue(offset: 1)]
            if let remaining = position.remaining { fields["starts_in"] = .number(Double(remaining)) }
            emit(text: code, fields: fields)
        case .remaining:
            guard let remaining = position.remaining else { throw UsageError.conflictingOptions("--counter", "--remaining") }
            emit(text: String(remaining), fields: ["remaining": .number(Double(remaining)), "counter": counterValue(offset: 0)])
        case .window(let radius):
            try printWindow(radius: radius)
        case .verify(let code, let radius):
            return try verify(code, radius: radius)
        case .watch:
            // TOTPCommand runs the watch itself, because it needs the clock.
            break
        }
        return .success
    }

    private func printCode() throws {
        let code = try position.code(key: key, offset: 0) ?? ""
        var fields: [String: JSONValue] = ["code": .string(code), "counter": counterValue(offset: 0)]
        if let remaining = position.remaining {
            fields["remaining"] = .number(Double(remaining))
            if !json, streams.errorIsTerminal {
                streams.err("valid for \(remaining) more second\(remaining == 1 ? "" : "s")\n")
            }
        }
        emit(text: code, fields: fields)
    }

    private func printWindow(radius: Int) throws {
        var lines: [String] = []
        var entries: [JSONValue] = []
        for offset in -radius...radius {
            guard let code = try position.code(key: key, offset: offset) else { continue }
            lines.append("\(signed(offset)) \(code)")
            entries.append(.object(["offset": .number(Double(offset)), "counter": counterValue(offset: offset), "code": .string(code)]))
        }
        if json {
            streams.out(JSONValue.object(["codes": .array(entries)]).serialized() + "\n")
        } else {
            streams.out(lines.map { $0 + "\n" }.joined())
        }
    }

    private func verify(_ candidate: String, radius: Int) throws -> ExitCode {
        guard candidate.count == position.hotp.digits else {
            throw UsageError.invalidValue(
                option: "--verify", value: candidate, reason: "expected \(position.hotp.digits) digits, as --digits sets")
        }
        // The current step is tried first, then ever farther ones, so the smallest offset wins.
        var offsets = [0]
        for distance in stride(from: 1, through: radius, by: 1) {
            offsets += [-distance, distance]
        }
        for offset in offsets where try position.code(key: key, offset: offset) == candidate {
            emit(text: signed(offset), fields: ["match": .bool(true), "offset": .number(Double(offset))])
            return .success
        }

        if json {
            streams.out(JSONValue.object(["match": .bool(false)]).serialized() + "\n")
        }
        let steps = radius == 1 ? "step" : "steps"
        streams.err("upx-totp: the code does not match any within \(radius) \(steps) of the current one\n")
        return .negative
    }

    private func emit(text: String, fields: [String: JSONValue]) {
        streams.out((json ? JSONValue.object(fields).serialized() : text) + "\n")
    }

    private func counterValue(offset: Int) -> JSONValue {
        let counter = offset < 0 ? position.counter &- UInt64(-offset) : position.counter &+ UInt64(offset)
        return .unsignedInteger(counter)
    }

    private func signed(_ offset: Int) -> String {
        offset < 0 ? String(offset) : "+\(offset)"
    }
}
