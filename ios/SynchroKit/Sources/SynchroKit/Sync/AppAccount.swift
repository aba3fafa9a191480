// The app's accounts as its settings keep them: one server calendar synced with one EventKit
// calendar of our own. The password is not here (PasswordStore).
import Foundation

/// One synced calendar.
public struct AppAccount: Codable, Equatable, Sendable {
    /// The core's account name (unique).
    public var name: String
    /// `caldav` or `syncml`.
    public var protocolName: String
    public var serverURL: String
    public var username: String
    /// The server calendar.
    public var calendarURL: String?
    /// Its name, also the EventKit calendar's title.
    public var calendarName: String
    /// `#rrggbb`, also the EventKit calendar's colour.
    public var color: String?
    /// The EventKit calendar's identifier.
    public var kitCalendarId: String
    /// Past days kept on the phone (nil: everything).
    public var pastDays: UInt32?

    /// An account.
    public init(
        name: String, protocolName: String = "caldav", serverURL: String, username: String,
        calendarURL: String?, calendarName: String, color: String?, kitCalendarId: String,
        pastDays: UInt32?
    ) {
        self.name = name
        self.protocolName = protocolName
        self.serverURL = serverURL
        self.username = username
        self.calendarURL = calendarURL
        self.calendarName = calendarName
        self.color = color
        self.kitCalendarId = kitCalendarId
        self.pastDays = pastDays
    }
}

/// The accounts, saved atomically as JSON in the app's support folder.
public final class AccountsFile: @unchecked Sendable {
    private let url: URL
    private let lock = NSLock()

    /// The file at `url` (created on first save).
    public init(url: URL) { self.url = url }

    /// Every account, in the order added.
    public func load() -> [AppAccount] {
        lock.lock()
        defer { lock.unlock() }
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode([AppAccount].self, from: data)) ?? []
    }

    /// Replaces every account.
    public func save(_ accounts: [AppAccount]) throws {
        lock.lock()
        defer { lock.unlock() }
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder().encode(accounts).write(to: url, options: .atomic)
    }
}
