// The bindings' `DeviceCalendar` over a `KitCalendarStore` (EventKit on the phone): lists,
// reads and writes one calendar's events in batches, one outcome per op, keeping the shadow
// file in step with every commit.
import Foundation
import SynchroFFI

/// One account's EventKit calendar as the core's device calendar.
public final class KitDevice: DeviceCalendar, @unchecked Sendable {
    /// Writes committed at once.
    public static let batchSize = 50

    private let store: KitCalendarStore
    private let kitCalendarId: String
    private let shadow: ShadowFile
    private let mapper: EventMapper

    /// The device over calendar `calendarId` of `store`, its shadow file at `shadowURL`.
    public init(
        store: KitCalendarStore, calendarId: String, shadowURL: URL,
        mapper: EventMapper = EventMapper()
    ) throws {
        self.store = store
        self.kitCalendarId = calendarId
        self.shadow = try ShadowFile(url: shadowURL)
        self.mapper = mapper
    }

    /// Identifiers and versions of the calendar's events now.
    public func snapshot() throws -> [String: String] {
        Dictionary(try list().map { ($0.id, $0.version) }, uniquingKeysWith: { a, _ in a })
    }

    public func calendarId() throws -> String {
        guard store.calendar(id: kitCalendarId) != nil else {
            throw SyncError.Device(detail: "the calendar was deleted on the phone")
        }
        return kitCalendarId
    }

    public func list() throws -> [DeviceEntry] {
        do {
            return try store.entries(calendarId: kitCalendarId).map {
                DeviceEntry(id: $0.id, version: $0.version)
            }
        } catch {
            throw deviceError(error)
        }
    }

    public func fetch(ids: [String]) throws -> [DeviceEvent] {
        var out: [DeviceEvent] = []
        for id in ids {
            let kit: KitEvent?
            let version: String?
            do {
                kit = try store.event(id: id)
                version = try store.version(id: id)
            } catch {
                throw deviceError(error)
            }
            guard let kit, let version else { continue }
            let event = ShadowMerge.event(kit, id: id, shadow: shadow[id], mapper: mapper)
            out.append(DeviceEvent(entry: DeviceEntry(id: id, version: version), event: event))
        }
        return out
    }

    public func apply(ops: [DeviceOp]) throws -> [DeviceOutcome] {
        var outcomes: [DeviceOutcome] = []
        var start = 0
        while start < ops.count {
            let batch = Array(ops[start..<min(start + Self.batchSize, ops.count)])
            outcomes += try applyBatch(batch)
            start += batch.count
        }
        return outcomes
    }

    /// Saves a batch, commits it once, then reads back versions and the shadow entries.
    private func applyBatch(_ ops: [DeviceOp]) throws -> [DeviceOutcome] {
        enum Done {
            case written(String, Event)
            case deleted(String)
            case failed(String)
        }
        var done: [Done] = []
        for op in ops {
            do {
                switch op {
                case .create(let event):
                    let id = try store.save(mapper.kitEvent(event), id: nil, calendarId: kitCalendarId)
                    done.append(.written(id, event))
                case .update(let id, let event):
                    guard try store.event(id: id) != nil else {
                        done.append(.failed("the event is no longer on the phone"))
                        continue
                    }
                    let saved = try store.save(mapper.kitEvent(event), id: id, calendarId: kitCalendarId)
                    done.append(.written(saved, event))
                case .delete(let id):
                    do {
                        try store.remove(id: id)
                    } catch KitStoreError.noEvent {
                        // Already gone counts as deleted.
                    }
                    done.append(.deleted(id))
                }
            } catch {
                done.append(.failed(describe(error)))
            }
        }
        do {
            try store.commit()
        } catch {
            store.reset()
            throw deviceError(error)
        }
        var shadowChanges: [String: ShadowEntry?] = [:]
        var outcomes: [DeviceOutcome] = []
        for d in done {
            switch d {
            case .written(let id, let event):
                guard let version = try? store.version(id: id), let kit = try? store.event(id: id)
                else {
                    outcomes.append(.failed(message: "the event was not saved"))
                    continue
                }
                shadowChanges[id] = ShadowMerge.entry(for: event, kit: kit)
                outcomes.append(.written(entry: DeviceEntry(id: id, version: version)))
            case .deleted(let id):
                shadowChanges[id] = .some(nil)
                outcomes.append(.deleted)
            case .failed(let message):
                outcomes.append(.failed(message: message))
            }
        }
        do {
            try shadow.update(shadowChanges)
        } catch {
            throw SyncError.Device(detail: "cannot save the shadow file: \(error)")
        }
        return outcomes
    }

    private func describe(_ error: Error) -> String {
        switch error {
        case KitStoreError.accessDenied: return "no access to the calendars"
        case KitStoreError.noCalendar: return "the calendar was deleted on the phone"
        case KitStoreError.noEvent: return "the event is no longer on the phone"
        case KitStoreError.refused(let why): return "the calendar refused the event: \(why)"
        default: return String(describing: error)
        }
    }

    private func deviceError(_ error: Error) -> Error {
        if error is SyncError { return error }
        return SyncError.Device(detail: describe(error))
    }
}
