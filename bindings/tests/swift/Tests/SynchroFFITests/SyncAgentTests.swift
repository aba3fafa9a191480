// The Swift bindings of synchro-ffi against a real Radicale: a Swift DeviceCalendar synced
// through SyncAgent, both ways, with the safety checks, interruption and errors.
import Foundation
import SynchroFFI
import XCTest

let user = "test"
let password = "test"
nonisolated(unsafe) var calendarCounter = 0
let counterLock = NSLock()

struct ProviderDied: Error {}

/// A device calendar in a dictionary: id -> (version, Event).
final class MemoryCalendar: DeviceCalendar, @unchecked Sendable {
    private let id: String
    private let lock = NSLock()
    private var events: [String: (Int, Event)] = [:]
    private var order: [String] = []
    private var next = 1
    var failApply: Error?
    var onList: (() -> Void)?

    init(id: String) { self.id = id }

    @discardableResult
    func put(_ event: Event, _ deviceId: String? = nil) -> String {
        lock.lock(); defer { lock.unlock() }
        let key = deviceId ?? "row-\(next)"
        if deviceId == nil { next += 1 }
        if events[key] == nil { order.append(key) }
        events[key] = ((events[key]?.0 ?? 0) + 1, event)
        return key
    }

    func remove(_ deviceId: String) {
        lock.lock(); defer { lock.unlock() }
        events[deviceId] = nil
        order.removeAll { $0 == deviceId }
    }

    func byUid() -> [String: (String, Event)] {
        lock.lock(); defer { lock.unlock() }
        var out: [String: (String, Event)] = [:]
        for (k, v) in events { out[v.1.uid] = (k, v.1) }
        return out
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return events.count }

    func calendarId() throws -> String { id }

    func list() throws -> [DeviceEntry] {
        onList?()
        lock.lock(); defer { lock.unlock() }
        return order.map { DeviceEntry(id: $0, version: String(events[$0]!.0)) }
    }

    func fetch(ids: [String]) throws -> [DeviceEvent] {
        lock.lock(); defer { lock.unlock() }
        return ids.compactMap { i in
            events[i].map { DeviceEvent(entry: DeviceEntry(id: i, version: String($0.0)), event: $0.1) }
        }
    }

    func apply(ops: [DeviceOp]) throws -> [DeviceOutcome] {
        if let e = failApply { throw e }
        return ops.map { op in
            switch op {
            case .create(let event): return .written(entry: entry(put(event)))
            case .update(let id, let event): return .written(entry: entry(put(event, id)))
            case .delete(let id): remove(id); return .deleted
            }
        }
    }

    private func entry(_ i: String) -> DeviceEntry {
        lock.lock(); defer { lock.unlock() }
        return DeviceEntry(id: i, version: String(events[i]!.0))
    }
}

/// A one-hour event on 2026-03-`day` at `hour`:00 UTC, in Paris time.
func event(_ uid: String, _ summary: String, hour: Int = 9, day: Int = 2) -> Event {
    let start = Int64(1_772_323_200_000) + Int64((day - 1) * 24 + hour) * 3_600_000
    return Event(
        uid: uid, summary: summary,
        start: .timed(epochMs: start, zone: "Europe/Paris"),
        end: .timed(epochMs: start + 3_600_000, zone: "Europe/Paris"),
        availability: .busy)
}

final class Phone {
    let agent: SyncAgent
    let device: MemoryCalendar
    let name: String

    convenience init(_ dir: URL, _ name: String, _ calendarUrl: String) throws {
        try self.init(dir, name, server: .calDav(url: calendarUrl, calendar: nil))
    }

    init(_ dir: URL, _ name: String, server: ServerConfig) throws {
        self.name = name
        agent = try SyncAgent(storePath: dir.appendingPathComponent("\(name).db").path)
        device = MemoryCalendar(id: "\(name)-calendar")
        // The test server is plain http with Basic auth.
        var settings = defaultAccountSettings()
        settings.allowInsecureHttp = true
        _ = try agent.addAccount(
            account: NewAccount(
                name: name, username: user, local: "app:\(name)", pastDays: nil,
                server: server, settings: settings),
            password: password)
    }

    @discardableResult
    func sync(confirmed: Bool = false, progress: SyncProgress? = nil, password pw: String = password)
        throws -> SyncReport
    {
        try agent.sync(
            account: name, password: pw, device: device,
            options: SyncOptions(dryRun: false, confirmed: confirmed, mode: nil), progress: progress)
    }
}

