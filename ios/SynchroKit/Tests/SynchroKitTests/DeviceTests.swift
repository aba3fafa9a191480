// KitDevice over the in-memory EventKit store: one outcome per op in order, batched
// commits, a failed commit loses nothing, the shadow file keeps what EventKit cannot hold.
import Foundation
import SynchroFFI
import XCTest
@testable import SynchroKit

func tempFolder() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func lecture(_ uid: String, _ title: String, day: Int = 0, hour: Int = 0) -> Event {
    let start = monday8utc + Int64(day) * 86_400_000 + Int64(hour) * 3_600_000
    return Event(
        uid: uid, summary: title, start: .timed(epochMs: start, zone: "Europe/Paris"),
        end: .timed(epochMs: start + 3_600_000, zone: "Europe/Paris"), availability: .busy)
}

final class DeviceTests: XCTestCase {
    var dir: URL!
    var store: MemoryKitStore!
    var cal: KitCalendar!

    override func setUpWithError() throws {
        dir = try tempFolder()
        store = MemoryKitStore()
        cal = try store.createCalendar(title: "Cours", color: "#3366ff")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func device() throws -> KitDevice {
        try KitDevice(store: store, calendarId: cal.id, shadowURL: dir.appendingPathComponent("shadow.json"))
    }

    func testOneOutcomePerOpInOrderWithBatchedCommits() throws {
        let d = try device()
        let creates = (0..<120).map { DeviceOp.create(event: lecture("u\($0)", "L\($0)", day: $0 % 5)) }
        let out = try d.apply(ops: creates)
        XCTAssertEqual(out.count, 120)
        XCTAssertEqual(store.commits, 3, "120 writes in batches of \(KitDevice.batchSize)")
        let ids = out.map { o -> String in
            guard case .written(let e) = o else { XCTFail("\(o)"); return "" }
            return e.id
        }
        XCTAssertEqual(Set(ids).count, 120)
        XCTAssertEqual(try d.list().count, 120)

        var refused = lecture("u1", "refuse me")
        refused.summary = "refuse me"
        let mixed = try d.apply(ops: [
            .update(id: ids[0], event: lecture("u0", "L0 renamed")),
            .update(id: ids[1], event: refused),
            .delete(id: ids[2]),
            .delete(id: "gone-already"),
            .update(id: "gone-too", event: lecture("zz", "Z")),
        ])
        XCTAssertEqual(mixed.count, 5)
        guard case .written(let e0) = mixed[0] else { return XCTFail("\(mixed[0])") }
        XCTAssertEqual(e0.id, ids[0])
        guard case .failed = mixed[1] else { return XCTFail("\(mixed[1])") }
        XCTAssertEqual(mixed[2], .deleted)
        XCTAssertEqual(mixed[3], .deleted)
        guard case .failed = mixed[4] else { return XCTFail("\(mixed[4])") }
        let got = try d.fetch(ids: [ids[0], ids[1], ids[2]])
        XCTAssertEqual(got.map { $0.event.summary }, ["L0 renamed", "L1"])
        XCTAssertEqual(got.map { $0.event.uid }, ["u0", "u1"])
    }

    func testAFailedCommitThrowsAndWritesNothing() throws {
        let d = try device()
        store.failCommit = .refused("database locked")
        XCTAssertThrowsError(try d.apply(ops: [.create(event: lecture("a", "A"))])) { e in
            guard case SyncError.Device(let detail) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(detail.contains("database locked"))
        }
        store.failCommit = nil
        XCTAssertEqual(try d.list().count, 0)
        _ = try d.apply(ops: [.create(event: lecture("b", "B"))])
        XCTAssertEqual(try d.list().count, 1)
    }

    func testTheShadowKeepsWhatEventKitCannotHoldAcrossAnEditOnThePhone() throws {
        var e = lecture("server-uid-1", "Meeting")
        e.attendees = [
            Attendee(email: "a@example.edu", name: "A", role: .required, status: .accepted),
            Attendee(email: "b@example.edu", name: "B", role: .optional, status: .tentative),
        ]
        e.organizer = Attendee(email: "boss@example.edu", name: "Boss", role: nil, status: nil)
        e.categories = ["Work", "Teaching"]
        e.access = .private
        e.color = "teal"
        e.sequence = 3
        e.status = .confirmed
        e.rrule = "FREQ=DAILY;BYHOUR=8,14;COUNT=4"
        e.rdate = "20261220T080000Z"
        let d = try device()
        guard case .written(let entry) = try d.apply(ops: [.create(event: e)])[0] else {
            return XCTFail()
        }
        // EventKit gave its own identifier and kept no attendee, status or rule it cannot hold.
        let kit = try XCTUnwrap(store.event(id: entry.id))
        XCTAssertNotEqual(kit.externalIdentifier, "server-uid-1")
        XCTAssertTrue(kit.attendees.isEmpty)
        XCTAssertNil(kit.recurrenceRule)

        store.userEdit(entry.id) { $0.title = "Meeting (room changed)"; $0.location = "B12" }
        // A new device over the same files: the shadow is on disk.
        let again = try device()
        let read = try XCTUnwrap(again.fetch(ids: [entry.id]).first)
        XCTAssertNotEqual(read.entry.version, entry.version)
        XCTAssertEqual(read.event.uid, "server-uid-1")
        XCTAssertEqual(read.event.summary, "Meeting (room changed)")
        XCTAssertEqual(read.event.location, "B12")
        XCTAssertEqual(read.event.attendees, e.attendees)
        XCTAssertEqual(read.event.organizer, e.organizer)
        XCTAssertEqual(read.event.categories, ["Work", "Teaching"])
        XCTAssertEqual(read.event.access, .private)
        XCTAssertEqual(read.event.color, "teal")
        XCTAssertEqual(read.event.sequence, 3)
        XCTAssertEqual(read.event.status, .confirmed)
        XCTAssertEqual(read.event.rrule, "FREQ=DAILY;BYHOUR=8,14;COUNT=4")
        XCTAssertEqual(read.event.rdate, "20261220T080000Z")

        // The user gives it a rule of their own: theirs wins.
        store.userEdit(entry.id) { $0.recurrenceRule = KitRecurrenceRule(frequency: .weekly) }
        XCTAssertEqual(try again.fetch(ids: [entry.id]).first?.event.rrule, "FREQ=WEEKLY")
        // Deleted through the device: the shadow entry goes too.
        XCTAssertEqual(try again.apply(ops: [.delete(id: entry.id)]), [.deleted])
        XCTAssertEqual(try ShadowFile(url: dir.appendingPathComponent("shadow.json")).count, 0)
    }

    func testAnEventMadeOnThePhoneUsesEventKitsExternalIdentifier() throws {
        var k = KitEvent(startDate: Date(timeIntervalSince1970: 1_796_630_400), endDate: Date(timeIntervalSince1970: 1_796_634_000))
        k.title = "Dentist"
        k.timeZone = "Europe/Paris"
        let id = store.userCreate(k, in: cal.id)
        let got = try XCTUnwrap(device().fetch(ids: [id, "unknown"]).first)
        XCTAssertEqual(got.event.uid, try store.event(id: id)?.externalIdentifier)
        XCTAssertEqual(got.event.summary, "Dentist")
    }

    func testADeletedCalendarOrNoAccessIsADeviceError() throws {
        let d = try device()
        XCTAssertEqual(try d.calendarId(), cal.id)
        store.granted = false
        XCTAssertThrowsError(try d.list()) { e in
            guard case SyncError.Device = e else { return XCTFail("\(e)") }
        }
        store.granted = true
        store.deleteCalendar(id: cal.id)
        XCTAssertThrowsError(try d.calendarId()) { e in
            guard case SyncError.Device = e else { return XCTFail("\(e)") }
        }
    }
}
