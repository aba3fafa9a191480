// When to sync: on launch, on pull-to-refresh and the button, on EKEventStoreChanged unless
// the change is the sync's own writes, and in the background every so often (later when the
// server asked to wait, not at all while the password is wrong).
import Foundation

/// What asks for a sync.
public enum SyncTrigger: Equatable, Sendable {
    /// The app started or came to the foreground.
    case launch
    /// The user pulled the list down.
    case pullToRefresh
    /// The user tapped "Synchroniser".
    case button
    /// `EKEventStoreChanged`; `changedSinceLastSync` false when it is the sync's own writes.
    case storeChanged(changedSinceLastSync: Bool)
    /// A `BGAppRefreshTask` started.
    case background
}

/// What to do about a trigger.
public enum SyncDecision: Equatable, Sendable {
    /// Sync now.
    case syncNow
    /// Sync again once the running sync ends.
    case afterCurrent
    /// Nothing to do.
    case skip
}

/// The app's scheduling rules, pure so they are tested on Linux.
public struct SyncPolicy: Sendable {
    /// The `BGTaskScheduler` identifier (also in Info.plist).
    public static let refreshTaskIdentifier = "org.synchro.app.refresh"
    /// Between two background syncs.
    public var backgroundInterval: TimeInterval = 30 * 60
    /// A launch this soon after the last sync does not sync again.
    public var launchGrace: TimeInterval = 60

    /// The default rules.
    public init() {}

    /// What to do about `trigger` now.
    public func decide(_ trigger: SyncTrigger, isSyncing: Bool, lastSync: Date?, now: Date)
        -> SyncDecision
    {
        switch trigger {
        case .button, .pullToRefresh, .background:
            return isSyncing ? .skip : .syncNow
        case .launch:
            if isSyncing { return .skip }
            if let last = lastSync, now.timeIntervalSince(last) < launchGrace { return .skip }
            return .syncNow
        case .storeChanged(let changed):
            if !changed { return .skip }
            return isSyncing ? .afterCurrent : .syncNow
        }
    }

    /// The earliest start of the next background sync after outcomes `last` (nil: none asked
    /// until the user acts, as after a refused password).
    public func nextBackgroundRun(after now: Date, last: [SyncOutcome]) -> Date? {
        var wait = backgroundInterval
        for outcome in last {
            switch outcome {
            case .failed(.Auth), .noPassword, .noAccess:
                return nil
            case .failed(.Unavailable(let after?, _)):
                wait = max(wait, TimeInterval(after))
            default:
                break
            }
        }
        return now.addingTimeInterval(wait)
    }
}
