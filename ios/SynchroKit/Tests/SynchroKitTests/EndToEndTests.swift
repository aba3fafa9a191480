// The app's view models syncing the in-memory EventKit store against a real Radicale on
// 127.0.0.1 through the real bindings (SYNCHRO_TEST_SERVER, set by scripts/test-ios.sh).
import Foundation
import SynchroFFI
import XCTest
@testable import SynchroKit

let serverUser = "test"
let serverPassword = "test"
nonisolated(unsafe) var nextCalendar = 0
let calendarLock = NSLock()

/// A calendar number of the test server no other test uses.
func reserveCalendar() -> Int {
    calendarLock.lock()
    defer { calendarLock.unlock() }
    nextCalendar += 1
    return nextCalendar
}

func testServer() throws -> String {
    try XCTUnwrap(
        ProcessInfo.processInfo.environment["SYNCHRO_TEST_SERVER"],
        "SYNCHRO_TEST_SERVER is not set: run bash scripts/test-ios.sh")
}

/// Settings for the test server: plain http with Basic auth.
func testSettings() -> AccountSettings {
    var s = defaultAccountSettings()
    s.allowInsecureHttp = true
    return s
}

/// One phone: its EventKit store, the app's coordinator and screens.
final class TestPhone {
    let store = MemoryKitStore()
    let coordinator: SyncCoordinator
    let main: MainViewModel
    let setup: SetupViewModel
    let scheduler = FakeScheduler()
    let background: BackgroundRefresh
    let strings = Strings(.en)

    init(_ dir: URL, _ name: String) throws {
        coordinator = try SyncCoordinator(
            folder: dir.appendingPathComponent(name), kit: store, passwords: MemoryPasswordStore())
        background = BackgroundRefresh(coordinator: coordinator, scheduler: scheduler)
        main = MainViewModel(coordinator: coordinator, strings: strings, background: background)
        setup = SetupViewModel(coordinator: coordinator, strings: strings)
        setup.settings = testSettings()
    }

    /// Sets up the app on `url` (a server or calendar URL) and adds the calendars ticked
    /// (by default the one `url` names).
    func setUp(_ url: String, tick: ((DiscoveredCalendar) -> Bool)? = nil) async throws {
        let tick = tick ?? { SetupViewModel.lastPart($0.url) == SetupViewModel.lastPart(url) }
        setup.edit {
            $0.serverURL = url
            $0.username = serverUser
            $0.password = serverPassword
        }
        await setup.discover()
        for c in setup.model.state.calendars where tick(c) { setup.toggle(c.url) }
        await setup.addTicked()
        XCTAssertFalse(setup.model.state.added.isEmpty, setup.model.state.message ?? "")
    }

    var account: AppAccount { coordinator.accounts.load()[0] }
    var calendarId: String { account.kitCalendarId }

    func event(_ title: String, day: Int = 0, hour: Int = 0) -> KitEvent {
        let start = Date(timeIntervalSince1970: 1_796_630_400 + Double(day * 86_400 + hour * 3600))
        var k = KitEvent(startDate: start, endDate: start.addingTimeInterval(3600))
        k.title = title
        k.timeZone = "Europe/Paris"
        return k
    }
}

/// A plain device of the bindings, to put on the server what a phone cannot make
/// (attendees) and to read the server back.
final class ServerSide: DeviceCalendar, @unchecked Sendable {
    let agent: SyncAgent
    private let lock = NSLock()
    var events: [String: (Int, Event)] = [:]

    init(_ dir: URL, calendarUrl: String) throws {
        agent = try SyncAgent(storePath: dir.appendingPathComponent("server-side.db").path)
        _ = try agent.addAccount(
            account: NewAccount(
                name: "s", username: serverUser, local: "test:server-side", pastDays: nil,
                server: .calDav(url: calendarUrl, calendar: nil), settings: testSettings()),
            password: serverPassword)
    }

    func sync() throws {
        _ = try agent.sync(
            account: "s", password: serverPassword, device: self,
            options: SyncOptions(dryRun: false, confirmed: true, mode: nil), progress: nil)
    }

