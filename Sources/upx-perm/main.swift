// upx-perm's executable. The command type in UpxCore does the work.

import Glibc
import UpxCore

Hardening.apply()
let status = ToolRunner.run(
    PermissionCommand.info, arguments: Array(CommandLine.arguments.dropFirst()), context: .live(), body: PermissionCommand.run)
exit(status)
