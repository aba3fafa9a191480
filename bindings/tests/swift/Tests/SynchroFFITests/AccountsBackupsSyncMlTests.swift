// The Swift bindings of synchro-ffi: account settings, backups and restore, conflicts against
// a real Radicale, and SyncML against a real SyncEvolution server.
import Foundation
import SynchroFFI
import XCTest

final class AccountsBackupsSyncMlTests: XCTestCase {
    var dir: URL!
    var calendarUrl: String!

    override func setUpWithError() throws {
        let server = try XCTUnwrap(
            ProcessInfo.processInfo.environment["SYNCHRO_TEST_SERVER"],
            "SYNCHRO_TEST_SERVER is not set: run bash scripts/test-bindings.sh")
        counterLock.lock()
        calendarCounter += 1
        let n = calendarCounter
        counterLock.unlock()
        calendarUrl = "\(server)\(user)/c\(n)/"
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// A phone with a SyncML account for device id synchro-phone-`n` (see test-bindings.sh).
    func syncMlPhone(_ name: String, _ n: Int) throws -> Phone {
        let url = try XCTUnwrap(
            ProcessInfo.processInfo.environment["SYNCHRO_TEST_SYNCML"],
            "SYNCHRO_TEST_SYNCML is not set: run bash scripts/test-bindings.sh")
        return try Phone(
            dir, name,
            server: .syncMl(
                url: url, serverUri: "calendar", deviceId: "synchro-phone-\(n)",
                format: .iCalendar, wbxml: false, auth: .md5))
    }

    /// What the server holds, as a fresh phone sees it: UID -> summary.
    func serverEvents(_ name: String) throws -> [String: String?] {
        let observer = try Phone(dir, name, calendarUrl)
        try observer.sync()
        return observer.device.byUid().mapValues { $0.1.summary }
    }

    func testUpdateAccountReadsBackBacksUpAndAppliesTheNewThresholds() throws {
        let a = try Phone(dir, "a", calendarUrl)
        let ids = (0..<6).map { a.device.put(event("u\($0)", "Update \($0)", hour: $0)) }
        XCTAssertEqual(try a.sync().server.added, 6)
        var settings = defaultAccountSettings()
        settings.allowInsecureHttp = true
        settings.maxDeletePercent = 10
        settings.maxDeleteCount = 2
        let backupId = try XCTUnwrap(
            try a.agent.updateAccount(
                name: "a", update: AccountUpdate(pastDays: nil, settings: settings),
                device: a.device))
        let info = try a.agent.listAccounts()
        XCTAssertEqual(info.count, 1)
        XCTAssertEqual([info[0].settings.maxDeletePercent, info[0].settings.maxDeleteCount], [10, 2])
        let backup = try XCTUnwrap(try a.agent.backups(account: "a").first { $0.id == backupId })
        XCTAssertEqual(backup.reason, .settingsChange)
        XCTAssertEqual(backup.deviceItems, 6)

        // 3 of 6 is within the default thresholds (30 %, 10) but not the new ones.
        ids.prefix(3).forEach { a.device.remove($0) }
        do {
            try a.sync()
            XCTFail("3 of 6 deletions went through unconfirmed")
        } catch SyncError.NeedsConfirmation(let reason, _) {
            XCTAssertEqual(
                reason, .massDeletion(side: .server, deletions: 3, known: 6, maxPercent: 10, maxCount: 2))
        }
        XCTAssertEqual(try serverEvents("before").count, 6, "nothing applied while held back")
        XCTAssertEqual(try a.sync(confirmed: true).server.deleted, 3)
        XCTAssertEqual(Set(try serverEvents("after").keys), ["u3", "u4", "u5"])
    }

    func testAConfirmedRestoreBringsBackBothSidesAndADryRunChangesNothing() throws {
        let a = try Phone(dir, "a", calendarUrl)
        var ids: [String: String] = [:]
        for n in 0..<3 { ids["r\(n)"] = a.device.put(event("r\(n)", "Restore \(n)", hour: n)) }
        try a.sync()
        let backup = try a.agent.createBackup(account: "a", password: password, device: a.device)
        XCTAssertEqual(backup.reason, .manual)
        XCTAssertTrue(backup.full)
        XCTAssertEqual(backup.side, .both)
        XCTAssertEqual([backup.deviceItems, backup.serverItems], [3, 3])
        XCTAssertTrue(try a.agent.backups(account: "a").contains { $0.id == backup.id })

        a.device.remove(ids["r0"]!)
        a.device.put(event("r3", "Added later", hour: 5))
        let r = try a.sync()
        XCTAssertEqual([r.server.added, r.server.deleted], [1, 1])
        let after: Set<String> = ["r1", "r2", "r3"]

        let dry = try a.agent.restore(
            id: backup.id, side: .both, dryRun: true, confirmed: true, password: password,
            device: a.device)
        XCTAssertTrue(dry.dryRun)
        for side in [Side.device, Side.server] {
            XCTAssertTrue(dry.changes.contains(RestoreChange(side: side, action: .add, uid: "r0")))
            XCTAssertTrue(dry.changes.contains(RestoreChange(side: side, action: .remove, uid: "r3")))
        }
        XCTAssertEqual(Set(a.device.byUid().keys), after)
        XCTAssertEqual(Set(try serverEvents("dry").keys), after)

        let done = try a.agent.restore(
            id: backup.id, side: .both, dryRun: false, confirmed: true, password: password,
            device: a.device)
        XCTAssertFalse(done.dryRun)
        XCTAssertEqual(done.errors, [])
        let restored: Set<String> = ["r0", "r1", "r2"]
        XCTAssertEqual(Set(a.device.byUid().keys), restored)
        XCTAssertEqual(a.device.byUid()["r0"]!.1.summary, "Restore 0")
        XCTAssertEqual(Set(try serverEvents("done").keys), restored)
        let again = try a.sync()
        XCTAssertEqual(again.status, .ok)
        XCTAssertEqual(
            [again.server.added, again.server.deleted, again.device.added, again.device.deleted],
            [0, 0, 0, 0])
    }

    func testAConflictIsWonByTheServerAndTheLosingVersionIsKept() throws {
        let a = try Phone(dir, "a", calendarUrl)
        let b = try Phone(dir, "b", calendarUrl)
        let id = a.device.put(event("c", "Original"))
        try a.sync()
        try b.sync()
        a.device.put(event("c", "Version A", hour: 11), id)
        var onB = b.device.byUid()["c"]!
        onB.1.summary = "Version B"
        b.device.put(onB.1, onB.0)
        XCTAssertEqual(try a.sync().server.updated, 1)
        XCTAssertEqual(try b.sync().conflicts, 1)
        XCTAssertEqual(b.device.byUid()["c"]!.1.summary, "Version A")
        XCTAssertEqual(try serverEvents("observer"), ["c": "Version A"])
        let kept = try b.agent.conflicts(account: "b")
        XCTAssertEqual(kept.count, 1)
        XCTAssertEqual(kept[0].account, "b")
        XCTAssertEqual(kept[0].uid, "c")
        XCTAssertEqual(kept[0].losingSide, .device)
        XCTAssertTrue(kept[0].ics.contains("SUMMARY:Version B"), kept[0].ics)
        XCTAssertEqual(try a.agent.conflicts(account: nil), [])
        // Looked at: dismissed, once.
        XCTAssertEqual(try b.agent.status(account: "b")[0].conflictsKept, 1)
        XCTAssertEqual(try b.agent.dismissConflicts(ids: [kept[0].id]), 1)
        XCTAssertEqual(try b.agent.dismissConflicts(ids: [kept[0].id]), 0)
        XCTAssertEqual(try b.agent.conflicts(account: "b"), [])
        XCTAssertEqual(try b.agent.status(account: "b")[0].conflictsKept, 0)
    }

    func testSyncMlDownUpSecondPhoneEditAndDeletion() throws {
        let one = try syncMlPhone("one", 1)
        var ids: [String: String] = [:]
        for n in 0..<2 { ids["p\(n)"] = one.device.put(event("p\(n)", "Phone \(n)", hour: 10 + n)) }
        var r = try one.sync()
        XCTAssertEqual(r.status, .ok)
        XCTAssertEqual([r.device.added, r.server.added], [2, 2])
        let all: Set<String> = ["p0", "p1", "seed-1", "seed-2"]
        XCTAssertEqual(Set(one.device.byUid().keys), all)
        XCTAssertEqual(one.device.byUid()["seed-1"]!.1.summary, "Seed 1")

        let two = try syncMlPhone("two", 2)
        XCTAssertEqual(try two.sync().device.added, 4)
        XCTAssertEqual(Set(two.device.byUid().keys), all)

        one.device.put(event("p0", "Phone 0 moved", hour: 15), ids["p0"])
        one.device.remove(ids["p1"]!)
        r = try one.sync()
        XCTAssertEqual([r.server.updated, r.server.deleted], [1, 1])
        r = try two.sync()
        XCTAssertEqual([r.device.updated, r.device.deleted], [1, 1])
        let onTwo = two.device.byUid()
        XCTAssertEqual(Set(onTwo.keys), ["p0", "seed-1", "seed-2"])
        XCTAssertEqual(onTwo["p0"]!.1.summary, "Phone 0 moved")
    }

    func testSyncMlWrongPasswordIsAuth() throws {
        let three = try syncMlPhone("three", 3)
        three.device.put(event("x", "X"))
        XCTAssertThrowsError(try three.sync(password: "wrong")) { error in
            guard case SyncError.Auth = error else {
                return XCTFail("expected SyncError.Auth, got \(error)")
            }
        }
    }
}
