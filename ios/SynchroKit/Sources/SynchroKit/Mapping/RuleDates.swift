// The occurrence starts a simple recurrence rule expects, so the EventKit adapter can find
// the occurrences the user removed (EventKit lists what is there, never what was removed).
import Foundation

/// Occurrence dates of simple rules.
public enum RuleDates {
    /// The starts `rule` gives from `first` up to `limit` (inclusive), in `zone`; empty for
    /// rules with parts other than plain weekdays (their removed occurrences go unseen).
    public static func expected(_ rule: KitRecurrenceRule, from first: Date, zone: TimeZone, limit: Date)
        -> [Date]
    {
        guard rule.daysOfMonth.isEmpty, rule.monthsOfYear.isEmpty, rule.weeksOfYear.isEmpty,
            rule.daysOfYear.isEmpty, rule.setPositions.isEmpty,
            rule.daysOfWeek.allSatisfy({ $0.week == 0 }),
            rule.daysOfWeek.isEmpty || rule.frequency == .weekly
        else { return [] }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        cal.firstWeekday = rule.firstDayOfWeek ?? 2
        var maxCount = Int.max
        var until = limit
        switch rule.end {
        case .count(let n): maxCount = n
        case .until(let d): until = min(d, limit)
        case nil: break
        }
        let weekdays = Set(rule.daysOfWeek.map { $0.weekday })
        var out: [Date] = []
        var period = 0
        while out.count < maxCount && out.count < 10_000 {
            let base: Date?
            switch rule.frequency {
            case .daily: base = cal.date(byAdding: .day, value: period * rule.interval, to: first)
            case .weekly: base = cal.date(byAdding: .weekOfYear, value: period * rule.interval, to: first)
            case .monthly: base = cal.date(byAdding: .month, value: period * rule.interval, to: first)
            case .yearly: base = cal.date(byAdding: .year, value: period * rule.interval, to: first)
            }
            guard let b = base, b <= until else { break }
            if weekdays.isEmpty {
                out.append(b)
            } else {
                // Every ticked weekday of the week of `b`, in order, from `first` on.
                let week = cal.dateInterval(of: .weekOfYear, for: b)!.start
                let time = cal.dateComponents([.hour, .minute, .second], from: first)
                for offset in 0..<7 {
                    guard out.count < maxCount,
                        let day = cal.date(byAdding: .day, value: offset, to: week),
                        weekdays.contains(cal.component(.weekday, from: day)),
                        let d = cal.date(
                            bySettingHour: time.hour!, minute: time.minute!, second: time.second!, of: day),
                        d >= first, d <= until
                    else { continue }
                    out.append(d)
                }
            }
            period += 1
        }
        return out
    }
}
