// upx-totp's executable. The command type in UpxCore does the work.

import Glibc
import UpxCore

Hardening.apply()
let status = ToolRunner.run(
    TOTPCommand.info, arguments: Array(CommandLine.arguments.dropFirst()), context: .live(), body: TOTPCommand.run)
exit(status)
