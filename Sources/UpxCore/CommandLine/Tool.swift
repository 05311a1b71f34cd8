// Each tool's declaration of itself, and the runner that turns it into help, version and exit codes.

import Glibc

/// The version all four tools print.
public let upxVersion = "0.1.0"

/// A tool's name, usage lines, options and the extra help after the option list.
public struct ToolInfo: Sendable {
    public let name: String
    public let summary: String
    public let usage: [String]
    public let options: [OptionSpec]
    public let details: String
    public let stopAtFirstOperand: Bool

    public init(
        name: String, summary: String, usage: [String], options: [OptionSpec],
        details: String = "", stopAtFirstOperand: Bool = false
    ) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.options = options + ToolInfo.commonOptions
        self.details = details
        self.stopAtFirstOperand = stopAtFirstOperand
    }

    static let commonOptions = [
        OptionSpec("help", short: "h", help: "print this help and exit"),
        OptionSpec("version", help: "print the version and exit"),
    ]

    /// The full --help text.
    public var helpText: String {
        var lines = usage.enumerated().map { index, line in
            (index == 0 ? "Usage: " : "   or: ") + "\(name) \(line)"
        }
        lines += ["", summary, "", "Options:"]

        let labels = options.map { option in
            var label = option.short.map { "-\($0), " } ?? "    "
            label += "--\(option.long)"
            if let valueName = option.valueName { label += " \(valueName)" }
            return label
        }
        let width = min(labels.map(\.count).max() ?? 0, 30)
        for (label, option) in zip(labels, options) {
            let padding = String(repeating: " ", count: max(width - label.count, 0) + 2)
            lines.append("  \(label)\(padding)\(option.help)")
        }
        if !details.isEmpty { lines += ["", details] }
        lines += ["", ExitCode.helpTable]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Runs a tool body with parsed arguments and reports its errors the same way for every tool.
public enum ToolRunner {
    /// Parses `arguments`, handles --help and --version, runs `body`, and returns the exit status.
    public static func run(
        _ info: ToolInfo, arguments: [String], context: Context,
        body: (ParsedArguments, Context) throws -> ExitCode
    ) -> Int32 {
        let status = runReportingErrors(info, arguments: arguments, context: context, body: body)

        // A result that never reached stdout (a full disk, a closed pipe) must not look like success.
        if status == ExitCode.success.rawValue, let errorNumber = context.streams.outputError() {
            context.streams.err("\(info.name): cannot write to standard output: \(String(cString: strerror(errorNumber)))\n")
            return ExitCode.badInput.rawValue
        }
        return status
    }

    private static func runReportingErrors(
        _ info: ToolInfo, arguments: [String], context: Context,
        body: (ParsedArguments, Context) throws -> ExitCode
    ) -> Int32 {
        let parser = ArgumentParser(options: info.options, stopAtFirstOperand: info.stopAtFirstOperand)
        do {
            let parsed = try parser.parse(arguments)
            if parsed.has("help") {
                context.streams.out(info.helpText)
                return ExitCode.success.rawValue
            }
            if parsed.has("version") {
                context.streams.out("\(info.name) \(upxVersion)\n")
                return ExitCode.success.rawValue
            }
            return try body(parsed, context).rawValue
        } catch let error as UsageError {
            context.streams.err("\(info.name): \(error.message) (see '\(info.name) --help')\n")
            return error.exitCode.rawValue
        } catch let error as any ToolError {
            context.streams.err("\(info.name): \(error.message)\n")
            return error.exitCode.rawValue
        } catch {
            // Only the areas' own error types should reach here; anything else is a bug worth showing.
            context.streams.err("\(info.name): internal error: \(error)\n")
            return ExitCode.badInput.rawValue
        }
    }
}
