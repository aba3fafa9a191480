// BGTaskScheduler and BGAppRefreshTask behind the plain-Swift RefreshScheduler and
// RefreshTask, and the registration of the refresh task at launch. iOS only.
#if canImport(BackgroundTasks) && os(iOS)
import BackgroundTasks
import Foundation

/// `BGTaskScheduler` as a `RefreshScheduler`.
public final class SystemRefreshScheduler: RefreshScheduler {
    /// The shared scheduler.
    public init() {}

    public func submitRefresh(identifier: String, earliest: Date) throws {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = earliest
        try BGTaskScheduler.shared.submit(request)
    }

    public func cancelRefresh(identifier: String) {
        BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: identifier)
    }
}

/// A `BGAppRefreshTask` as a `RefreshTask`.
final class SystemRefreshTask: RefreshTask {
    private let task: BGAppRefreshTask
    init(_ task: BGAppRefreshTask) { self.task = task }

    var expirationHandler: (() -> Void)? {
        didSet {
            let handler = expirationHandler
            task.expirationHandler = { handler?() }
        }
    }

    func setTaskCompleted(success: Bool) { task.setTaskCompleted(success: success) }
}

extension BackgroundRefresh {
    /// Registers the refresh task (before the app finishes launching) and schedules it.
    public func register() {
        _ = BGTaskScheduler.shared.register(
            forTaskWithIdentifier: SyncPolicy.refreshTaskIdentifier, using: nil
        ) { [self] task in
            guard let refresh = task as? BGAppRefreshTask else {
                task.setTaskCompleted(success: false)
                return
            }
            run(SystemRefreshTask(refresh))
        }
        schedule()
    }
}
#endif
