// The shape of an EventKit event in plain Swift: what `EKEvent` can hold, so the mapping
// compiles and is tested on Linux. The EventKit adapter copies between this and `EKEvent`.
import Foundation

/// `EKEventAvailability`.
public enum KitAvailability: String, Codable, Sendable {
    case notSupported, busy, free, tentative, unavailable
}

/// `EKEventStatus` (read-only in EventKit: set by invitations).
public enum KitStatus: String, Codable, Sendable {
    case none, confirmed, tentative, canceled
}

/// `EKRecurrenceFrequency`.
public enum KitFrequency: String, Codable, Sendable {
    case daily, weekly, monthly, yearly
}

/// `EKRecurrenceDayOfWeek`: a weekday (1 = Sunday ... 7 = Saturday, as EventKit counts),
/// with a week number (0: every week; -1: the last).
public struct KitDayOfWeek: Codable, Equatable, Hashable, Sendable {
    /// 1 = Sunday ... 7 = Saturday.
    public var weekday: Int
    /// 0 for every such day, else its position in the month or year.
    public var week: Int
    /// A day of the week.
    public init(weekday: Int, week: Int = 0) {
        self.weekday = weekday
        self.week = week
    }
}

/// `EKRecurrenceEnd`.
public enum KitRecurrenceEnd: Codable, Equatable, Sendable {
    /// After this many occurrences.
    case count(Int)
    /// On or before this instant.
    case until(Date)
}

/// `EKRecurrenceRule`: what EventKit can hold of an RRULE.
public struct KitRecurrenceRule: Codable, Equatable, Sendable {
    public var frequency: KitFrequency
    public var interval: Int = 1
    /// 1 = Sunday ... 7 = Saturday; nil: EventKit's default (Monday).
    public var firstDayOfWeek: Int?
    public var daysOfWeek: [KitDayOfWeek] = []
    public var daysOfMonth: [Int] = []
    public var monthsOfYear: [Int] = []
    public var weeksOfYear: [Int] = []
    public var daysOfYear: [Int] = []
    public var setPositions: [Int] = []
    public var end: KitRecurrenceEnd?

    /// A rule with this frequency and nothing else.
    public init(frequency: KitFrequency) { self.frequency = frequency }
}

/// `EKAlarm`: relative to the start, or at an instant.
public enum KitAlarm: Codable, Equatable, Sendable {
    /// Seconds from the start (negative: before).
    case relative(TimeInterval)
    /// At this instant.
    case absolute(Date)
}

/// `EKParticipantRole`.
public enum KitParticipantRole: String, Codable, Sendable {
    case unknown, required, optional, chair, nonParticipant
}

/// `EKParticipantStatus`.
public enum KitParticipantStatus: String, Codable, Sendable {
    case unknown, pending, accepted, declined, tentative, delegated
}

/// `EKParticipant` (read-only in EventKit).
public struct KitParticipant: Codable, Equatable, Sendable {
    /// The address without `mailto:`.
    public var email: String
    public var name: String?
    public var role: KitParticipantRole
    public var status: KitParticipantStatus
    /// A participant.
    public init(
        email: String, name: String? = nil, role: KitParticipantRole = .unknown,
        status: KitParticipantStatus = .unknown
    ) {
        self.email = email
        self.name = name
        self.role = role
        self.status = status
    }
}

/// A detached occurrence of a recurring event (an `EKEvent` with `isDetached`).
public struct KitOccurrence: Codable, Equatable, Sendable {
    /// The original start of the occurrence (`occurrenceDate`).
    public var occurrenceDate: Date
    public var startDate: Date
    public var endDate: Date
    public var title: String?
    public var notes: String?
    public var location: String?
    /// An occurrence.
    public init(
        occurrenceDate: Date, startDate: Date, endDate: Date, title: String? = nil,
        notes: String? = nil, location: String? = nil
    ) {
        self.occurrenceDate = occurrenceDate
        self.startDate = startDate
        self.endDate = endDate
        self.title = title
        self.notes = notes
        self.location = location
    }
}

/// An EventKit event with its detached and removed occurrences.
public struct KitEvent: Codable, Equatable, Sendable {
    public var title: String?
    public var notes: String?
    public var location: String?
    public var url: URL?
    public var startDate: Date
    /// EventKit's end: for all-day events the last day itself (23:59:59 of it).
    public var endDate: Date
    public var isAllDay: Bool = false
    /// IANA id; nil: floating (EventKit shows it at the same wall-clock time everywhere).
    public var timeZone: String?
    public var recurrenceRule: KitRecurrenceRule?
    /// Original starts of the occurrences removed from the series.
    public var removedOccurrences: [Date] = []
    public var detachedOccurrences: [KitOccurrence] = []
    public var alarms: [KitAlarm] = []
    public var availability: KitAvailability = .busy
    /// Read-only in EventKit.
    public var status: KitStatus = .none
    /// Read-only in EventKit.
    public var organizer: KitParticipant?
    /// Read-only in EventKit.
    public var attendees: [KitParticipant] = []
    /// `calendarItemExternalIdentifier` (read-only; the server's UID when EventKit has one).
    public var externalIdentifier: String?

    /// An event with these times and nothing else.
    public init(startDate: Date, endDate: Date) {
        self.startDate = startDate
        self.endDate = endDate
    }
}

/// An event as a calendar store lists it: its identifier and a version that changes with it.
public struct KitEntry: Equatable, Sendable {
    /// `calendarItemIdentifier`.
    public var id: String
    /// From `lastModifiedDate` (and anything else that changes with the event).
    public var version: String
    /// An entry.
    public init(id: String, version: String) {
        self.id = id
        self.version = version
    }
}

/// A calendar of the store (`EKCalendar`).
public struct KitCalendar: Equatable, Sendable {
    /// `calendarIdentifier`.
    public var id: String
    public var title: String
    /// `#rrggbb`.
    public var color: String?
    /// A calendar.
    public init(id: String, title: String, color: String? = nil) {
        self.id = id
        self.title = title
        self.color = color
    }
}

/// Why the store refused something.
public enum KitStoreError: Error, Equatable {
    /// The user has not granted access to the calendars.
    case accessDenied
    /// The calendar is gone (deleted in the Calendar app).
    case noCalendar(String)
    /// The event is gone.
    case noEvent(String)
    /// EventKit refused the write.
    case refused(String)
}

/// What the app needs of `EKEventStore`: one calendar per account, its events, batched
/// writes. `EventKitStore` implements it on iOS; tests use an in-memory one.
public protocol KitCalendarStore: AnyObject, Sendable {
    /// Asks for access (full access on iOS 17+); true when granted.
    func requestAccess() async -> Bool
    /// Creates a calendar of our own (in the account's source) and returns it.
    func createCalendar(title: String, color: String?) throws -> KitCalendar
    /// The calendar with this id, nil when it is gone.
    func calendar(id: String) -> KitCalendar?
    /// The master events of a calendar with their versions.
    func entries(calendarId: String) throws -> [KitEntry]
    /// The version of one event, nil when it is gone.
    func version(id: String) throws -> String?
    /// One event, nil when it is gone.
    func event(id: String) throws -> KitEvent?
    /// Saves an event (new when `id` is nil) without committing; returns its identifier.
    func save(_ event: KitEvent, id: String?, calendarId: String) throws -> String
    /// Removes an event without committing.
    func remove(id: String) throws
    /// Commits the saves and removals so far.
    func commit() throws
    /// Drops the saves and removals not committed.
    func reset()
}
