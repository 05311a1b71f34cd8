// Failures of the kernel keyring, each with the remedy a user can apply.

import Glibc

/// A kernel keyring call that failed, with the errno it returned.
public struct KeyringError: ToolError, Equatable {
    /// The libkeyutils call that failed, as a user would look it up in keyctl(1).
    public let operation: String
    public let keyName: String
    public let errorNumber: Int32

    public init(operation: String, keyName: String, errorNumber: Int32) {
        self.operation = operation
        self.keyName = keyName
        self.errorNumber = errorNumber
    }

    public var exitCode: ExitCode { .keyring }

    public var message: String {
        let reason = String(cString: strerror(errorNumber))
        return "cannot \(operation) key \(keyName) in the kernel keyring: \(reason) (\(remedy))"
    }

    /// The remedy for this errno, from the usual causes of keyring failures.
    public var remedy: String {
        switch errorNumber {
        case EACCES:
            "the key is not possessed and grants its owner no read; remove it with 'keyctl purge user \(keyName)' and log in again"
        case ENOKEY:
            "no such key; log in with upx-login"
        case EKEYEXPIRED:
            "the key has expired; log in with upx-login"
        case EKEYREVOKED:
            "the session keyring was revoked, as in tmux after an ssh logout; run 'keyctl new_session' or start a new login shell"
        case EPERM, ENOSYS:
            "keyring system calls are blocked, as by a container's seccomp profile; run outside the container or allow add_key and keyctl"
        case EOPNOTSUPP:
            "this kernel has no persistent keyrings (CONFIG_PERSISTENT_KEYRINGS); use the user keyring instead"
        case EDQUOT:
            "the key quota is exhausted (ordinary users: 200 keys, 20000 bytes); unlink stale keys with 'keyctl unlink'"
        default:
            "see keyrings(7)"
        }
    }
}