    func calendarId() throws -> String { "server-side" }
    func list() throws -> [DeviceEntry] {
        lock.lock()
        defer { lock.unlock() }
        return events.map { DeviceEntry(id: $0.key, version: String($0.value.0)) }
    }
    func fetch(ids: [String]) throws -> [DeviceEvent] {
        lock.lock()
        defer { lock.unlock() }
        return ids.compactMap { id in
            events[id].map { DeviceEvent(entry: DeviceEntry(id: id, version: String($0.0)), event: $0.1) }
        }
    }
    func apply(ops: [DeviceOp]) throws -> [DeviceOutcome] {
        lock.lock()
        defer { lock.unlock() }
        return ops.map { op in
            switch op {
            case .create(let e):
                events[e.uid] = (1, e)
                return .written(entry: DeviceEntry(id: e.uid, version: "1"))
            case .update(let id, let e):
                let v = (events[id]?.0 ?? 0) + 1
                events[id] = (v, e)
                return .written(entry: DeviceEntry(id: id, version: String(v)))
            case .delete(let id):
                events[id] = nil
                return .deleted
            }
        }
    }
}

final class EndToEndTests: XCTestCase {
    var dir: URL!
    var calendarUrl: String!

    override func setUpWithError() throws {
        calendarUrl = "\(try testServer())\(serverUser)/c\(reserveCalendar())/"
        dir = try tempFolder()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testSetUpDiscoversTheCalendarsAndAddsEachTickedOneAsItsOwnCalendar() async throws {
        let first = "c\(reserveCalendar())"
        let second = "c\(reserveCalendar())"
        let phone = try TestPhone(dir, "a")
        // A bare server URL: discovery finds every calendar of the user.
        try await phone.setUp(try testServer()) { [first, second].contains(SetupViewModel.lastPart($0.url)) }
        let found = phone.setup.model.state.calendars
        XCTAssertGreaterThan(found.count, 2)
        XCTAssertEqual(phone.setup.model.state.message, phone.strings.text(.setupAdded, ["count": "2"]))
        let accounts = phone.coordinator.accounts.load()
        XCTAssertEqual(
            accounts.map { SetupViewModel.lastPart($0.calendarURL ?? "") }.sorted(), [first, second].sorted())
        XCTAssertEqual(Set(accounts.map { $0.kitCalendarId }).count, 2, "one EventKit calendar each")
        for a in accounts {
            XCTAssertEqual(phone.store.calendar(id: a.kitCalendarId)?.title, a.calendarName)
            XCTAssertEqual(try phone.coordinator.passwords.password(for: a.name), serverPassword)
        }
        XCTAssertEqual(try phone.coordinator.agent.listAccounts().count, 2)
        XCTAssertEqual(phone.setup.model.state.password, "", "the form forgets the password")

        // Both sync with the button; an event on one lands in its own server calendar only.
        phone.store.userCreate(phone.event("Only in the first"), in: accounts[0].kitCalendarId)
        await phone.main.synchronise()
        XCTAssertEqual(phone.main.state.lastResult?.components(separatedBy: "\n").count, 2)
        let other = try TestPhone(dir, "b")
        let firstPart = SetupViewModel.lastPart(accounts[0].calendarURL ?? "")
        try await other.setUp("\(try testServer())\(serverUser)/\(firstPart)/")
        await other.main.synchronise()
        XCTAssertEqual(other.store.byTitle(other.calendarId).keys.sorted(), ["Only in the first"])

        // A wrong password at discovery says so and adds nothing.
        let third = try TestPhone(dir, "c")
        third.setup.edit {
            $0.serverURL = self.calendarUrl
            $0.username = serverUser
            $0.password = "wrong"
        }
        await third.setup.discover()
        XCTAssertEqual(third.setup.model.state.message, third.strings.text(.resultAuth))
        XCTAssertTrue(third.setup.model.state.calendars.isEmpty)
    }

    func testTheSyncButtonSyncsBothWays() async throws {
        let a = try TestPhone(dir, "a")
        let b = try TestPhone(dir, "b")
        try await a.setUp(calendarUrl)
        try await b.setUp(calendarUrl)
        var states: [MainState] = []
        let statesLock = NSLock()
        a.main.model.observe { s in
            statesLock.lock()
            states.append(s)
            statesLock.unlock()
        }
        a.store.userCreate(a.event("Maths", hour: 0), in: a.calendarId)
        a.store.userCreate(a.event("Physics", day: 1, hour: 2), in: a.calendarId)
        await a.main.synchronise()
        XCTAssertEqual(
            a.main.state.lastResult,
            a.strings.text(.resultOk, [
                "devAdded": "0", "devUpdated": "0", "devDeleted": "0", "srvAdded": "2",
                "srvUpdated": "0", "srvDeleted": "0",
            ]))
        XCTAssertFalse(a.main.state.isSyncing)
        XCTAssertTrue(states.contains { $0.isSyncing }, "the screen showed the sync running")
        XCTAssertTrue(states.contains { $0.progressText != nil }, "and its progress")

        await b.main.synchronise()
        let onB = b.store.byTitle(b.calendarId)
        XCTAssertEqual(onB.keys.sorted(), ["Maths", "Physics"])
        XCTAssertEqual(onB["Physics"]?.event.startDate, a.event("Physics", day: 1, hour: 2).startDate)
        XCTAssertEqual(onB["Physics"]?.event.timeZone, "Europe/Paris")

        b.store.userEdit(onB["Maths"]!.id) { $0.title = "Maths (room 4)" }
        b.store.userDelete(onB["Physics"]!.id)
        await b.main.synchronise()
        await a.main.synchronise()
        XCTAssertEqual(a.store.byTitle(a.calendarId).keys.sorted(), ["Maths (room 4)"])
        XCTAssertTrue(a.main.state.lastResult?.contains("1 changed, 1 removed") ?? false, a.main.state.lastResult ?? "")
        await a.main.synchronise()
        XCTAssertEqual(a.main.state.lastResult, a.strings.text(.resultNothing))
        // Each sync asked for the next background run.
        XCTAssertGreaterThanOrEqual(a.scheduler.submitted.count, 3)
    }

    func testTheStoresOwnWritesDoNotSyncAgainButTheUsersDo() async throws {
        let a = try TestPhone(dir, "a")
        let b = try TestPhone(dir, "b")
        try await a.setUp(calendarUrl)
        try await b.setUp(calendarUrl)
        a.store.userCreate(a.event("Seminar"), in: a.calendarId)
        await a.main.synchronise()
        await b.main.synchronise()
        XCTAssertEqual(b.store.count(b.calendarId), 1)
        // EKEventStoreChanged after the sync's own writes: no new sync.
        let before = b.main.state.syncCount
        let synced = await b.main.storeChanged()
        XCTAssertFalse(synced)
        XCTAssertEqual(b.main.state.syncCount, before)
        // The user's edit: a sync, which brings it to the server.
        b.store.userEdit(b.store.byTitle(b.calendarId)["Seminar"]!.id) { $0.title = "Seminar moved" }
        let syncedNow = await b.main.storeChanged()
        XCTAssertTrue(syncedNow)
        XCTAssertEqual(b.main.state.syncCount, before + 1)
        await a.main.handle(.pullToRefresh)
        XCTAssertEqual(a.store.byTitle(a.calendarId).keys.sorted(), ["Seminar moved"])
    }

    func testAHeldBackSyncShowsTheDeletionsAndAppliesWhenConfirmed() async throws {
        let a = try TestPhone(dir, "a")
        let b = try TestPhone(dir, "b")
        try await a.setUp(calendarUrl)
        try await b.setUp(calendarUrl)
        let ids = (0..<12).map { a.store.userCreate(a.event("Class \($0)", day: $0 / 6, hour: $0 % 6), in: a.calendarId) }
        await a.main.synchronise()
        await b.main.synchronise()
        XCTAssertEqual(b.store.count(b.calendarId), 12)
        ids.forEach { a.store.userDelete($0) }

        await a.main.synchronise()
        let prompt = try XCTUnwrap(a.main.state.heldBack, a.main.state.lastResult ?? "")
        XCTAssertEqual(prompt.deletions.count, 12)
        XCTAssertTrue(prompt.deletions.contains("Class 3 (server)"), "\(prompt.deletions)")
        XCTAssertTrue(prompt.message.contains("12"), prompt.message)
        // Declined: nothing happens on the server.
        a.main.dismissHeldBack()
        XCTAssertNil(a.main.state.heldBack)
        await b.main.synchronise()
        XCTAssertEqual(b.store.count(b.calendarId), 12)

        await a.main.synchronise()
        XCTAssertNotNil(a.main.state.heldBack)
        await a.main.confirmHeldBack()
        XCTAssertNil(a.main.state.heldBack)
        XCTAssertTrue(a.main.state.lastResult?.contains("12 removed") ?? false, a.main.state.lastResult ?? "")
        await b.main.synchronise()
        XCTAssertNotNil(b.main.state.heldBack, "B is asked too before losing 12 events")
        await b.main.confirmHeldBack()
        XCTAssertEqual(b.store.count(b.calendarId), 0)
    }

    func testAWrongPasswordSaysSoAndAsksForItAgain() async throws {
        let a = try TestPhone(dir, "a")
        try await a.setUp(calendarUrl)
        let name = a.account.name
        try a.coordinator.passwords.setPassword("not the password", for: name)
        await a.main.synchronise()
        XCTAssertEqual(a.main.state.lastResult, a.strings.text(.resultAuth))
        XCTAssertEqual(a.main.state.needsPassword, [name])
        XCTAssertEqual(a.scheduler.cancelled, 1, "no background sync while the password is wrong")
        try a.main.setPassword(serverPassword, for: name)
        XCTAssertEqual(a.main.state.needsPassword, [])
        await a.main.synchronise()
        XCTAssertEqual(a.main.state.lastResult, a.strings.text(.resultNothing))
        // French words for the same.
        let fr = MainViewModel(coordinator: a.coordinator, strings: Strings(.fr))
        try a.coordinator.passwords.setPassword("faux", for: name)
        await fr.synchronise()
        XCTAssertEqual(fr.state.lastResult, Strings(.fr).text(.resultAuth))
    }

    func testAnExpiredBackgroundTaskInterruptsTheSyncAndTheNextGoesOn() async throws {
        let a = try TestPhone(dir, "a")
        let b = try TestPhone(dir, "b")
        try await a.setUp(calendarUrl)
        try await b.setUp(calendarUrl)
        for n in 0..<120 { a.store.userCreate(a.event("Talk \(n)", day: n / 24, hour: n % 24), in: a.calendarId) }
        await a.main.synchronise()
        XCTAssertTrue(a.main.state.lastResult?.contains("120 added") ?? false, a.main.state.lastResult ?? "")

        // B's first background run: the system expires the task at B's first commit.
        let task = FakeTask()
        b.store.onCommit = { [weak task] in
            b.store.onCommit = nil
            task?.expirationHandler?()
        }
        let outcomes = await runInBackground(b.background, task)
        XCTAssertEqual(task.completions, [false])
        guard case .failed(.Interrupted) = outcomes.first else {
            return XCTFail("\(outcomes)")
        }
        let partial = b.store.count(b.calendarId)
        XCTAssertLessThan(partial, 120)
        XCTAssertGreaterThan(partial, 0, "stopped after the batch it was applying")
        XCTAssertEqual(b.scheduler.submitted.count, 2, "rescheduled at start and after the run")

        let next = FakeTask()
        _ = await runInBackground(b.background, next)
        XCTAssertEqual(next.completions, [true])
        XCTAssertEqual(b.store.count(b.calendarId), 120)
    }

    func testAttendeesFromTheServerSurviveAnEditOnThePhone() async throws {
        let server = try ServerSide(dir, calendarUrl: calendarUrl)
        var meeting = lecture("meeting-1@example.edu", "Project meeting", day: 2, hour: 1)
        meeting.organizer = Attendee(email: "boss@example.edu", name: "Boss", role: nil, status: nil)
        meeting.attendees = [
            Attendee(email: "test@example.edu", name: "Test", role: .required, status: .accepted),
            Attendee(email: "other@example.edu", name: "Other", role: .optional, status: .needsAction),
        ]
        meeting.categories = ["Projects"]
        server.events[meeting.uid] = (1, meeting)
        try server.sync()

        let a = try TestPhone(dir, "a")
        try await a.setUp(calendarUrl)
        await a.main.synchronise()
        let onPhone = try XCTUnwrap(a.store.byTitle(a.calendarId)["Project meeting"])
        XCTAssertTrue(onPhone.event.attendees.isEmpty, "EventKit holds no attendee we wrote")
        a.store.userEdit(onPhone.id) {
            $0.title = "Project meeting (moved)"
            $0.startDate = $0.startDate.addingTimeInterval(3600)
            $0.endDate = $0.endDate.addingTimeInterval(3600)
        }
        await a.main.synchronise()
        XCTAssertTrue(a.main.state.lastResult?.contains("Server: 0 added, 1 changed") ?? false, a.main.state.lastResult ?? "")

        try server.sync()
        let back = try XCTUnwrap(server.events[meeting.uid]?.1)
        XCTAssertEqual(back.summary, "Project meeting (moved)")
        XCTAssertEqual(back.start, .timed(epochMs: monday8utc + 2 * 86_400_000 + 2 * 3_600_000, zone: "Europe/Paris"))
        XCTAssertEqual(back.attendees.map { $0.email }, ["test@example.edu", "other@example.edu"])
        XCTAssertEqual(back.attendees.map { $0.status }, [.accepted, .needsAction])
        XCTAssertEqual(back.organizer?.email, "boss@example.edu")
        XCTAssertEqual(back.categories, ["Projects"])
    }

    func testHistoryConflictsAndBackupsWithADryRunRestore() async throws {
        let a = try TestPhone(dir, "a")
        let b = try TestPhone(dir, "b")
        try await a.setUp(calendarUrl)
        try await b.setUp(calendarUrl)
        a.store.userCreate(a.event("Exam"), in: a.calendarId)
        a.store.userCreate(a.event("Review", day: 1), in: a.calendarId)
        await a.main.synchronise()
        await b.main.synchronise()
        // Both change the exam: the server's (B's, first) wins, A's is kept as a conflict copy.
        b.store.userEdit(b.store.byTitle(b.calendarId)["Exam"]!.id) { $0.title = "Exam (room 1)" }
        a.store.userEdit(a.store.byTitle(a.calendarId)["Exam"]!.id) { $0.title = "Exam (room 2)" }
        await b.main.synchronise()
        await a.main.synchronise()
        XCTAssertEqual(a.store.byTitle(a.calendarId).keys.sorted(), ["Exam (room 1)", "Review"])

        let history = HistoryViewModel(coordinator: a.coordinator, strings: a.strings)
        await history.load()
        let lines = history.model.state
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].text.contains("Phone: 0 added, 1 changed"), lines[0].text)
        XCTAssertTrue(lines[1].text.contains("Server: 2 added"), lines[1].text)

