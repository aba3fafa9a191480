// The date values of the bindings' RDATE/EXDATE lists and RRULE UNTIL (`20260105`,
// `20260105T090000Z`, floating `20260105T090000`) to and from instants.
import Foundation

/// Parses and writes iCalendar date and date-time values.
public enum DateLists {
    private static let utc = TimeZone(identifier: "UTC")!

    /// The instant of a value: a date is its midnight in `floatingZone`, a time without `Z`
    /// is read in `floatingZone`.
    public static func parseInstant(_ value: String, floatingZone: TimeZone) -> Date? {
        let v = value.trimmingCharacters(in: .whitespaces)
        let digits = v.filter { $0.isNumber }
        guard digits.count == 8 || digits.count == 14 else { return nil }
        func n(_ from: Int, _ len: Int) -> Int? {
            let a = digits.index(digits.startIndex, offsetBy: from)
            return Int(digits[a..<digits.index(a, offsetBy: len)])
        }
        var c = DateComponents()
        c.year = n(0, 4)
        c.month = n(4, 2)
        c.day = n(6, 2)
        if digits.count == 14 {
            c.hour = n(8, 2)
            c.minute = n(10, 2)
            c.second = n(12, 2)
        } else {
            c.hour = 0
        }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = v.hasSuffix("Z") ? utc : floatingZone
        return cal.date(from: c)
    }

    /// Whether the value is a date without a time.
    public static func isDate(_ value: String) -> Bool {
        value.trimmingCharacters(in: .whitespaces).count == 8
    }

    /// `YYYYMMDDTHHMMSSZ`.
    public static func formatUTC(_ d: Date) -> String {
        format(d, zone: utc, pattern: "yyyyMMdd'T'HHmmss'Z'")
    }

    /// `YYYYMMDD` of the day `d` falls on in `zone`.
    public static func formatDate(_ d: Date, zone: TimeZone) -> String {
        format(d, zone: zone, pattern: "yyyyMMdd")
    }

    /// Splits a comma-separated list.
    public static func split(_ list: String?) -> [String] {
        (list ?? "").split(separator: ",").map {
            String($0).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    private static func format(_ d: Date, zone: TimeZone, pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = zone
        f.dateFormat = pattern
        return f.string(from: d)
    }
}
