// Running programs through ChildProcess: standard input, both outputs, exit status and PATH lookup.

import Testing
@testable import UpxCore

private let shell = "/bin/sh"

@Test func childProcessPassesInputThrough() throws {
    let result = try ChildProcess.run(shell, ["-c", "cat"], environment: [:], input: Array("a\u{0}b\n".utf8))
    #expect(result.status == 0)
    #expect(result.output == Array("a\u{0}b\n".utf8))
    #expect(result.errorOutput.isEmpty)
}

@Test func childProcessSeparatesErrorOutput() throws {
    let result = try ChildProcess.run(shell, ["-c", "echo out; echo ' err ' >&2; exit 3"], environment: [:])
    #expect(result.status == 3)
    #expect(result.output == Array("out\n".utf8))
    #expect(result.errorText == "err")
}

@Test func childProcessFillsBothPipes() throws {
    // 1 MiB on each stream and 1 MiB of input: more than a pipe holds, so a reader that
    // waited for one stream to end would deadlock.
    let script = "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; cat >/dev/null"
    let input = [UInt8](repeating: 7, count: 1 << 20)
    let result = try ChildProcess.run(shell, ["-c", script], environment: [:], input: input)
    #expect(result.status == 0)
    #expect(result.output.count == 1 << 20)
    #expect(result.errorOutput.count == 1 << 20)
}

@Test func childProcessIgnoresInputLeftUnread() throws {
    let input = [UInt8](repeating: 7, count: 1 << 20)
    let result = try ChildProcess.run(shell, ["-c", "exit 0"], environment: [:], input: input)
    #expect(result.status == 0)
}

@Test func childProcessReportsSignal() throws {
    let result = try ChildProcess.run(shell, ["-c", "kill -TERM $$"], environment: [:])
    #expect(result.status == 128 + 15)
}

@Test func childProcessGetsOnlyGivenEnvironment() throws {
    let result = try ChildProcess.run("/usr/bin/env", [], environment: ["UPX_TEST": "1"])
    #expect(String(decoding: result.output, as: UTF8.self) == "UPX_TEST=1\n")
}

@Test func childProcessMissingProgramRejected() {
    #expect(throws: ChildProcessError.self) {
        try ChildProcess.run("/nonexistent-upx-test/git", [], environment: [:])
    }
}

@Test func childProcessFindsProgramOnPath() {
    #expect(ChildProcess.find("sh", environment: ["PATH": "/nonexistent-upx-test:/bin"]) == "/bin/sh")
    #expect(ChildProcess.find("sh", environment: ["PATH": "/nonexistent-upx-test"]) == nil)
}
