// GNU-style option parsing shared by the four tools.

/// One option a tool accepts.
public struct OptionSpec: Sendable {
    public let long: String
    public let short: Character?
    /// Placeholder shown in help for an option that takes a value; nil for a flag.
    public let valueName: String?
    public let help: String

    public init(_ long: String, short: Character? = nil, value valueName: String? = nil, help: String) {
        self.long = long
        self.short = short
        self.valueName = valueName
        self.help = help
    }

    public var takesValue: Bool { valueName != nil }
}

/// Options and operands found on a command line, keyed by long option name.
public struct ParsedArguments: Sendable, Equatable {
    /// How many times each flag was given.
    public var flagCounts: [String: Int] = [:]
    /// Every value given to each option, in order.
    public var values: [String: [String]] = [:]
    public var operands: [String] = []

    public init() {}

    public func has(_ long: String) -> Bool {
        flagCounts[long, default: 0] > 0 || values[long] != nil
    }

    /// Returns the last value given to an option, as GNU tools let a later option override an earlier one.
    public func value(_ long: String) -> String? {
        values[long]?.last
    }
}

/// Parses `--name value`, `--name=value`, bundled short flags (`-abc`, `-ovalue`),
/// `--` as the end of options, and `-` as an operand.
public struct ArgumentParser: Sendable {
    public let options: [OptionSpec]
    /// Stops at the first operand, leaving the rest as operands (for `exec -- CMD`-like use).
    public let stopAtFirstOperand: Bool

    public init(options: [OptionSpec], stopAtFirstOperand: Bool = false) {
        self.options = options
        self.stopAtFirstOperand = stopAtFirstOperand
    }

    public func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
        var result = ParsedArguments()
        var index = 0

        while index < arguments.count {
            let argument = arguments[index]
            index += 1

            if argument == "--" {
                result.operands.append(contentsOf: arguments[index...])
                break
            }
            if argument.hasPrefix("--") {
                try parseLong(argument, arguments, &index, into: &result)
            } else if argument.hasPrefix("-") && argument != "-" {
                try parseShortBundle(argument, arguments, &index, into: &result)
            } else {
                result.operands.append(argument)
                if stopAtFirstOperand {
                    result.operands.append(contentsOf: arguments[index...])
                    break
                }
            }
        }
        return result
    }

    private func parseLong(
        _ argument: String, _ arguments: [String], _ index: inout Int, into result: inout ParsedArguments
    ) throws(UsageError) {
        let body = argument.dropFirst(2)
        let name: String
        var inlineValue: String?
        if let equals = body.firstIndex(of: "=") {
            name = String(body[..<equals])
            inlineValue = String(body[body.index(after: equals)...])
        } else {
            name = String(body)
        }

        guard let spec = options.first(where: { $0.long == name }) else {
            throw .unknownOption("--\(name)")
        }
        guard spec.takesValue else {
            if inlineValue != nil { throw .unexpectedValue(option: "--\(name)") }
            result.flagCounts[name, default: 0] += 1
            return
        }
        if inlineValue == nil {
            guard index < arguments.count else { throw .missingValue(option: "--\(name)") }
            inlineValue = arguments[index]
            index += 1
        }
        result.values[name, default: []].append(inlineValue!)
    }

    private func parseShortBundle(
        _ argument: String, _ arguments: [String], _ index: inout Int, into result: inout ParsedArguments
    ) throws(UsageError) {
        var letters = argument.dropFirst()
        while let letter = letters.first {
            letters = letters.dropFirst()
            guard let spec = options.first(where: { $0.short == letter }) else {
                throw .unknownOption("-\(letter)")
            }
            guard spec.takesValue else {
                result.flagCounts[spec.long, default: 0] += 1
                continue
            }
            // The rest of the bundle is the value (`-d8`); else the next argument is (`-d 8`).
            if !letters.isEmpty {
                result.values[spec.long, default: []].append(String(letters))
                return
            }
            guard index < arguments.count else { throw .missingValue(option: "-\(letter)") }
            result.values[spec.long, default: []].append(arguments[index])
            index += 1
            return
        }
    }
}
