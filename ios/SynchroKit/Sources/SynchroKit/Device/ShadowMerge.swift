// Combines an event read from EventKit with its shadow entry, and builds the entry for an
// event written: the one place that decides which side of a field wins.
import Foundation
import SynchroFFI

/// Merging the shadow file into events read from EventKit.
public enum ShadowMerge {
    /// The shadow entry for `event`, written to EventKit as `kit` (as EventKit holds it now).
    public static func entry(for event: Event, kit: KitEvent) -> ShadowEntry {
        var s = ShadowEntry(uid: event.uid, kit: kit)
        let mapper = EventMapper()
        let mapped = mapper.kitEvent(event)
        s.organizer = mapped.organizer
        s.attendees = mapped.attendees
        s.categories = event.categories
        s.access = event.access.map(accessName)
        s.color = event.color
        s.sequence = event.sequence
        s.status = mapped.status == .none ? nil : mapped.status.rawValue
        s.rrule = event.rrule
        s.rdate = event.rdate
        s.exdate = event.exdate
        return s
    }

    /// The event for an EventKit event and its shadow entry (nil: made on the phone).
    public static func event(_ kit: KitEvent, id: String, shadow: ShadowEntry?, mapper: EventMapper)
        -> Event
    {
        let uid = shadow?.uid ?? kit.externalIdentifier ?? id
        var e = mapper.event(kit, uid: uid)
        guard let s = shadow else { return e }
        // EventKit cannot hold these, or holds them read-only: the server's values stay.
        if kit.attendees.isEmpty && kit.organizer == nil {
            e.organizer = s.organizer.map { mapper.event(kitWith($0), uid: uid).organizer! }
            e.attendees = mapper.event(kitWith(nil, s.attendees), uid: uid).attendees
        }
        e.categories = s.categories
        e.access = s.access.flatMap(access)
        e.color = s.color
        e.sequence = s.sequence
        if kit.status == .none, let st = s.status.flatMap(KitStatus.init(rawValue:)) {
            var k = kit
            k.status = st
            e.status = mapper.event(k, uid: uid).status
        }
        // Recurrence: EventKit's rule may be a lossy copy; unchanged since written, the
        // exact strings stay.
        if kit.recurrenceRule == s.kit.recurrenceRule {
            e.rrule = s.rrule
            e.rdate = s.rdate
            if kit.removedOccurrences == s.kit.removedOccurrences { e.exdate = s.exdate }
        }
        return e
    }

    private static func kitWith(_ organizer: KitParticipant?, _ attendees: [KitParticipant] = [])
        -> KitEvent
    {
        var k = KitEvent(startDate: Date(timeIntervalSince1970: 0), endDate: Date(timeIntervalSince1970: 0))
        k.organizer = organizer
        k.attendees = attendees
        return k
    }

    private static func accessName(_ a: AccessClass) -> String {
        switch a {
        case .public: return "PUBLIC"
        case .private: return "PRIVATE"
        case .confidential: return "CONFIDENTIAL"
        }
    }

    private static func access(_ s: String) -> AccessClass? {
        switch s {
        case "PUBLIC": return .public
        case "PRIVATE": return .private
        case "CONFIDENTIAL": return .confidential
        default: return nil
        }
    }
}
