// HOTP and TOTP against the published test vectors of RFC 4226 and RFC 6238.

import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// Returns the RFC 6238 Appendix B key for a hash: the ASCII digits 1-0 repeated to the hash's output size.
private func rfc6238Key(_ algorithm: OTPAlgorithm) -> Secret {
    let length = switch algorithm {
    case .sha1: 20
    case .sha256: 32
    case .sha512: 64
    }
    let digits = Array("1234567890".utf8)
    return Secret((0..<length).map { digits[$0 % 10] })
}

/// Appendix B of RFC 6238: time in Unix seconds, hash, 8-digit code.
private let rfc6238Rows: [(Double, OTPAlgorithm, String)] = [
    (59, .sha1, "94287082"), (59, .sha256, "46119246"), (59, .sha512, "90693936"),
    (1_111_111_109, .sha1, "07081804"), (1_111_111_109, .sha256, "68084774"), (1_111_111_109, .sha512, "25091201"),
    (1_111_111_111, .sha1, "14050471"), (1_111_111_111, .sha256, "67062674"), (1_111_111_111, .sha512, "99943326"),
    (1_234_567_890, .sha1, "89005924"), (1_234_567_890, .sha256, "91819424"), (1_234_567_890, .sha512, "93441116"),
    (2_000_000_000, .sha1, "69279037"), (2_000_000_000, .sha256, "90698825"), (2_000_000_000, .sha512, "38618901"),
    (20_000_000_000, .sha1, "65353130"), (20_000_000_000, .sha256, "77737706"), (20_000_000_000, .sha512, "47863826"),
]

@Test(arguments: rfc6238Rows.indices)
func totpRFC6238Row(_ index: Int) throws {
    let (seconds, algorithm, expected) = rfc6238Rows[index]
    let totp = try TOTP(algorithm: algorithm, digits: 8)
    let code = try totp.code(key: rfc6238Key(algorithm), at: Date(timeIntervalSince1970: seconds))
    #expect(code == expected, "T=\(seconds) \(algorithm)")
}

/// Appendix D of RFC 4226: counter 0-9 with the 20-byte key, as 31-bit values and 6-digit codes.
private let rfc4226Truncated: [UInt64] = [
    1_284_755_224, 1_094_287_082, 137_359_152, 1_726_969_429, 1_640_338_314,
    868_254_676, 1_918_287_922, 82_162_583, 673_399_871, 645_520_489,
]
private let rfc4226Codes = [
    "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
]

@Test(arguments: 0..<10)
func hotpRFC4226Code(_ counter: Int) throws {
    let code = try HOTP().code(key: rfc6238Key(.sha1), counter: UInt64(counter))
    #expect(code == rfc4226Codes[counter])
}

@Test(arguments: 0..<10)
func hotpTenDigitsKeepsWholeValue(_ counter: Int) throws {
    let code = try HOTP(digits: 10).code(key: rfc6238Key(.sha1), counter: UInt64(counter))
    let value = String(rfc4226Truncated[counter])
    #expect(code == String(repeating: "0", count: 10 - value.count) + value)
}

@Test func hotpDigitsBelowSixRejected() {
    #expect(throws: OTPError.invalidDigits(5)) { try HOTP(digits: 5) }
}

@Test func hotpDigitsAboveTenRejected() {
    #expect(throws: OTPError.invalidDigits(11)) { try HOTP(digits: 11) }
}

@Test func hotpEmptyKeyRejected() {
    #expect(throws: OTPError.emptySecret) { try HOTP().code(key: Secret([]), counter: 0) }
}

@Test func totpDefaults() throws {
    let totp = try TOTP()
    #expect(totp.algorithm == .sha1)
    #expect(totp.digits == 6)
    #expect(totp.period == 30)
    #expect(totp.epoch == Date(timeIntervalSince1970: 0))
}

@Test func totpZeroPeriodRejected() {
    #expect(throws: OTPError.invalidPeriod(0)) { try TOTP(period: 0) }
}

@Test func totpTimeStepRoundsDown() throws {
    let totp = try TOTP()
    #expect(try totp.timeStep(at: Date(timeIntervalSince1970: 59.9)) == 1)
    #expect(try totp.timeStep(at: Date(timeIntervalSince1970: 60)) == 2)
}

