// The bindings' `Event` to and from `KitEvent`, EventKit's shape: zones, floating times,
// all-day events (EventKit's end is the last day itself), recurrence EventKit can hold,
// exceptions and removed occurrences, alarms, attendees, status and availability.
import Foundation
import SynchroFFI

/// Maps events between the core and EventKit's shape. Floating times and all-day dates are
/// read in `deviceZone`, the phone's zone, as EventKit does.
public struct EventMapper: Sendable {
    /// The phone's time zone.
    public var deviceZone: TimeZone

    /// A mapper for this zone.
    public init(deviceZone: TimeZone = .current) { self.deviceZone = deviceZone }

    private static let utc = TimeZone(identifier: "UTC")!

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = deviceZone
        return c
    }

    // MARK: times

    /// The EventKit instant, all-day flag and zone of a core time.
    public func kitTime(_ t: EventTime) -> (date: Date, allDay: Bool, zone: String?) {
        switch t {
        case .allDay(let d):
            return (midnight(d), true, nil)
        case .timed(let ms, let zone):
            let instant = Date(timeIntervalSince1970: Double(ms) / 1000)
            if let zone, zone == "UTC" || TimeZone(identifier: zone) != nil {
                return (instant, false, zone)
            }
            // Floating (or a zone nobody knows): the wall-clock time, read in the phone's zone.
            return (wallClock(instant, from: Self.utc, to: deviceZone), false, nil)
        }
    }

    /// The core time of an EventKit instant.
    public func coreTime(_ date: Date, allDay: Bool, zone: String?) -> EventTime {
        if allDay { return .allDay(date: calendarDate(date)) }
        if let zone { return .timed(epochMs: ms(date), zone: zone) }
        return .timed(epochMs: ms(wallClock(date, from: deviceZone, to: Self.utc)), zone: nil)
    }

    private func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    private func midnight(_ d: CalendarDate) -> Date {
        calendar.date(from: DateComponents(year: Int(d.year), month: Int(d.month), day: Int(d.day)))!
    }

    private func calendarDate(_ date: Date) -> CalendarDate {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return CalendarDate(year: Int32(c.year!), month: UInt32(c.month!), day: UInt32(c.day!))
    }

    private func wallClock(_ d: Date, from: TimeZone, to: TimeZone) -> Date {
        var a = Calendar(identifier: .gregorian)
        a.timeZone = from
        var b = a
        b.timeZone = to
        let c = a.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: d)
        return b.date(from: c)!
    }

    // MARK: event to EventKit

    /// The EventKit event for a core event (the fields EventKit can hold).
    public func kitEvent(_ e: Event) -> KitEvent {
        let start = kitTime(e.start)
        var out = KitEvent(startDate: start.date, endDate: start.date)
        out.isAllDay = start.allDay
        out.timeZone = start.zone
        out.endDate = kitEnd(start: e.start, end: e.end)
        out.title = e.summary
        out.notes = e.description
        out.location = e.location
        out.url = e.url.flatMap(URL.init(string:))
        out.recurrenceRule = e.rrule.flatMap { RecurrenceRuleCodec.decode($0, floatingZone: zoneOf(e.start)) }
        var removed = DateLists.split(e.exdate).compactMap {
            DateLists.parseInstant($0, floatingZone: zoneOf(e.start))
        }
        for x in e.exceptions {
            let original = kitTime(x.recurrenceId).date
            if x.status == .cancelled {
                removed.append(original)
                continue
            }
            let s = kitTime(x.start).date
            out.detachedOccurrences.append(
                KitOccurrence(
                    occurrenceDate: original, startDate: s,
                    endDate: kitEnd(start: x.start, end: x.end), title: x.summary ?? e.summary,
                    notes: x.description ?? e.description, location: x.location ?? e.location))
        }
        out.removedOccurrences = removed
        out.alarms = e.alarms.map { kitAlarm($0, event: e) }
        out.availability = e.availability == .free ? .free : .busy
        out.status = kitStatus(e.status)
        out.organizer = e.organizer.map(participant)
        out.attendees = e.attendees.map(participant)
        out.externalIdentifier = e.uid
        return out
    }

    private func zoneOf(_ t: EventTime) -> TimeZone {
        if case .timed(_, let z?) = t, let tz = TimeZone(identifier: z) { return tz }
        return deviceZone
    }

    private func kitEnd(start: EventTime, end: EventTime?) -> Date {
        let s = kitTime(start)
        guard let end else { return s.allDay ? s.date.addingTimeInterval(86_399) : s.date }
        let e = kitTime(end).date
        if s.allDay {
            // EventKit's all-day end is the last day, 23:59:59; the core's is the next day.
            let last = calendar.date(byAdding: .day, value: -1, to: e)!
            return max(last, s.date).addingTimeInterval(86_399)
        }
        return max(e, s.date)
    }

    private func kitAlarm(_ a: Alarm, event e: Event) -> KitAlarm {
        switch a.trigger {
        case .beforeStart(let m): return .relative(-Double(m) * 60)
        case .beforeEnd(let m):
            let s = kitTime(e.start).date
            let end = kitEnd(start: e.start, end: e.end)
            return .relative(end.timeIntervalSince(s) - Double(m) * 60)
        case .at(let ms): return .absolute(Date(timeIntervalSince1970: Double(ms) / 1000))
        }
    }

    private func kitStatus(_ s: EventStatus?) -> KitStatus {
        switch s {
        case .confirmed: return .confirmed
        case .tentative: return .tentative
        case .cancelled: return .canceled
        case nil: return .none
        }
    }

    private func participant(_ a: Attendee) -> KitParticipant {
        let role: KitParticipantRole
        switch a.role {
        case .chair: role = .chair
        case .required: role = .required
        case .optional: role = .optional
        case .nonParticipant: role = .nonParticipant
        case nil: role = .unknown
        }
        let status: KitParticipantStatus
        switch a.status {
        case .needsAction: status = .pending
        case .accepted: status = .accepted
        case .declined: status = .declined
        case .tentative: status = .tentative
        case .delegated: status = .delegated
        case nil: status = .unknown
        }
        return KitParticipant(email: a.email, name: a.name, role: role, status: status)
    }

    // MARK: EventKit to event

    /// The core event for an EventKit event with this UID.
    public func event(_ k: KitEvent, uid: String) -> Event {
        let start = coreTime(k.startDate, allDay: k.isAllDay, zone: k.timeZone)
        let end = coreEnd(k, start: k.startDate, end: k.endDate)
        var e = Event(uid: uid, start: start, availability: k.availability == .free ? .free : .busy)
        e.end = end
        e.summary = k.title
        e.description = k.notes
        e.location = k.location
        e.url = k.url?.absoluteString
        e.rrule = k.recurrenceRule.map(RecurrenceRuleCodec.encode)
        if k.recurrenceRule != nil {
            let ex = k.removedOccurrences.sorted().map { listValue($0, of: k) }
            e.exdate = ex.isEmpty ? nil : ex.joined(separator: ",")
            e.exceptions = k.detachedOccurrences.map { o in
                EventException(
                    recurrenceId: coreTime(o.occurrenceDate, allDay: k.isAllDay, zone: k.timeZone),
                    start: coreTime(o.startDate, allDay: k.isAllDay, zone: k.timeZone),
                    end: coreEnd(k, start: o.startDate, end: o.endDate),
                    summary: o.title, description: o.notes, location: o.location, status: nil)
            }
        }
        e.alarms = k.alarms.map { a in
            switch a {
            case .relative(let s):
                return Alarm(trigger: .beforeStart(minutes: Int64((-s / 60).rounded())), action: .display, description: nil)
            case .absolute(let d):
                return Alarm(trigger: .at(epochMs: ms(d)), action: .display, description: nil)
            }
        }
        switch k.status {
        case .confirmed: e.status = .confirmed
        case .tentative: e.status = .tentative
        case .canceled: e.status = .cancelled
        case .none: e.status = nil
        }
        e.organizer = k.organizer.map(attendee)
        e.attendees = k.attendees.map(attendee)
        return e
    }

    private func coreEnd(_ k: KitEvent, start: Date, end: Date) -> EventTime {
        if k.isAllDay {
            let last = calendar.startOfDay(for: max(end, start))
            return coreTime(calendar.date(byAdding: .day, value: 1, to: last)!, allDay: true, zone: nil)
        }
        return coreTime(max(end, start), allDay: false, zone: k.timeZone)
    }

    private func listValue(_ d: Date, of k: KitEvent) -> String {
        if k.isAllDay { return DateLists.formatDate(d, zone: deviceZone) }
        if k.timeZone != nil { return DateLists.formatUTC(d) }
        return String(DateLists.formatUTC(wallClock(d, from: deviceZone, to: Self.utc)).dropLast())
    }

    private func attendee(_ p: KitParticipant) -> Attendee {
        let role: AttendeeRole?
        switch p.role {
        case .chair: role = .chair
        case .required: role = .required
        case .optional: role = .optional
        case .nonParticipant: role = .nonParticipant
        case .unknown: role = nil
        }
        let status: ParticipationStatus?
        switch p.status {
        case .pending: status = .needsAction
        case .accepted: status = .accepted
        case .declined: status = .declined
        case .tentative: status = .tentative
        case .delegated: status = .delegated
        case .unknown: status = nil
        }
        return Attendee(email: p.email, name: p.name, role: role, status: status)
    }
}
