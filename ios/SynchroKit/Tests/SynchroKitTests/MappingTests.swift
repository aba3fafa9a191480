// The mapping between the bindings' Event and EventKit's shape: zones, floating times,
// all-day ends, recurrence rules, exceptions and removed occurrences, alarms, attendees.
import Foundation
import SynchroFFI
import XCTest
@testable import SynchroKit

/// 2026-12-07T08:00:00Z in ms.
let monday8utc: Int64 = 1_796_630_400_000

final class MappingTests: XCTestCase {
    let paris = EventMapper(deviceZone: TimeZone(identifier: "Europe/Paris")!)
    let newYork = EventMapper(deviceZone: TimeZone(identifier: "America/New_York")!)

    func timed(_ uid: String, zone: String? = "Europe/Paris") -> Event {
        Event(
            uid: uid, summary: "Lecture", start: .timed(epochMs: monday8utc, zone: zone),
            end: .timed(epochMs: monday8utc + 3_600_000, zone: zone), availability: .busy)
    }

    func testAZonedEventKeepsItsInstantAndZone() {
        let k = paris.kitEvent(timed("z"))
        XCTAssertEqual(k.startDate, Date(timeIntervalSince1970: 1_796_630_400))
        XCTAssertEqual(k.endDate.timeIntervalSince(k.startDate), 3600)
        XCTAssertEqual(k.timeZone, "Europe/Paris")
        XCTAssertFalse(k.isAllDay)
        XCTAssertEqual(k.externalIdentifier, "z")
        let back = paris.event(k, uid: "z")
        XCTAssertEqual(back.start, .timed(epochMs: monday8utc, zone: "Europe/Paris"))
        XCTAssertEqual(back.end, .timed(epochMs: monday8utc + 3_600_000, zone: "Europe/Paris"))
        XCTAssertEqual(back.summary, "Lecture")
    }

    func testAFloatingTimeKeepsItsWallClockInThePhonesZone() {
        // 08:00 floating is 08:00 in New York, i.e. 13:00 UTC.
        let k = newYork.kitEvent(timed("f", zone: nil))
        XCTAssertNil(k.timeZone)
        XCTAssertEqual(k.startDate, Date(timeIntervalSince1970: 1_796_630_400 + 5 * 3600))
        XCTAssertEqual(newYork.event(k, uid: "f").start, .timed(epochMs: monday8utc, zone: nil))
    }

    func testAllDayEndsOnEventKitsInclusiveLastDay() {
        var e = timed("a")
        e.start = .allDay(date: CalendarDate(year: 2026, month: 12, day: 24))
        e.end = .allDay(date: CalendarDate(year: 2026, month: 12, day: 26))
        let k = paris.kitEvent(e)
        XCTAssertTrue(k.isAllDay)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = paris.deviceZone
        let s = cal.dateComponents([.year, .month, .day, .hour], from: k.startDate)
        XCTAssertEqual([s.year, s.month, s.day, s.hour], [2026, 12, 24, 0])
        let last = cal.dateComponents([.month, .day, .hour, .minute], from: k.endDate)
        XCTAssertEqual([last.month, last.day, last.hour, last.minute], [12, 25, 23, 59])
        let back = paris.event(k, uid: "a")
        XCTAssertEqual(back.start, e.start)
        XCTAssertEqual(back.end, e.end)
        // No end: one day.
        e.end = nil
        XCTAssertEqual(
            paris.event(paris.kitEvent(e), uid: "a").end,
            .allDay(date: CalendarDate(year: 2026, month: 12, day: 25)))
    }

    func testRecurrenceRulesEventKitCanHoldRoundTrip() {
        let zone = TimeZone(identifier: "UTC")!
        for rule in [
            "FREQ=MONTHLY;COUNT=5;BYDAY=-1FR",
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270601T000000Z;BYDAY=MO,WE",
            "FREQ=YEARLY;BYMONTHDAY=1;BYMONTH=1,7",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "FREQ=DAILY",
        ] {
            let k = RecurrenceRuleCodec.decode(rule, floatingZone: zone)
            XCTAssertNotNil(k, rule)
            XCTAssertEqual(k.map(RecurrenceRuleCodec.encode), rule)
        }
        let last = RecurrenceRuleCodec.decode("FREQ=MONTHLY;BYDAY=-1FR", floatingZone: zone)!
        XCTAssertEqual(last.daysOfWeek, [KitDayOfWeek(weekday: 6, week: -1)])
        for rule in ["FREQ=DAILY;BYHOUR=9,17", "FREQ=HOURLY", "FREQ=WEEKLY;BYDAY=XX", "COUNT=3"] {
            XCTAssertNil(RecurrenceRuleCodec.decode(rule, floatingZone: zone), rule)
        }
    }