/// Blocks the sync at its first applied change until the test opens the gate.
final class Gate: SyncProgress, @unchecked Sendable {
    let reached = DispatchSemaphore(value: 0)
    let open = DispatchSemaphore(value: 0)
    private var first = true
    private var current = ""
    func phase(name: String, total: UInt64) { current = name }
    func advance(n: UInt64) {
        if current == "apply" && first {
            first = false
            reached.signal()
            _ = open.wait(timeout: .now() + 30)
        }
    }
}

final class SyncAgentTests: XCTestCase {
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

    func testFirstSyncBringsTheServersEventsDown() throws {
        let other = try Phone(dir, "other", calendarUrl)
        var e = event("s1", "From the server", hour: 8)
        e.rrule = "FREQ=DAILY;COUNT=3"
        e.exdate = "20260303T080000Z"
        e.alarms = [Alarm(trigger: .beforeStart(minutes: 10), action: .display, description: "soon")]
        other.device.put(e)
        var allDay = event("s2", "All day")
        allDay.start = .allDay(date: CalendarDate(year: 2026, month: 3, day: 4))
        allDay.end = .allDay(date: CalendarDate(year: 2026, month: 3, day: 5))
        other.device.put(allDay)
        try other.sync()

        let a = try Phone(dir, "a", calendarUrl)
        let report = try a.sync()
        XCTAssertEqual(report.status, .ok)
        XCTAssertEqual(report.device.added, 2)
        let got = a.device.byUid()
        XCTAssertEqual(Set(got.keys), ["s1", "s2"])
        let s1 = got["s1"]!.1
        XCTAssertEqual(s1.summary, "From the server")
        XCTAssertEqual(s1.start, .timed(epochMs: 1_772_438_400_000, zone: "Europe/Paris"))
        XCTAssertEqual(s1.rrule, "FREQ=DAILY;COUNT=3")
        XCTAssertEqual(s1.exdate, "20260303T080000Z")
        XCTAssertEqual(s1.alarms.first?.trigger, .beforeStart(minutes: 10))
        XCTAssertEqual(got["s2"]!.1.start, .allDay(date: CalendarDate(year: 2026, month: 3, day: 4)))
    }

    func testEditsAndDeletionsPropagateBothWays() throws {
        let a = try Phone(dir, "a", calendarUrl)
        let b = try Phone(dir, "b", calendarUrl)
        var ids: [String: String] = [:]
        for n in 0..<4 { ids["e\(n)"] = a.device.put(event("e\(n)", "Event \(n)", hour: 8 + n)) }
        XCTAssertEqual(try a.sync().server.added, 4)
        XCTAssertEqual(try b.sync().device.added, 4)

        a.device.put(event("e0", "Event 0 moved", hour: 15), ids["e0"])
        a.device.remove(ids["e1"]!)
        var r = try a.sync()
        XCTAssertEqual([r.server.updated, r.server.deleted], [1, 1])
        r = try b.sync()
        XCTAssertEqual([r.device.updated, r.device.deleted], [1, 1])
        let onB = b.device.byUid()
        XCTAssertEqual(Set(onB.keys), ["e0", "e2", "e3"])
        XCTAssertEqual(onB["e0"]!.1.summary, "Event 0 moved")

        var e2 = onB["e2"]!.1
        e2.summary = "Event 2 renamed"
        b.device.put(e2, onB["e2"]!.0)
        b.device.remove(onB["e3"]!.0)
        r = try b.sync()
        XCTAssertEqual([r.server.updated, r.server.deleted], [1, 1])
        r = try a.sync()
        XCTAssertEqual([r.device.updated, r.device.deleted], [1, 1])
        let onA = a.device.byUid()
        XCTAssertEqual(Set(onA.keys), ["e0", "e2"])
        XCTAssertEqual(onA["e2"]!.1.summary, "Event 2 renamed")
    }

