// RRULE strings to and from `KitRecurrenceRule`: only rules EventKit can hold map; the others
// (hourly, BYHOUR, ...) stay nil here and are kept by the shadow file.
import Foundation

/// Converts between iCalendar RRULE values and EventKit's recurrence rules.
public enum RecurrenceRuleCodec {
    private static let days = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]

    /// The EventKit rule for an RRULE, nil when EventKit cannot hold it. `floatingZone`
    /// reads an UNTIL without `Z`.
    public static func decode(_ rrule: String, floatingZone: TimeZone) -> KitRecurrenceRule? {
        var parts: [String: String] = [:]
        for item in rrule.split(separator: ";") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { return nil }
            parts[kv[0].uppercased()] = kv[1]
        }
        guard let freq = parts.removeValue(forKey: "FREQ") else { return nil }
        var rule: KitRecurrenceRule
        switch freq.uppercased() {
        case "DAILY": rule = KitRecurrenceRule(frequency: .daily)
        case "WEEKLY": rule = KitRecurrenceRule(frequency: .weekly)
        case "MONTHLY": rule = KitRecurrenceRule(frequency: .monthly)
        case "YEARLY": rule = KitRecurrenceRule(frequency: .yearly)
        default: return nil
        }
        for (key, value) in parts {
            switch key {
            case "INTERVAL":
                guard let n = Int(value), n > 0 else { return nil }
                rule.interval = n
            case "COUNT":
                guard let n = Int(value), n > 0 else { return nil }
                rule.end = .count(n)
            case "UNTIL":
                guard let d = DateLists.parseInstant(value, floatingZone: floatingZone) else {
                    return nil
                }
                rule.end = .until(d)
            case "WKST":
                guard let i = days.firstIndex(of: value.uppercased()) else { return nil }
                rule.firstDayOfWeek = i + 1
            case "BYDAY":
                var out: [KitDayOfWeek] = []
                for d in value.split(separator: ",") {
                    let s = String(d).uppercased()
                    guard s.count >= 2, let i = days.firstIndex(of: String(s.suffix(2))) else {
                        return nil
                    }
                    let prefix = String(s.dropLast(2))
                    let week = prefix.isEmpty ? 0 : Int(prefix.replacingOccurrences(of: "+", with: ""))
                    guard let w = week else { return nil }
                    out.append(KitDayOfWeek(weekday: i + 1, week: w))
                }
                rule.daysOfWeek = out
            case "BYMONTHDAY":
                guard let v = ints(value) else { return nil }
                rule.daysOfMonth = v
            case "BYMONTH":
                guard let v = ints(value) else { return nil }
                rule.monthsOfYear = v
            case "BYWEEKNO":
                guard let v = ints(value) else { return nil }
                rule.weeksOfYear = v
            case "BYYEARDAY":
                guard let v = ints(value) else { return nil }
                rule.daysOfYear = v
            case "BYSETPOS":
                guard let v = ints(value) else { return nil }
                rule.setPositions = v
            default:
                // BYHOUR, BYMINUTE, BYSECOND, RSCALE, ...: EventKit cannot hold them.
                return nil
            }
        }
        return rule
    }

    /// The RRULE value of an EventKit rule (UNTIL in UTC).
    public static func encode(_ rule: KitRecurrenceRule) -> String {
        var out = ["FREQ=\(rule.frequency.rawValue.uppercased())"]
        if rule.interval != 1 { out.append("INTERVAL=\(rule.interval)") }
        switch rule.end {
        case .count(let n): out.append("COUNT=\(n)")
        case .until(let d): out.append("UNTIL=\(DateLists.formatUTC(d))")
        case nil: break
        }
        if !rule.daysOfWeek.isEmpty {
            let v = rule.daysOfWeek.map { ($0.week == 0 ? "" : String($0.week)) + days[$0.weekday - 1] }
            out.append("BYDAY=" + v.joined(separator: ","))
        }
        func list(_ name: String, _ v: [Int]) {
            if !v.isEmpty { out.append("\(name)=" + v.map(String.init).joined(separator: ",")) }
        }
        list("BYMONTHDAY", rule.daysOfMonth)
        list("BYMONTH", rule.monthsOfYear)
        list("BYWEEKNO", rule.weeksOfYear)
        list("BYYEARDAY", rule.daysOfYear)
        list("BYSETPOS", rule.setPositions)
        if let w = rule.firstDayOfWeek, w != 2 { out.append("WKST=\(days[w - 1])") }
        return out.joined(separator: ";")
    }

    private static func ints(_ s: String) -> [Int]? {
        var out: [Int] = []
        for p in s.split(separator: ",") {
            guard let n = Int(String(p).replacingOccurrences(of: "+", with: "")) else { return nil }
            out.append(n)
        }
        return out
    }
}
