// A background refresh run in plain Swift over small protocols standing for
// `BGAppRefreshTask` and `BGTaskScheduler`: the next run is submitted first, the sync runs
// on a worker thread, the system's expiry interrupts the core, the task completes once.
import Foundation

/// What the app uses of `BGAppRefreshTask`.
public protocol RefreshTask: AnyObject {
    /// Called by the system when the time is up.
    var expirationHandler: (() -> Void)? { get set }
    /// Ends the task.
    func setTaskCompleted(success: Bool)
}

/// What the app uses of `BGTaskScheduler`.
public protocol RefreshScheduler: AnyObject {
    /// Asks for a refresh no earlier than `earliest` (replacing a pending one).
    func submitRefresh(identifier: String, earliest: Date) throws
    /// Cancels the pending refresh.
    func cancelRefresh(identifier: String)
}

/// Runs background syncs and keeps the next one scheduled.
public final class BackgroundRefresh: @unchecked Sendable {
    private let coordinator: SyncCoordinator
    private let scheduler: RefreshScheduler
    private let policy: SyncPolicy
    private let clock: @Sendable () -> Date
    private let lock = NSLock()
    private var lastOutcomes: [SyncOutcome] = []

    /// A runner over `coordinator` scheduling with `scheduler`.
    public init(
        coordinator: SyncCoordinator, scheduler: RefreshScheduler, policy: SyncPolicy = SyncPolicy(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.coordinator = coordinator
        self.scheduler = scheduler
        self.policy = policy
        self.clock = clock
    }

    /// Submits the next refresh as the policy says after the last outcomes.
    public func schedule(after outcomes: [SyncOutcome]? = nil) {
        let last: [SyncOutcome]
        lock.lock()
        if let outcomes { lastOutcomes = outcomes }
        last = lastOutcomes
        lock.unlock()
        let id = SyncPolicy.refreshTaskIdentifier
        guard let when = policy.nextBackgroundRun(after: clock(), last: last) else {
            scheduler.cancelRefresh(identifier: id)
            return
        }
        try? scheduler.submitRefresh(identifier: id, earliest: when)
    }

    /// Handles a started refresh task; `done` gets the outcomes once the task completed.
    public func run(_ task: RefreshTask, done: (@Sendable ([SyncOutcome]) -> Void)? = nil) {
        schedule()
        let finished = Once()
        task.expirationHandler = { [coordinator] in coordinator.interrupt() }
        guard policy.decide(.background, isSyncing: coordinator.isSyncing, lastSync: nil, now: clock())
            == .syncNow
        else {
            if finished.claim() { task.setTaskCompleted(success: true) }
            done?([])
            return
        }
        DispatchQueue.global(qos: .utility).async { [self] in
            let outcomes = coordinator.syncAll().map { $0.1 }
            schedule(after: outcomes)
            if finished.claim() { task.setTaskCompleted(success: outcomes.allSatisfy { $0.succeeded }) }
            done?(outcomes)
        }
    }
}

/// True once.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var used = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if used { return false }
        used = true
        return true
    }
}
