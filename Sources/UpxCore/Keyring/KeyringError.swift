// Failures of the kernel keyring, each with the remedy a user can apply.

import Glibc

/// A kernel keyring call that failed, with the errno it returned.
public struct KeyringError: ToolError, Equatable {
    /// The libkeyutils call that failed, as a user would look it up in keyctl(1).
    public let operation: String
    public let keyName: String
    public let errorNumber: Int32
    public let keyring: KeyringKind

    public init(operation: String, keyName: String, errorNumber: Int32, keyring: KeyringKind = .user) {
        self.operation = operation
        self.keyName = keyName
        self.errorNumber = errorNumber
        self.keyring = keyring
    }

    public var exitCode: ExitCode { .keyring }

    public var message: String {
        let reason = String(cString: strerror(errorNumber))
        return "cannot \(operation) key \(keyName) in the \(keyring.displayName): \(reason) (\(remedy))"
    }

    /// The remedy for this errno, from the usual causes of keyring failures.
    public var remedy: String {
        switch errorNumber {
        case EACCES:
            "the key is not possessed and grants its owner no read, as when another tool added it; "
                + "remove it with 'upx-login --purge' and log in again"
        case ENOKEY where keyring == .session:
            "this process has no session keyring, so a key stored there would vanish with upx-login; "
                + "use --keyring user, or start a session with 'keyctl session'"
        case ENOKEY:
            "no such key; log in with upx-login"
        case EKEYEXPIRED:
            "the key has expired; log in with upx-login"
        case EKEYREVOKED:
            "the session keyring was revoked, as in tmux after an ssh logout; run 'keyctl new_session', "
                + "start a new login shell, or use --keyring user"
        case EPERM, ENOSYS:
            "keyring system calls are blocked, as by a container's seccomp profile; run outside the container, "
                + "allow add_key and keyctl, or use --no-keyring"
        case EOPNOTSUPP:
            "this kernel has no persistent keyrings (CONFIG_PERSISTENT_KEYRINGS); use the user keyring instead"
        case EDQUOT:
            "the key quota is exhausted (ordinary users: 200 keys, 20000 bytes); "
                + "list keys with 'keyctl show @u' and remove stale ones with 'keyctl unlink'"
        default:
            "see keyrings(7)"
        }
    }
}
