// upx-totp against Debian's oathtool on random secrets, times, algorithms, digit counts and periods.

import Foundation
import Testing

/// SplitMix64, a small generator whose whole state is one seed, so a failing case can be rerun.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// One random case: the key as unpadded upper-case base32, and the settings both tools get.
private struct CrossCheckCase: CustomStringConvertible {
    var base32: String
    var algorithm: String
    var digits: Int
    var period: Int
    var unixSeconds: UInt64

    init(using generator: inout SplitMix64) {
        let keyLength = Int.random(in: 1...64, using: &generator)
        let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        base32 = base32Encoded(key)
        algorithm = ["sha1", "sha256", "sha512"].randomElement(using: &generator)!
        // oathtool 2.6 computes 6 to 8 digits only.
        digits = Int.random(in: 6...8, using: &generator)
        period = [1, 15, 30, 30, 60, 90, Int.random(in: 1...3600, using: &generator)].randomElement(using: &generator)!
        // Up to 2^34 seconds, past 2038 and past the 32-bit time step of a 1-second period.
        unixSeconds = UInt64.random(in: 0...(1 << 34), using: &generator)
    }

    var description: String {
        "\(algorithm) digits \(digits) period \(period) at \(unixSeconds) key \(base32)"
    }
}

/// Encodes bytes as RFC 4648 base32 without padding.
private func base32Encoded(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    var text = ""
    var buffer: UInt32 = 0
    var bitCount = 0
    for byte in bytes {
        buffer = (buffer << 8) | UInt32(byte)
        bitCount += 8
        while bitCount >= 5 {
            bitCount -= 5
            text.append(alphabet[Int((buffer >> UInt32(bitCount)) & 31)])
        }
    }
    if bitCount > 0 {
        text.append(alphabet[Int((buffer << UInt32(5 - bitCount)) & 31)])
    }
    return text
}

@Suite("upx-totp cross-checked with oathtool")
struct TOTPCrossCheckTests {
    static let seed: UInt64 = 0x5550_5854_4F54_5031
    static let caseCount = 240

    @Test("random cases match oathtool")
    func randomCasesMatchOathtool() throws {
        let oathtool = try requireProgram("oathtool", package: "oathtool")
        let totp = builtToolsFolder.appendingPathComponent("upx-totp").path
        var generator = SplitMix64(state: Self.seed)

        for index in 0..<Self.caseCount {
            let example = CrossCheckCase(using: &generator)
            let context = "case \(index) of seed 0x\(String(Self.seed, radix: 16)): \(example)"

            // Every third case gives upx-totp the key as people paste it: lower case, in groups of four.
            var pasted = example.base32
            if index % 3 == 0 {
                pasted = stride(from: 0, to: pasted.count, by: 4).map { start in
                    String(Array(pasted)[start..<min(start + 4, pasted.count)]).lowercased()
                }.joined(separator: " ")
            }
            var environment = baseEnvironment()
            environment["UPSTOX_TOTP_SECRET"] = pasted
            let ours = try runCommand(
                totp,
                ["--algorithm", example.algorithm, "--digits", String(example.digits), "--period", String(example.period),
                 "--at", String(example.unixSeconds)],
                environment: environment)

            // oathtool takes the secret on argv; it is a made-up test value.
            let theirs = try runCommand(
                oathtool,
                ["--totp=\(example.algorithm)", "-b", "--digits", String(example.digits),
                 "--time-step-size", "\(example.period)s", "--now", "@\(example.unixSeconds)", example.base32],
                environment: baseEnvironment())

            try #require(ours.status == 0, "upx-totp failed, \(context): \(ours.stderr)")
            try #require(theirs.status == 0, "oathtool failed, \(context): \(theirs.stderr)")
            #expect(ours.stdout == theirs.stdout, "\(context)")
        }
    }
}
