// An in-memory stand-in for EKEventStore with EventKit's rules: writes are seen after
// commit, attendees, organizer, status and the external identifier are read-only (EventKit
// assigns the identifier), every change moves the version. Plus the user's own edits in
// the Calendar app and fault injection.
import Foundation
@testable import SynchroKit

final class MemoryKitStore: KitCalendarStore, @unchecked Sendable {
    private let lock = NSLock()
    private var calendars: [String: KitCalendar] = [:]
    private var events: [String: (calendar: String, event: KitEvent, version: Int)] = [:]
    private var order: [String] = []
    private var pending: [(id: String, calendar: String, event: KitEvent?)] = []
    private var counter = 0
    var granted = true
    var failCommit: KitStoreError?
    /// Called at each commit, before it applies.
    var onCommit: (() -> Void)?
    private(set) var commits = 0

    func requestAccess() async -> Bool { granted }

    private func next() -> Int {
        counter += 1
        return counter
    }

    func createCalendar(title: String, color: String?) throws -> KitCalendar {
        lock.lock()
        defer { lock.unlock() }
        guard granted else { throw KitStoreError.accessDenied }
        let c = KitCalendar(id: "cal-\(next())", title: title, color: color)
        calendars[c.id] = c
        return c
    }

    func calendar(id: String) -> KitCalendar? {
        lock.lock()
        defer { lock.unlock() }
        return calendars[id]
    }

    func deleteCalendar(id: String) {
        lock.lock()
        defer { lock.unlock() }
        calendars[id] = nil
    }

    func entries(calendarId: String) throws -> [KitEntry] {
        lock.lock()
        defer { lock.unlock() }
        guard granted else { throw KitStoreError.accessDenied }
        guard calendars[calendarId] != nil else { throw KitStoreError.noCalendar(calendarId) }
        return order.compactMap { id in
            events[id].flatMap { $0.calendar == calendarId ? KitEntry(id: id, version: "v\($0.version)") : nil }
        }
    }

    func version(id: String) throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        return events[id].map { "v\($0.version)" }
    }

    func event(id: String) throws -> KitEvent? {
        lock.lock()
        defer { lock.unlock() }
        guard granted else { throw KitStoreError.accessDenied }
        return events[id]?.event
    }

    func save(_ event: KitEvent, id: String?, calendarId: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        guard calendars[calendarId] != nil else { throw KitStoreError.noCalendar(calendarId) }
        if event.title == "refuse me" { throw KitStoreError.refused("test") }
        let key = id ?? "ek-\(next())"
        pending.append((key, calendarId, event))
        return key
    }

    func remove(id: String) throws {
        lock.lock()
        defer { lock.unlock() }
        guard let e = events[id] else { throw KitStoreError.noEvent(id) }
        pending.append((id, e.calendar, nil))
    }

    func commit() throws {
        onCommit?()
        lock.lock()
        defer { lock.unlock() }
        if let f = failCommit { throw f }
        commits += 1
        for p in pending {
            if let new = p.event {
                var stored = new
                if let old = events[p.id] {
                    // Read-only in EventKit: what the store has stays.
                    stored.attendees = old.event.attendees
                    stored.organizer = old.event.organizer
                    stored.status = old.event.status
                    stored.externalIdentifier = old.event.externalIdentifier
                } else {
                    stored.attendees = []
                    stored.organizer = nil
                    stored.status = .none
                    stored.externalIdentifier = "EK-\(UUID().uuidString)"
                    order.append(p.id)
                }
                events[p.id] = (p.calendar, stored, next())
            } else {
                events[p.id] = nil
                order.removeAll { $0 == p.id }
            }
        }
        pending = []
    }

    func reset() {
        lock.lock()
        defer { lock.unlock() }
        pending = []
    }

    // The user, in the Calendar app.

    @discardableResult
    func userCreate(_ event: KitEvent, in calendarId: String) -> String {
        let id = try! save(event, id: nil, calendarId: calendarId)
        try! commit()
        return id
    }

    func userEdit(_ id: String, _ change: (inout KitEvent) -> Void) {
        lock.lock()
        var e = events[id]!.event
        lock.unlock()
        change(&e)
        _ = try! save(e, id: id, calendarId: events[id]!.calendar)
        try! commit()
    }

    func userDelete(_ id: String) {
        try! remove(id: id)
        try! commit()
    }

    /// Events of a calendar by title.
    func byTitle(_ calendarId: String) -> [String: (id: String, event: KitEvent)] {
        lock.lock()
        defer { lock.unlock() }
        var out: [String: (String, KitEvent)] = [:]
        for (id, e) in events where e.calendar == calendarId { out[e.event.title ?? ""] = (id, e.event) }
        return out
    }

    func count(_ calendarId: String) -> Int { (try? entries(calendarId: calendarId).count) ?? 0 }

    /// Sets an event's read-only fields as an invitation would.
    func setReadOnly(_ id: String, attendees: [KitParticipant], status: KitStatus) {
        lock.lock()
        defer { lock.unlock() }
        events[id]!.event.attendees = attendees
        events[id]!.event.status = status
    }
}