    func testExceptionsAndRemovedOccurrences() {
        var e = timed("r")
        e.rrule = "FREQ=DAILY;COUNT=5"
        e.exdate = "20261208T080000Z"
        let day: Int64 = 86_400_000
        e.exceptions = [
            EventException(
                recurrenceId: .timed(epochMs: monday8utc + 2 * day, zone: "Europe/Paris"),
                start: .timed(epochMs: monday8utc + 2 * day + 7_200_000, zone: "Europe/Paris"),
                end: .timed(epochMs: monday8utc + 2 * day + 10_800_000, zone: "Europe/Paris"),
                summary: "Moved", description: nil, location: "Room 2", status: nil),
            EventException(
                recurrenceId: .timed(epochMs: monday8utc + 3 * day, zone: "Europe/Paris"),
                start: .timed(epochMs: monday8utc + 3 * day, zone: "Europe/Paris"),
                end: nil, summary: nil, description: nil, location: nil, status: .cancelled),
        ]
        let k = paris.kitEvent(e)
        XCTAssertEqual(k.recurrenceRule?.end, .count(5))
        XCTAssertEqual(
            k.removedOccurrences,
            [Date(timeIntervalSince1970: 1_796_716_800), Date(timeIntervalSince1970: 1_796_889_600)])
        XCTAssertEqual(k.detachedOccurrences.count, 1)
        XCTAssertEqual(k.detachedOccurrences[0].title, "Moved")
        XCTAssertEqual(k.detachedOccurrences[0].location, "Room 2")
        let back = paris.event(k, uid: "r")
        XCTAssertEqual(back.rrule, "FREQ=DAILY;COUNT=5")
        XCTAssertEqual(back.exdate, "20261208T080000Z,20261210T080000Z")
        XCTAssertEqual(back.exceptions.count, 1)
        XCTAssertEqual(back.exceptions[0].recurrenceId, e.exceptions[0].recurrenceId)
        XCTAssertEqual(back.exceptions[0].start, e.exceptions[0].start)
        XCTAssertEqual(back.exceptions[0].end, e.exceptions[0].end)
    }

    func testAlarmsAttendeesStatusAndAvailability() {
        var e = timed("x")
        e.alarms = [
            Alarm(trigger: .beforeStart(minutes: 10), action: .display, description: nil),
            Alarm(trigger: .beforeEnd(minutes: 5), action: .display, description: nil),
            Alarm(trigger: .at(epochMs: monday8utc - 86_400_000), action: .audio, description: nil),
        ]
        e.organizer = Attendee(email: "prof@example.edu", name: "Prof", role: nil, status: nil)
        e.attendees = [
            Attendee(email: "a@example.edu", name: "A", role: .required, status: .accepted),
            Attendee(email: "b@example.edu", name: nil, role: .optional, status: .needsAction),
        ]
        e.status = .tentative
        e.availability = .free
        e.url = "https://example.edu/course"
        let k = paris.kitEvent(e)
        XCTAssertEqual(
            k.alarms,
            [.relative(-600), .relative(3300), .absolute(Date(timeIntervalSince1970: 1_796_544_000))])
        XCTAssertEqual(k.attendees.map { $0.status }, [.accepted, .pending])
        XCTAssertEqual(k.organizer?.email, "prof@example.edu")
        XCTAssertEqual(k.status, .tentative)
        XCTAssertEqual(k.availability, .free)
        XCTAssertEqual(k.url?.absoluteString, "https://example.edu/course")
        let back = paris.event(k, uid: "x")
        XCTAssertEqual(back.attendees, e.attendees)
        XCTAssertEqual(back.organizer, e.organizer)
        XCTAssertEqual(back.status, .tentative)
        XCTAssertEqual(back.availability, .free)
        XCTAssertEqual(back.alarms[0].trigger, .beforeStart(minutes: 10))
        XCTAssertEqual(back.alarms[2].trigger, .at(epochMs: monday8utc - 86_400_000))
        XCTAssertEqual(back.url, e.url)
    }
}

final class RuleDatesTests: XCTestCase {
    let paris = TimeZone(identifier: "Europe/Paris")!
    let first = Date(timeIntervalSince1970: 1_796_630_400)  // Monday 2026-12-07 09:00 Paris

    func testDailyWeeklyAndCounts() {
        var daily = KitRecurrenceRule(frequency: .daily)
        daily.end = .count(4)
        let d = RuleDates.expected(daily, from: first, zone: paris, limit: first.addingTimeInterval(86_400 * 30))
        XCTAssertEqual(d.map { $0.timeIntervalSince(first) / 86_400 }, [0, 1, 2, 3])

        var weekly = KitRecurrenceRule(frequency: .weekly)
        weekly.daysOfWeek = [KitDayOfWeek(weekday: 2), KitDayOfWeek(weekday: 4)]  // Mon, Wed
        weekly.end = .count(5)
        let w = RuleDates.expected(weekly, from: first, zone: paris, limit: first.addingTimeInterval(86_400 * 60))
        XCTAssertEqual(w.map { $0.timeIntervalSince(first) / 86_400 }, [0, 2, 7, 9, 14])

        // Over the change to summer time the wall-clock hour stays.
        var months = KitRecurrenceRule(frequency: .monthly)
        months.interval = 2
        let m = RuleDates.expected(months, from: first, zone: paris, limit: first.addingTimeInterval(86_400 * 200))
        XCTAssertEqual(m.count, 4)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = paris
        XCTAssertEqual(m.map { cal.component(.hour, from: $0) }, [9, 9, 9, 9])

        var complex = KitRecurrenceRule(frequency: .monthly)
        complex.setPositions = [-1]
        XCTAssertEqual(RuleDates.expected(complex, from: first, zone: paris, limit: first.addingTimeInterval(1e7)), [])
    }
}
