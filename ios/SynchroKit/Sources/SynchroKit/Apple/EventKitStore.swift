// `EKEventStore` as a `KitCalendarStore`: the permission flow (full access on iOS 17+, the
// older request before), one calendar of our own per account, the events of a calendar
// with versions from `lastModifiedDate`, writes with `commit: false` and one commit per
// batch, detached and removed occurrences of recurring events. Apple platforms only; the
// copying between EKEvent and KitEvent is all this file does.
#if canImport(EventKit)
import CoreGraphics
import EventKit
import Foundation

/// The phone's calendars through EventKit.
public final class EventKitStore: KitCalendarStore, @unchecked Sendable {
    /// The store (one per app, as Apple recommends).
    public let store = EKEventStore()
    /// How far back and ahead events are listed (EventKit lists by date range only).
    public var pastYears = 5
    public var futureYears = 5

    /// The store.
    public init() {}

    public func requestAccess() async -> Bool {
        do {
            if #available(iOS 17.0, macOS 14.0, *) {
                return try await store.requestFullAccessToEvents()
            }
            return try await store.requestAccess(to: .event)
        } catch {
            return false
        }
    }

    private var authorized: Bool {
        let status = EKEventStore.authorizationStatus(for: .event)
        if #available(iOS 17.0, macOS 14.0, *) { return status == .fullAccess }
        return status == .authorized
    }

    public func createCalendar(title: String, color: String?) throws -> KitCalendar {
        guard authorized else { throw KitStoreError.accessDenied }
        let cal = EKCalendar(for: .event, eventStore: store)
        cal.title = title
        if let color, let cg = Self.cgColor(color) { cal.cgColor = cg }
        // A calendar of our own in the phone's local source (or the default calendar's one
        // when iCloud hides the local source).
        cal.source = store.sources.first { $0.sourceType == .local }
            ?? store.defaultCalendarForNewEvents?.source
        do {
            try store.saveCalendar(cal, commit: true)
        } catch {
            throw KitStoreError.refused(error.localizedDescription)
        }
        return KitCalendar(id: cal.calendarIdentifier, title: cal.title, color: color)
    }

    public func calendar(id: String) -> KitCalendar? {
        guard authorized, let c = store.calendar(withIdentifier: id) else { return nil }
        return KitCalendar(id: c.calendarIdentifier, title: c.title, color: nil)
    }

    private func ekCalendar(_ id: String) throws -> EKCalendar {
        guard authorized else { throw KitStoreError.accessDenied }
        guard let c = store.calendar(withIdentifier: id) else { throw KitStoreError.noCalendar(id) }
        return c
    }

    /// Every occurrence of the calendar's events in the listing range, a year at a time
    /// (EventKit's predicates span at most four years).
    private func occurrences(_ cal: EKCalendar) -> [EKEvent] {
        let now = Date()
        var out: [EKEvent] = []
        var from = Calendar.current.date(byAdding: .year, value: -pastYears, to: now)!
        let end = Calendar.current.date(byAdding: .year, value: futureYears, to: now)!
        while from < end {
            let to = min(Calendar.current.date(byAdding: .year, value: 1, to: from)!, end)
            out += store.events(matching: store.predicateForEvents(withStart: from, end: to, calendars: [cal]))
            from = to
        }
        return out
    }

    public func entries(calendarId: String) throws -> [KitEntry] {
        let cal = try ekCalendar(calendarId)
        // One entry per series: the version moves with the series and any detached occurrence.
        var versions: [String: Date] = [:]
        var order: [String] = []
        for e in occurrences(cal) {
            let id = e.calendarItemIdentifier
            let modified = e.lastModifiedDate ?? e.creationDate ?? .distantPast
            if versions[id] == nil { order.append(id) }
            versions[id] = max(versions[id] ?? .distantPast, modified)
        }
        return order.map { KitEntry(id: $0, version: Self.version(versions[$0]!)) }
    }

    public func version(id: String) throws -> String? {
        guard authorized else { throw KitStoreError.accessDenied }
        guard let e = store.calendarItem(withIdentifier: id) as? EKEvent else { return nil }
        var latest = e.lastModifiedDate ?? e.creationDate ?? .distantPast
        if e.hasRecurrenceRules {
            for o in seriesOccurrences(e) where o.isDetached {
                latest = max(latest, o.lastModifiedDate ?? .distantPast)
            }
        }
        return Self.version(latest)
    }

    private static func version(_ d: Date) -> String {
        String(Int64((d.timeIntervalSince1970 * 1000).rounded()))
    }

    private func seriesOccurrences(_ e: EKEvent) -> [EKEvent] {
        guard let cal = e.calendar else { return [] }
        return occurrences(cal).filter { $0.calendarItemIdentifier == e.calendarItemIdentifier }
    }

    public func event(id: String) throws -> KitEvent? {
        guard authorized else { throw KitStoreError.accessDenied }
        guard let e = store.calendarItem(withIdentifier: id) as? EKEvent else { return nil }
        var k = KitEvent(startDate: e.startDate, endDate: e.endDate)
        k.title = e.title
        k.notes = e.notes
        k.location = e.location
        k.url = e.url
        k.isAllDay = e.isAllDay
        k.timeZone = e.isAllDay ? nil : e.timeZone?.identifier
        k.availability = Self.availability(e.availability)
        k.status = Self.status(e.status)
        k.organizer = e.organizer.map(Self.participant)
        k.attendees = (e.attendees ?? []).map(Self.participant)
        k.externalIdentifier = e.calendarItemExternalIdentifier
        k.alarms = (e.alarms ?? []).map { a in
            a.absoluteDate.map(KitAlarm.absolute) ?? .relative(a.relativeOffset)
        }
        if let rule = e.recurrenceRules?.first {
            k.recurrenceRule = Self.kitRule(rule)
            let series = seriesOccurrences(e)
            let first = series.first.flatMap { $0.occurrenceDate } ?? e.startDate!
            k.startDate = first
            k.endDate = first.addingTimeInterval(e.endDate.timeIntervalSince(e.startDate))
            k.detachedOccurrences = series.filter { $0.isDetached }.map { o in
                KitOccurrence(
                    occurrenceDate: o.occurrenceDate, startDate: o.startDate, endDate: o.endDate,
                    title: o.title, notes: o.notes, location: o.location)
            }
            // EventKit does not list removed occurrences: they are the expected dates of the
            // rule that no occurrence answers.
            let present = Set(series.compactMap { $0.occurrenceDate })
            k.removedOccurrences = RuleDates.expected(k.recurrenceRule!, from: first, zone: e.timeZone ?? .current, limit: present.max() ?? first)
                .filter { !present.contains($0) }
        }
        return k
    }

    public func save(_ k: KitEvent, id: String?, calendarId: String) throws -> String {
        let cal = try ekCalendar(calendarId)
        let e: EKEvent
        if let id {
            guard let found = store.calendarItem(withIdentifier: id) as? EKEvent else {
                throw KitStoreError.noEvent(id)
            }
            e = found
        } else {
            e = EKEvent(eventStore: store)
            e.calendar = cal
        }
        e.title = k.title
        e.notes = k.notes
        e.location = k.location
        e.url = k.url
        e.isAllDay = k.isAllDay
        e.timeZone = k.timeZone.flatMap(TimeZone.init(identifier:))
        e.startDate = k.startDate
        e.endDate = k.endDate
        e.availability = Self.ekAvailability(k.availability)
        e.alarms = k.alarms.map { a in
            switch a {
            case .relative(let s): return EKAlarm(relativeOffset: s)
            case .absolute(let d): return EKAlarm(absoluteDate: d)
            }
        }
        e.recurrenceRules = k.recurrenceRule.map { [Self.ekRule($0)] }
        do {
            try store.save(e, span: .futureEvents, commit: false)
            if k.recurrenceRule != nil && (!k.detachedOccurrences.isEmpty || !k.removedOccurrences.isEmpty) {
                // Occurrences of a new series exist once it is committed.
                try store.commit()
                try applyOccurrences(k, of: e)
            }
        } catch let error as KitStoreError {
            throw error
        } catch {
            throw KitStoreError.refused(error.localizedDescription)
        }
        return e.calendarItemIdentifier
    }

    private func applyOccurrences(_ k: KitEvent, of e: EKEvent) throws {
        let series = seriesOccurrences(e)
        func at(_ d: Date) -> EKEvent? { series.first { $0.occurrenceDate == d } }
        for d in k.removedOccurrences {
            if let o = at(d) { try store.remove(o, span: .thisEvent, commit: false) }
        }
        for x in k.detachedOccurrences {
            guard let o = at(x.occurrenceDate) else { continue }
            o.startDate = x.startDate
            o.endDate = x.endDate
            o.title = x.title
            o.notes = x.notes
            o.location = x.location
            try store.save(o, span: .thisEvent, commit: false)
        }
    }

    public func remove(id: String) throws {
        guard authorized else { throw KitStoreError.accessDenied }
        guard let e = store.calendarItem(withIdentifier: id) as? EKEvent else {
            throw KitStoreError.noEvent(id)
        }
        do {
            try store.remove(e, span: .futureEvents, commit: false)
        } catch {
            throw KitStoreError.refused(error.localizedDescription)
        }
    }

    public func commit() throws {
        do {
            try store.commit()
        } catch {
            throw KitStoreError.refused(error.localizedDescription)
        }
    }

    public func reset() { store.reset() }

    // MARK: conversions

    private static func availability(_ a: EKEventAvailability) -> KitAvailability {
        switch a {
        case .free: return .free
        case .tentative: return .tentative
        case .unavailable: return .unavailable
        case .notSupported: return .notSupported
        default: return .busy
        }
    }

    private static func ekAvailability(_ a: KitAvailability) -> EKEventAvailability {
        switch a {
        case .free: return .free
        case .tentative: return .tentative
        case .unavailable: return .unavailable
        case .notSupported: return .notSupported
        case .busy: return .busy
        }
    }

    private static func status(_ s: EKEventStatus) -> KitStatus {
        switch s {
        case .confirmed: return .confirmed
        case .tentative: return .tentative
        case .canceled: return .canceled
        default: return .none
        }
    }

    private static func participant(_ p: EKParticipant) -> KitParticipant {
        let email = p.url.absoluteString.replacingOccurrences(of: "mailto:", with: "")
        let role: KitParticipantRole
        switch p.participantRole {
        case .required: role = .required
        case .optional: role = .optional
        case .chair: role = .chair
        case .nonParticipant: role = .nonParticipant
        default: role = .unknown
        }
        let status: KitParticipantStatus
        switch p.participantStatus {
        case .pending: status = .pending
        case .accepted: status = .accepted
        case .declined: status = .declined
        case .tentative: status = .tentative
        case .delegated: status = .delegated
        default: status = .unknown
        }
        return KitParticipant(email: email, name: p.name, role: role, status: status)
    }

    private static func kitRule(_ r: EKRecurrenceRule) -> KitRecurrenceRule {
        let freq: KitFrequency
        switch r.frequency {
        case .daily: freq = .daily
        case .weekly: freq = .weekly
        case .monthly: freq = .monthly
        default: freq = .yearly
        }
        var k = KitRecurrenceRule(frequency: freq)
        k.interval = r.interval
        k.firstDayOfWeek = r.firstDayOfTheWeek == 0 ? nil : r.firstDayOfTheWeek
        k.daysOfWeek = (r.daysOfTheWeek ?? []).map {
            KitDayOfWeek(weekday: $0.dayOfTheWeek.rawValue, week: $0.weekNumber)
        }
        k.daysOfMonth = (r.daysOfTheMonth ?? []).map { $0.intValue }
        k.monthsOfYear = (r.monthsOfTheYear ?? []).map { $0.intValue }
        k.weeksOfYear = (r.weeksOfTheYear ?? []).map { $0.intValue }
        k.daysOfYear = (r.daysOfTheYear ?? []).map { $0.intValue }
        k.setPositions = (r.setPositions ?? []).map { $0.intValue }
        if let end = r.recurrenceEnd {
            k.end = end.endDate.map(KitRecurrenceEnd.until) ?? .count(end.occurrenceCount)
        }
        return k
    }

    private static func ekRule(_ k: KitRecurrenceRule) -> EKRecurrenceRule {
        let freq: EKRecurrenceFrequency
        switch k.frequency {
        case .daily: freq = .daily
        case .weekly: freq = .weekly
        case .monthly: freq = .monthly
        case .yearly: freq = .yearly
        }
        func nums(_ v: [Int]) -> [NSNumber]? { v.isEmpty ? nil : v.map { NSNumber(value: $0) } }
        let days = k.daysOfWeek.compactMap { d -> EKRecurrenceDayOfWeek? in
            guard let w = EKWeekday(rawValue: d.weekday) else { return nil }
            return d.week == 0 ? EKRecurrenceDayOfWeek(w) : EKRecurrenceDayOfWeek(w, weekNumber: d.week)
        }
        let end: EKRecurrenceEnd?
        switch k.end {
        case .count(let n): end = EKRecurrenceEnd(occurrenceCount: n)
        case .until(let d): end = EKRecurrenceEnd(end: d)
        case nil: end = nil
        }
        let rule = EKRecurrenceRule(
            recurrenceWith: freq, interval: k.interval, daysOfTheWeek: days.isEmpty ? nil : days,
            daysOfTheMonth: nums(k.daysOfMonth), monthsOfTheYear: nums(k.monthsOfYear),
            weeksOfTheYear: nums(k.weeksOfYear), daysOfTheYear: nums(k.daysOfYear),
            setPositions: nums(k.setPositions), end: end)
        // EventKit's firstDayOfTheWeek is read-only: WKST stays in the shadow file's RRULE.
        return rule
    }

    private static func cgColor(_ hex: String) -> CGColor? {
        let s = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
        return CGColor(
            red: CGFloat((v >> 16) & 0xff) / 255, green: CGFloat((v >> 8) & 0xff) / 255,
            blue: CGFloat(v & 0xff) / 255, alpha: 1)
    }
}
#endif
