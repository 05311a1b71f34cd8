// upx-login: the headless Upstox login; the work is in UpxCore's LoginCommand.

import Glibc
import UpxCore

Hardening.apply()
let status = ToolRunner.run(
    LoginCommand.info, arguments: Array(CommandLine.arguments.dropFirst()), context: .live(), body: LoginCommand.run)
exit(status)
