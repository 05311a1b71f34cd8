// upx-login: the headless Upstox login; the work is in UpxCore's LoginCommand.

import Glibc
import UpxCore

// Before anything else can change them, for the command that --exec starts.
InheritedSignals.record()
Hardening.apply()
let status = ToolRunner.run(
    LoginCommand.info, arguments: Array(CommandLine.arguments.dropFirst()), context: .live(), body: LoginCommand.run)
exit(status)
