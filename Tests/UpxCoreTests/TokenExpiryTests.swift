// The daily 03:30 IST cut-off of Upstox access tokens, checked at fixed instants.
//
// IST is UTC+05:30 all year, so 03:30 IST is 22:00 UTC of the previous UTC day.
// Every instant below is Unix seconds, derived from 2026-03-09 00:00 UTC:
// 20_521 days * 86_400 s = 1_773_014_400.

import FoundationEssentials
import Testing
@testable import UpxCore

/// 2026-03-09 00:00:00 UTC (05:30 IST on 2026-03-09).
private let march9Midnight: Int64 = 1_773_014_400

/// 2026-03-09 22:00:00 UTC = 2026-03-10 03:30 IST: march9Midnight + 22 * 3_600.
private let cutoffMarch10IST: Int64 = 1_773_093_600

/// 2026-03-10 22:00:00 UTC = 2026-03-11 03:30 IST: cutoffMarch10IST + 86_400.
private let cutoffMarch11IST: Int64 = 1_773_180_000

/// 2026-03-11 22:00:00 UTC = 2026-03-12 03:30 IST: cutoffMarch11IST + 86_400.
private let cutoffMarch12IST: Int64 = 1_773_266_400

private func cutoff(afterUnixSeconds seconds: Double) -> Int64 {
    Int64(TokenExpiry.nextCutoff(after: Date(timeIntervalSince1970: seconds)).timeIntervalSince1970)
}

@Test func tokenExpiryConstantsMatchCalendar() {
    #expect(march9Midnight == 20_521 * 86_400)
    #expect(cutoffMarch10IST == march9Midnight + 22 * 3_600)
    #expect(cutoffMarch11IST == cutoffMarch10IST + 86_400)
    #expect(cutoffMarch12IST == cutoffMarch11IST + 86_400)
}

@Test func tokenExpiryIssuedAt0229IST() {
    // 2026-03-10 02:29 IST = 2026-03-09 20:59 UTC = march9Midnight + 20 * 3_600 + 59 * 60 = 1_773_089_940.
    #expect(cutoff(afterUnixSeconds: 1_773_089_940) == cutoffMarch10IST)
}

@Test func tokenExpiryIssuedAt0329IST() {
    // 2026-03-10 03:29 IST = 2026-03-09 21:59 UTC = 1_773_093_540, one minute before the cut-off.
    #expect(cutoff(afterUnixSeconds: 1_773_093_540) == cutoffMarch10IST)
}

@Test func tokenExpiryIssuedAt0329And59SecondsIST() {
    // 2026-03-10 03:29:59.9 IST = 1_773_093_599.9, the last instant before the cut-off.
    #expect(cutoff(afterUnixSeconds: 1_773_093_599.9) == cutoffMarch10IST)
}

@Test func tokenExpiryIssuedAt0330IST() {
    // 2026-03-10 03:30 IST = 2026-03-09 22:00 UTC = 1_773_093_600, the cut-off itself,
    // so the token lives until the next morning.
    #expect(cutoff(afterUnixSeconds: 1_773_093_600) == cutoffMarch11IST)
}

@Test func tokenExpiryIssuedHalfSecondAfter0330IST() {
    // 1_773_093_600.5: the fraction is dropped, and the cut-off is still not strictly after it.
    #expect(cutoff(afterUnixSeconds: 1_773_093_600.5) == cutoffMarch11IST)
}

@Test func tokenExpiryIssuedAt2359IST() {
    // 2026-03-10 23:59 IST = 2026-03-10 18:29 UTC = march9Midnight + 86_400 + 18 * 3_600 + 29 * 60 = 1_773_167_340.
    #expect(cutoff(afterUnixSeconds: 1_773_167_340) == cutoffMarch11IST)
}

@Test func tokenExpiryBeforeUTCMidnight() {
    // 2026-03-10 23:59 UTC = 2026-03-11 05:29 IST = march9Midnight + 86_400 + 23 * 3_600 + 59 * 60 = 1_773_187_140.
    #expect(cutoff(afterUnixSeconds: 1_773_187_140) == cutoffMarch12IST)
}

@Test func tokenExpiryAtUTCMidnight() {
    // 2026-03-11 00:00 UTC = 2026-03-11 05:30 IST = march9Midnight + 2 * 86_400 = 1_773_187_200.
    // The UTC date changes here but the IST morning does not, so the cut-off is the same.
    #expect(cutoff(afterUnixSeconds: 1_773_187_200) == cutoffMarch12IST)
}

@Test func tokenExpiryBeforeUnixEpoch() {
    // -1 is 1969-12-31 23:59:59 UTC. The next 22:00 UTC is 1970-01-01 22:00 UTC = 22 * 3_600 = 79_200.
    #expect(cutoff(afterUnixSeconds: -1) == 79_200)
}

@Test func tokenExpiryPrefersEarlierClaim() {
    // A JWT exp 10 minutes after issue comes before the 03:30 IST cut-off, so it wins.
    let issuedAt = Date(timeIntervalSince1970: 1_773_089_940)
    let claimed = Date(timeIntervalSince1970: 1_773_089_940 + 600)
    #expect(TokenExpiry.expiry(claimedExpiry: claimed, issuedAt: issuedAt) == claimed)
}

@Test func tokenExpiryCapsLaterClaimAtCutoff() {
    // A JWT exp of 2026-03-10 12:00 UTC = 1_773_144_000, issued at 02:29 IST (1_773_089_940),
    // is past the 03:30 IST cut-off, when Upstox ends every token.
    let claimed = Date(timeIntervalSince1970: 1_773_144_000)
    let expiry = TokenExpiry.expiry(claimedExpiry: claimed, issuedAt: Date(timeIntervalSince1970: 1_773_089_940))
    #expect(expiry == Date(timeIntervalSince1970: Double(cutoffMarch10IST)))
}

@Test func tokenExpiryWithoutClaimUsesCutoff() {
    let expiry = TokenExpiry.expiry(claimedExpiry: nil, issuedAt: Date(timeIntervalSince1970: 1_773_089_940))
    #expect(expiry == Date(timeIntervalSince1970: Double(cutoffMarch10IST)))
}
