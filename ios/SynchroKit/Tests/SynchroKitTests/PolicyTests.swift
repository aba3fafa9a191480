// When the app syncs: launch, pull-to-refresh, the button, store changes (not its own
// writes), and when the next background run is asked for.
import Foundation
import SynchroFFI
import XCTest
@testable import SynchroKit

final class FakeScheduler: RefreshScheduler, @unchecked Sendable {
    let lock = NSLock()
    var submitted: [Date] = []
    var cancelled = 0
    func submitRefresh(identifier: String, earliest: Date) throws {
        XCTAssertEqual(identifier, SyncPolicy.refreshTaskIdentifier)
        lock.lock()
        submitted.append(earliest)
        lock.unlock()
    }
    func cancelRefresh(identifier: String) {
        lock.lock()
        cancelled += 1
        lock.unlock()
    }
}

final class FakeTask: RefreshTask, @unchecked Sendable {
    var expirationHandler: (() -> Void)?
    let lock = NSLock()
    var completions: [Bool] = []
    func setTaskCompleted(success: Bool) {
        lock.lock()
        completions.append(success)
        lock.unlock()
    }
}

final class PolicyTests: XCTestCase {
    let policy = SyncPolicy()
    let now = Date(timeIntervalSince1970: 1_796_630_400)

    func testTriggers() {
        XCTAssertEqual(policy.decide(.button, isSyncing: false, lastSync: now, now: now), .syncNow)
        XCTAssertEqual(policy.decide(.button, isSyncing: true, lastSync: nil, now: now), .skip)
        XCTAssertEqual(policy.decide(.pullToRefresh, isSyncing: false, lastSync: now, now: now), .syncNow)
        XCTAssertEqual(policy.decide(.launch, isSyncing: false, lastSync: nil, now: now), .syncNow)
        XCTAssertEqual(
            policy.decide(.launch, isSyncing: false, lastSync: now.addingTimeInterval(-10), now: now), .skip)
        XCTAssertEqual(
            policy.decide(.launch, isSyncing: false, lastSync: now.addingTimeInterval(-600), now: now), .syncNow)
        XCTAssertEqual(
            policy.decide(.storeChanged(changedSinceLastSync: false), isSyncing: false, lastSync: nil, now: now),
            .skip, "the sync's own writes do not sync again")
        XCTAssertEqual(
            policy.decide(.storeChanged(changedSinceLastSync: true), isSyncing: false, lastSync: nil, now: now),
            .syncNow)
        XCTAssertEqual(
            policy.decide(.storeChanged(changedSinceLastSync: true), isSyncing: true, lastSync: nil, now: now),
            .afterCurrent)
        XCTAssertEqual(policy.decide(.background, isSyncing: true, lastSync: nil, now: now), .skip)
    }

    func testNextBackgroundRun() {
        XCTAssertEqual(policy.nextBackgroundRun(after: now, last: []), now.addingTimeInterval(1800))
        XCTAssertEqual(
            policy.nextBackgroundRun(
                after: now, last: [.failed(.Unavailable(retryAfterS: 7200, detail: "503"))]),
            now.addingTimeInterval(7200))
        XCTAssertEqual(
            policy.nextBackgroundRun(after: now, last: [.failed(.Unavailable(retryAfterS: 5, detail: ""))]),
            now.addingTimeInterval(1800))
        XCTAssertNil(policy.nextBackgroundRun(after: now, last: [.failed(.Auth(detail: "401"))]))
        XCTAssertNil(policy.nextBackgroundRun(after: now, last: [.noPassword]))
    }

    func testABackgroundRunSchedulesTheNextAndCompletesOnce() throws {
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let coordinator = try SyncCoordinator(
            folder: dir, kit: MemoryKitStore(), passwords: MemoryPasswordStore())
        let scheduler = FakeScheduler()
        let clock = now
        let bg = BackgroundRefresh(coordinator: coordinator, scheduler: scheduler, clock: { clock })
        let task = FakeTask()
        let done = expectation(description: "done")
        bg.run(task) { _ in done.fulfill() }
        wait(for: [done], timeout: 30)
        XCTAssertEqual(task.completions, [true])
        XCTAssertNotNil(task.expirationHandler)
        XCTAssertEqual(scheduler.submitted.first, now.addingTimeInterval(1800))
        XCTAssertEqual(scheduler.submitted.count, 2, "submitted on start and again after the run")
    }
}