    func testAMassDeletionNeedsConfirmationAndIsAppliedWhenConfirmed() throws {
        let a = try Phone(dir, "a", calendarUrl)
        let b = try Phone(dir, "b", calendarUrl)
        let ids = (0..<12).map { a.device.put(event("m\($0)", "Meeting \($0)", hour: $0)) }
        try a.sync()
        XCTAssertEqual(try b.sync().device.added, 12)
        ids.forEach { a.device.remove($0) }
        do {
            try a.sync()
            XCTFail("a mass deletion went through unconfirmed")
        } catch SyncError.NeedsConfirmation(_, let plan) {
            XCTAssertEqual(plan.count, 12)
            XCTAssertTrue(plan.allSatisfy { $0.side == .server && $0.action == .delete })
            XCTAssertEqual(Set(plan.map { $0.uid }), Set((0..<12).map { "m\($0)" }))
        }
        XCTAssertEqual(try b.sync().device.deleted, 0)
        XCTAssertEqual(b.device.count, 12)
        XCTAssertEqual(try a.sync(confirmed: true).server.deleted, 12)
        XCTAssertThrowsError(try b.sync()) { error in
            guard case SyncError.NeedsConfirmation = error else {
                return XCTFail("expected NeedsConfirmation, got \(error)")
            }
        }
        XCTAssertEqual(try b.sync(confirmed: true).device.deleted, 12)
        XCTAssertEqual(b.device.count, 0)
    }

    func testInterruptFromAnotherThreadStopsALongSyncAndTheNextConverges() throws {
        let a = try Phone(dir, "a", calendarUrl)
        let b = try Phone(dir, "b", calendarUrl)
        for n in 0..<120 { a.device.put(event("long-\(n)", "Long \(n)", hour: n % 24, day: 1 + n / 24)) }
        let gate = Gate()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Error?
        DispatchQueue.global().async {
            do { try a.sync(progress: gate) } catch { outcome = error }
            done.signal()
        }
        XCTAssertEqual(gate.reached.wait(timeout: .now() + 60), .success)
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { a.agent.interrupt(); stopped.signal() }
        stopped.wait()
        gate.open.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        guard case SyncError.Interrupted = outcome! else {
            return XCTFail("expected Interrupted, got \(String(describing: outcome))")
        }
        let r = try a.sync()
        XCTAssertEqual(r.status, .ok)
        XCTAssertLessThan(r.server.added, 120, "the interrupted sync had uploaded some")
        XCTAssertEqual(try b.sync().device.added, 120)
    }

    func testAWrongPasswordIsAuth() throws {
        let a = try Phone(dir, "a", calendarUrl)
        a.device.put(event("x", "X"))
        XCTAssertThrowsError(try a.sync(password: "wrong")) { error in
            guard case SyncError.Auth = error else { return XCTFail("expected Auth, got \(error)") }
        }
    }

    func testAnExceptionInApplyIsACleanErrorAndLosesNothing() throws {
        let a = try Phone(dir, "a", calendarUrl)
        let b = try Phone(dir, "b", calendarUrl)
        for n in 0..<3 { b.device.put(event("b\(n)", "From B \(n)", hour: n)) }
        try b.sync()
        for n in 0..<2 { a.device.put(event("a\(n)", "From A \(n)", hour: 10 + n)) }
        a.device.failApply = ProviderDied()
        XCTAssertThrowsError(try a.sync()) { error in
            guard case SyncError.Device = error else { return XCTFail("expected Device, got \(error)") }
        }
        XCTAssertEqual(Set(a.device.byUid().keys), ["a0", "a1"])
        a.device.failApply = nil
        XCTAssertEqual(try a.sync().status, .ok)
        let all: Set<String> = ["a0", "a1", "b0", "b1", "b2"]
        XCTAssertEqual(Set(a.device.byUid().keys), all)
        try b.sync()
        XCTAssertEqual(Set(b.device.byUid().keys), all)
    }

    func testStatusAnswersDuringASync() throws {
        let a = try Phone(dir, "a", calendarUrl)
        a.device.put(event("s", "S"))
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var seen: [AccountStatus] = []
        a.device.onList = {
            DispatchQueue.global().async {
                seen = (try? a.agent.status(account: nil)) ?? []
                answered.signal()
            }
            XCTAssertEqual(answered.wait(timeout: .now() + 20), .success, "status() did not answer")
        }
        XCTAssertEqual(try a.sync().status, .ok)
        XCTAssertEqual(seen.map { $0.account }, ["a"])
        XCTAssertEqual(seen.map { $0.syncing }, [true])
        XCTAssertEqual(try a.agent.status(account: nil).map { $0.syncing }, [false])
    }
}
