// DotEnvFile compared with python-dotenv itself on the same files, since users bring
// .env files written for the Python client.

import Foundation
import Testing
import UpxCore

/// python-dotenv in a virtual environment cached between runs; installing it needs PyPI once.
private let dotenvPython: Result<String, any Error> = Result {
    let python = try requireProgram("python3", package: "python3")
    let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
    let venv = cache + "/upx-test/dotenv-venv"
    let venvPython = venv + "/bin/python"
    let check = try? runCommand(venvPython, ["-c", "import dotenv"], environment: baseEnvironment())
    if check?.status != 0 {
        try runCommand(python, ["-m", "venv", venv], environment: baseEnvironment(home: NSHomeDirectory()))
        var environment = ProcessInfo.processInfo.environment
        environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        let install = try runCommand(
            venv + "/bin/pip", ["install", "-q", "python-dotenv==1.0.1"], environment: environment, timeout: 300)
        guard install.status == 0 else {
            throw StandInFailure(reason: "cannot install python-dotenv 1.0.1 from PyPI into \(venv): \(install.stderr)")
        }
    }
    return venvPython
}

/// Files that python-dotenv and DotEnvFile must read alike.
private let compatibilityCases: [String] = [
    "export A=1\nB = 2\n",
    "A='single \\' quote and \\\\ backslash'\n",
    "A=\"double \\\" quote, \\n newline, \\t tab, \\\\ backslash\"\n",
    "A=\"first line\nsecond line\"\nB=after\n",
    "A=value # comment\nB=value#not-a-comment\nC=tab\t# comment\n",
    "A=1\r\nB=\"2\"\r\nC='3'\r\n",
    "\u{FEFF}A=1\n",
    "A=a=b=c\n",
    "A=1\nB=${A}-x\nC=\"${MISSING:-fallback}\"\nD='${A}'\nE=${FROM_ENVIRONMENT}\n",
    "A=  spaced value   \n",
    "A=\nB=\"\"\nC=''\n",
    "A=naïve ✓\n",
    "# a comment\n\n   \nA=1 # trailing\n",
    "A=\"quoted\" # comment after a quote\n",
    "A=1\nA=2\n",
    "A=no newline at the end",
]

@Suite("DotEnvFile against python-dotenv")
struct DotEnvCompatibilityTests {
    @Test("same values as python-dotenv", arguments: compatibilityCases)
    func sameValuesAsPythonDotenv(text: String) throws {
        let python = try dotenvPython.get()
        let folder = try makeTemporaryFolder("upx-dotenv")
        let file = folder.appendingPathComponent("case.env")
        try Data(text.utf8).write(to: file)
        var environment = baseEnvironment()
        environment["FROM_ENVIRONMENT"] = "from the environment"

        let script = "import json, sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))"
        let result = try runCommand(python, ["-c", script, file.path], environment: environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let reply = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String] ?? [:]
        // python-dotenv keeps a byte-order mark as part of the first name; upx drops it on purpose.
        var expected: [String: String] = [:]
        for (name, value) in reply { expected[name.hasPrefix("\u{FEFF}") ? String(name.dropFirst()) : name] = value }

        let parsed = try DotEnvFile.parse(text, path: file.path, environment: environment)
        var ours: [String: String] = [:]
        for entry in parsed.entries { ours[entry.name] = entry.value }
        #expect(ours == expected, "file: \(text.debugDescription)")
    }
}
