// How one account's sync ended, as the screens and the scheduler see it.
import Foundation
import SynchroFFI

/// A sync held back by a safety check: why, and what it would do.
public struct HeldBack: Sendable {
    /// The account.
    public var account: String
    /// Why.
    public var reason: HoldReason
    /// The plan; its deletions are what the user is asked about.
    public var plan: [PlannedChange]

    /// The deletions of the plan.
    public var deletions: [PlannedChange] { plan.filter { $0.action == .delete } }
}

/// The end of one account's sync.
public enum SyncOutcome: Sendable {
    /// Applied (the report may still list events that failed).
    case done(SyncReport)
    /// Held back; nothing applied.
    case heldBack(HeldBack)
    /// Failed with this error.
    case failed(SyncError)
    /// No password is kept for the account.
    case noPassword
    /// The app may not use the calendars.
    case noAccess

    /// Whether the sync did its whole job.
    public var succeeded: Bool {
        if case .done(let r) = self { return r.status == .ok }
        return false
    }
}
