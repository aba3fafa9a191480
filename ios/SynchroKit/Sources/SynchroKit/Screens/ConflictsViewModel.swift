// The conflicts screen: the losing versions the core kept, their iCalendar to share, and
// their removal once looked at.
import Foundation
import SynchroFFI

/// One kept conflict copy, in words.
public struct ConflictLine: Equatable, Sendable {
    /// Its id.
    public var id: Int64
    /// In words.
    public var text: String
    /// The losing version as iCalendar (for the share sheet).
    public var ics: String
}

/// The conflicts screen's logic.
public final class ConflictsViewModel: @unchecked Sendable {
    /// The lines, observed by the view.
    public let model = Observed([ConflictLine]())
    private let coordinator: SyncCoordinator
    private let wording: OutcomeWording

    /// The conflicts over `coordinator`.
    public init(coordinator: SyncCoordinator, strings: Strings = Strings()) {
        self.coordinator = coordinator
        self.wording = OutcomeWording(strings)
    }

    /// Reads the kept copies.
    public func load() async {
        let found = await onWorker { [coordinator] in (try? coordinator.agent.conflicts(account: nil)) ?? [] }
        let untitled = wording.strings.text(.heldDeletionUntitled, ["side": ""])
        let lines = found.map { c in
            ConflictLine(
                id: c.id,
                text: wording.strings.text(.conflictEntry, [
                    "title": c.summary ?? untitled, "side": wording.side(c.losingSide),
                    "when": wording.when(c.createdAt),
                ]),
                ics: c.ics)
        }
        model.update { $0 = lines }
    }

    /// Removes the copy `id` once looked at, then reads the copies again.
    public func dismiss(id: Int64) async {
        _ = await onWorker { [coordinator] in try? coordinator.agent.dismissConflicts(ids: [id]) }
        await load()
    }
}
