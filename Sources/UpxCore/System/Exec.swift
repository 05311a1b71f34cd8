// Replacing this process with another program, as env(1) and the shell's exec do.

import CSystem
import Glibc

/// Replaces the process with a command, so that the command's exit status and signals are its own.
public enum Exec {
    /// Runs `command` in place of this process with exactly `environment`, and returns only by
    /// throwing when the program cannot be started.
    ///
    /// The program is found in PATH as execvp(3) finds it, using this process's PATH.
    /// Before the exec the signal mask is emptied and each signal gets its default action,
    /// except the signals ignored when this process started (see `InheritedSignals`).
    /// Descriptors stay open unless they are close-on-exec, as all of upx's own are.
    public static func replaceProcess(with command: [String], environment: [String: String]) throws(ExecError) -> Never {
        let program = command.first ?? ""
        let argumentStrings = command.map { strdup($0) }
        let environmentStrings = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        var argumentVector = argumentStrings + [nil]
        var environmentVector = environmentStrings + [nil]

        InheritedSignals.restore()
        upx_execvpe(program, &argumentVector, &environmentVector)

        let errorNumber = errno
        (argumentStrings + environmentStrings).forEach { free($0) }
        throw ExecError(program: program, errorNumber: errorNumber)
    }
}

/// A command that `upx-login --exec` could not start: exit 127 when it was not found, else
/// 126, as env(1) reports.
public struct ExecError: ToolError, Equatable {
    public let program: String
    public let errorNumber: Int32

    public var exitCode: ExitCode {
        errorNumber == ENOENT ? .commandNotFound : .commandNotExecutable
    }

    public var message: String {
        let reason = String(cString: strerror(errorNumber))
        switch errorNumber {
        case ENOENT where !program.contains("/"):
            return "cannot run '\(program)': command not found in PATH; check its name or give its path"
        case ENOENT:
            return "cannot run '\(program)': \(reason); check the path"
        case EACCES:
            return "cannot run '\(program)': \(reason); it must be a file with execute permission (chmod +x)"
        default:
            return "cannot run '\(program)': \(reason)"
        }
    }
}