        let conflicts = ConflictsViewModel(coordinator: a.coordinator, strings: a.strings)
        await conflicts.load()
        XCTAssertEqual(conflicts.model.state.count, 1)
        XCTAssertTrue(conflicts.model.state[0].text.hasPrefix("Exam (room 2): the phone version"), conflicts.model.state[0].text)
        XCTAssertTrue(conflicts.model.state[0].ics.contains("SUMMARY:Exam (room 2)"))
        await conflicts.dismiss(id: conflicts.model.state[0].id)
        XCTAssertEqual(conflicts.model.state, [])
        XCTAssertEqual(try a.coordinator.agent.conflicts(account: nil), [])

        let backups = BackupsViewModel(coordinator: a.coordinator, strings: a.strings)
        await backups.load()
        let all = backups.model.state.backups
        XCTAssertFalse(all.isEmpty)
        // The first backup held nothing; restoring it would remove what was added since,
        // which only a confirmed restore does: the dry run changes nothing.
        let oldest = try XCTUnwrap(all.last)
        await backups.dryRun(oldest.id)
        let report = try XCTUnwrap(backups.model.state.lastReport, backups.model.state.message ?? "")
        XCTAssertTrue(report.dryRun)
        XCTAssertTrue(backups.model.state.message?.hasPrefix("A restore would") ?? false, backups.model.state.message ?? "")
        XCTAssertEqual(a.store.count(a.calendarId), 2)
        await a.main.synchronise()
        XCTAssertEqual(a.main.state.lastResult, a.strings.text(.resultNothing))
    }
}

/// Runs a background refresh task to its end.
func runInBackground(_ bg: BackgroundRefresh, _ task: FakeTask) async -> [SyncOutcome] {
    await withCheckedContinuation { c in bg.run(task) { c.resume(returning: $0) } }
}