@Test func totpEpochShiftsSteps() throws {
    let totp = try TOTP(period: 30, epoch: Date(timeIntervalSince1970: 100))
    #expect(try totp.timeStep(at: Date(timeIntervalSince1970: 129)) == 0)
    #expect(try totp.timeStep(at: Date(timeIntervalSince1970: 130)) == 1)
}

@Test func totpTimeBeforeEpochRejected() throws {
    let totp = try TOTP(epoch: Date(timeIntervalSince1970: 100))
    #expect(throws: OTPError.timeOutOfRange(unixSeconds: 99)) {
        try totp.code(key: rfc6238Key(.sha1), at: Date(timeIntervalSince1970: 99))
    }
}

@Test func totpSecondsRemaining() throws {
    let totp = try TOTP()
    #expect(try totp.secondsRemaining(at: Date(timeIntervalSince1970: 60)) == 30)
    #expect(try totp.secondsRemaining(at: Date(timeIntervalSince1970: 61)) == 29)
    #expect(try totp.secondsRemaining(at: Date(timeIntervalSince1970: 89.5)) == 1)
}

@Test func totpCodeFromBase32Secret() throws {
    // "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" is the base32 form of the RFC's 20-byte key.
    let key = try Base32.decode(Secret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
    let code = try TOTP(digits: 8).code(key: key, at: Date(timeIntervalSince1970: 59))
    #expect(code == "94287082")
}

@Test(arguments: ["sha1", "SHA1", "sha-256", "SHA-512"])
func otpAlgorithmNameParsed(_ name: String) {
    #expect(OTPAlgorithm(name: name) != nil)
}

@Test func otpAlgorithmUnknownName() {
    #expect(OTPAlgorithm(name: "md5") == nil)
}

// MARK: - otpauth URIs

private func parsedURI(_ text: String) throws -> OTPAuthURI {
    try OTPAuthURI.parse(Secret(text))
}

private func uriError(_ text: String) -> OTPError? {
    do {
        _ = try OTPAuthURI.parse(Secret(text))
        return nil
    } catch {
        return error
    }
}

@Test func otpauthURIAllParameters() throws {
    let uri = try parsedURI(
        "otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBV&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60")
    #expect(uri.kind == .totp)
    #expect(uri.issuer == "ACME Co")
    #expect(uri.account == "alice@example.com")
    #expect(uri.secret.revealed() == "GEZDGNBV")
    #expect(uri.algorithm == .sha256)
    #expect(uri.digits == 8)
    #expect(uri.period == 60)
    #expect(uri.counter == nil)
}

@Test func otpauthURIIssuerFromEncodedColon() throws {
    let uri = try parsedURI("otpauth://totp/Upstox%3A%20AB1234?secret=GEZDGNBV")
    #expect(uri.issuer == "Upstox")
    #expect(uri.account == "AB1234")
}

@Test func otpauthURIIssuerParameterWins() throws {
    #expect(try parsedURI("otpauth://totp/Old:bob?issuer=New&secret=GEZDGNBV").issuer == "New")
}

@Test func otpauthURILabelWithoutIssuer() throws {
    let uri = try parsedURI("otpauth://totp/bob?secret=GEZDGNBV")
    #expect(uri.issuer == nil)
    #expect(uri.account == "bob")
}

@Test func otpauthURIHOTPCounter() throws {
    let uri = try parsedURI("OTPAUTH://HOTP/x?secret=GEZDGNBV&counter=42")
    #expect(uri.kind == .hotp)
    #expect(uri.counter == 42)
}

@Test func otpauthURIUnknownParametersIgnored() throws {
    let uri = try parsedURI("otpauth://totp/x?image=https%3A%2F%2Fa&secret=GEZDGNBV&lock=&flag")
    #expect(uri.secret.revealed() == "GEZDGNBV")
}

@Test func otpauthURISplitsOnFirstEquals() throws {
    #expect(try parsedURI("otpauth://totp/x?secret=MZXW6===").secret.revealed() == "MZXW6===")
}

@Test func otpauthURIPercentEncodedPadding() throws {
    #expect(try parsedURI("otpauth://totp/x?secret=MZXW6%3D%3D%3D").secret.revealed() == "MZXW6===")
}

@Test func otpauthURISurroundingWhiteSpace() throws {
    #expect(try parsedURI("  otpauth://totp/x?secret=GEZDGNBV\n").secret.revealed() == "GEZDGNBV")
}

@Test func otpauthURIDetection() {
    #expect(OTPAuthURI.isURI(Secret(" OtpAuth://totp/x")))
    #expect(!OTPAuthURI.isURI(Secret("GEZDGNBV")))
    #expect(!OTPAuthURI.isURI(Secret("otpauth:")))
}

@Test(arguments: [
    "otpauth://totp/x", "otpauth://totp/x?secret=", "otpauth://steam/x?secret=GEZD", "otpauth://totp",
    "otpauth://totp/x?secret=GEZD&algorithm=MD5", "otpauth://totp/x?secret=GEZD&digits=5",
    "otpauth://totp/x?secret=GEZD&digits=eight", "otpauth://totp/x?secret=GEZD&period=0",
    "otpauth://totp/x?secret=GEZD&counter=1", "otpauth://totp/x?secret=GE%ZD", "otpauth://totp/a%2?secret=GEZD",
])
func otpauthURIInvalidRejected(_ text: String) {
    guard case .invalidURI = uriError(text) else {
        Issue.record("\(text) was not rejected as an invalid URI")
        return
    }
}

@Test func otpauthURIErrorHidesSecret() {
    let error = uriError("otpauth://totp/x?secret=SECRETKEY%G1")
    #expect(error != nil)
    #expect(!(error?.message.contains("SECRETKEY") ?? true))
}

// MARK: - --watch

/// A clock that a pause moves forward, so the watch loop runs without sleeping.
private final class SteppingClock: WallClock, WatchPause {
    var seconds: Double
    var waitsLeft: Int
    var delays: [Double] = []

    init(seconds: Double, waits: Int) {
        self.seconds = seconds
        self.waitsLeft = waits
    }

    func now() -> Date { Date(timeIntervalSince1970: seconds) }

    func wait(seconds delay: Double) -> Bool {
        guard waitsLeft > 0 else { return false }
        waitsLeft -= 1
        delays.append(delay)
        seconds += delay
        return true
    }
}

private func watchOutput(terminal: Bool, json: Bool = false, start: Double, waits: Int) throws -> (String, [Double]) {
    var output = ""
    let streams = Streams(out: { output += $0 }, err: { _ in }, readInput: { nil }, outputIsTerminal: terminal)
    let clock = SteppingClock(seconds: start, waits: waits)
    let key = try Base32.decode(Secret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
    let watch = TOTPWatch(totp: try TOTP(), key: key, json: json, streams: streams, clock: clock)
    #expect(try watch.run(pause: clock) == .success)
    return (output, clock.delays)
}

@Test func watchPipeOneLinePerStep() throws {
    // From T = 29.5: step 0 until 30, then steps 1 and 2 a period apart.
    let (output, delays) = try watchOutput(terminal: false, start: 29.5, waits: 2)
    #expect(output == "755224\n287082\n359152\n")
    #expect(delays == [0.5, 30])
}

@Test func watchPipeJSON() throws {
    let (output, _) = try watchOutput(terminal: false, json: true, start: 59, waits: 0)
    #expect(output == #"{"code":"287082","counter":1,"next":"359152","remaining":1}"# + "\n")
}

@Test func watchTerminalRedrawsEachSecond() throws {
    let (output, delays) = try watchOutput(terminal: true, start: 58, waits: 2)
    let clear = "\r\u{1B}[K"
    #expect(output == "\u{1B}[?25l"
        + clear + "287082  [##----------------------------] 2s  next 359152"
        + clear + "287082  [#-----------------------------] 1s  next 359152"
        + clear + "359152  [##############################] 30s  next 969429"
        + "\u{1B}[?25h\n")
    #expect(delays == [1, 1])
}

@Test func watchStopsOnOutputError() throws {
    let streams = Streams(out: { _ in }, err: { _ in }, readInput: { nil }, outputError: { EPIPE })
    let clock = SteppingClock(seconds: 0, waits: 5)
    let watch = TOTPWatch(totp: try TOTP(), key: Secret([1, 2, 3]), json: false, streams: streams, clock: clock)
    #expect(try watch.run(pause: clock) == .success)
    #expect(clock.delays.isEmpty)
}
