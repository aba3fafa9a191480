// The per-calendar shadow file: what EventKit cannot hold of each event written or read
// (its UID, attendees and organizer from the server, categories, class, colour, sequence,
// the exact recurrence strings), kept beside the store so an edit on the phone loses none
// of it. Never holds a password.
import Foundation

/// What the phone keeps of one event beyond EventKit.
public struct ShadowEntry: Codable, Equatable, Sendable {
    /// The event's UID.
    public var uid: String
    /// The EventKit event as last written or read, to tell what the user changed since.
    public var kit: KitEvent
    public var organizer: KitParticipant?
    public var attendees: [KitParticipant] = []
    public var categories: [String] = []
    /// `PUBLIC`, `PRIVATE` or `CONFIDENTIAL`.
    public var access: String?
    public var color: String?
    public var sequence: UInt32 = 0
    /// `KitStatus` raw value of the server's status.
    public var status: String?
    public var rrule: String?
    public var rdate: String?
    public var exdate: String?

    /// An entry for this UID and EventKit event.
    public init(uid: String, kit: KitEvent) {
        self.uid = uid
        self.kit = kit
    }
}

/// One calendar's shadow entries by EventKit identifier, saved atomically as JSON.
public final class ShadowFile: @unchecked Sendable {
    private let url: URL
    private let lock = NSLock()
    private var entries: [String: ShadowEntry]

    /// Opens (or starts) the shadow file at `url`.
    public init(url: URL) throws {
        self.url = url
        if let data = try? Data(contentsOf: url) {
            entries = try JSONDecoder().decode([String: ShadowEntry].self, from: data)
        } else {
            entries = [:]
        }
    }

    /// The entry of an EventKit identifier.
    public subscript(id: String) -> ShadowEntry? {
        lock.lock()
        defer { lock.unlock() }
        return entries[id]
    }

    /// Sets or removes entries and saves the file.
    public func update(_ changes: [String: ShadowEntry?]) throws {
        lock.lock()
        defer { lock.unlock() }
        for (id, e) in changes { entries[id] = e }
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(entries)
        try data.write(to: url, options: .atomic)
    }

    /// Number of entries.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
