// upx-jwt's executable. The command type in UpxCore does the work.

import Glibc
import UpxCore

Hardening.apply()
let status = ToolRunner.run(
    JWTCommand.info, arguments: Array(CommandLine.arguments.dropFirst()), context: .live(), body: JWTCommand.run)
exit(status)
