// The main screen: the "Synchroniser" button, progress, the last result in plain words, the
// held-back question with the deletions it would make, and the sync triggers (launch,
// pull-to-refresh, EKEventStoreChanged) decided by SyncPolicy.
import Foundation
import SynchroFFI

/// A held-back sync put to the user.
public struct HeldBackPrompt: Equatable, Sendable {
    /// The account.
    public var account: String
    /// Why, in words.
    public var message: String
    /// The deletions it would make, one line each.
    public var deletions: [String]
}

/// What the main screen shows.
public struct MainState: Equatable, Sendable {
    /// A sync runs.
    public var isSyncing = false
    /// The current phase's progress, 0...1.
    public var progress: Double?
    /// The current phase in words.
    public var progressText: String?
    /// The last result in plain words, one line per account.
    public var lastResult: String?
    /// A held-back sync waiting for an answer.
    public var heldBack: HeldBackPrompt?
    /// Accounts whose password must be entered again.
    public var needsPassword: [String] = []
    /// Syncs run since the app started.
    public var syncCount = 0
}

/// The main screen's logic.
public final class MainViewModel: @unchecked Sendable {
    /// The state, observed by the view.
    public let model = Observed(MainState())
    private let coordinator: SyncCoordinator
    private let wording: OutcomeWording
    private let policy: SyncPolicy
    private let background: BackgroundRefresh?
    private let lock = NSLock()
    private var lastSync: Date?
    private var rerun = false

    /// The main screen over `coordinator`; `background` is rescheduled after each sync.
    public init(
        coordinator: SyncCoordinator, strings: Strings = Strings(), policy: SyncPolicy = SyncPolicy(),
        background: BackgroundRefresh? = nil
    ) {
        self.coordinator = coordinator
        self.wording = OutcomeWording(strings)
        self.policy = policy
        self.background = background
    }

    /// The current state.
    public var state: MainState { model.state }

    /// Handles a trigger: syncs when the policy says so. Returns whether it synced.
    @discardableResult
    public func handle(_ trigger: SyncTrigger) async -> Bool {
        let last = locked { lastSync }
        switch policy.decide(trigger, isSyncing: model.state.isSyncing, lastSync: last, now: Date()) {
        case .skip:
            return false
        case .afterCurrent:
            locked { rerun = true }
            return false
        case .syncNow:
            await synchronise()
            return true
        }
    }

    /// The button: syncs every account.
    public func synchronise() async {
        await run(only: nil, confirmed: false)
    }

    /// `EKEventStoreChanged`: syncs unless the change is the sync's own writes.
    @discardableResult
    public func storeChanged() async -> Bool {
        let changed = await onWorker { [coordinator] in coordinator.calendarsChangedSinceLastSync() }
        return await handle(.storeChanged(changedSinceLastSync: changed))
    }

    /// The user confirmed the held-back sync: it is run again with `confirmed`.
    public func confirmHeldBack() async {
        guard let prompt = model.state.heldBack else { return }
        model.update { $0.heldBack = nil }
        await run(only: prompt.account, confirmed: true)
    }

    /// The user declined: nothing is applied.
    public func dismissHeldBack() {
        model.update { $0.heldBack = nil }
    }

    /// The user entered a password again.
    public func setPassword(_ password: String, for account: String) throws {
        try coordinator.passwords.setPassword(password, for: account)
        model.update { $0.needsPassword.removeAll { $0 == account } }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func run(only: String?, confirmed: Bool) async {
        locked { lastSync = Date() }
        model.update {
            $0.isSyncing = true
            $0.progress = nil
            $0.progressText = nil
        }
        let relay = ProgressRelay(model, wording.strings)
        let results = await onWorker { [coordinator] in
            coordinator.syncAll(only: only, confirmed: confirmed, progress: relay)
        }
        var lines: [String] = []
        var held: HeldBackPrompt?
        var needs: [String] = []
        for (account, outcome) in results {
            let text = wording.describe(outcome)
            lines.append(results.count > 1 ? "\(account.calendarName): \(text)" : text)
            switch outcome {
            case .heldBack(let h) where held == nil:
                held = HeldBackPrompt(
                    account: h.account, message: text,
                    deletions: h.deletions.map { wording.describe(deletion: $0) })
            case .failed(.Auth), .noPassword:
                needs.append(account.name)
            default:
                break
            }
        }
        model.update {
            $0.isSyncing = false
            $0.progress = nil
            $0.progressText = nil
            $0.lastResult = lines.joined(separator: "\n")
            $0.heldBack = held
            $0.needsPassword = needs
            $0.syncCount += 1
        }
        background?.schedule(after: results.map { $0.1 })
        let again = locked {
            defer { rerun = false }
            return rerun
        }
        if again { await handle(.storeChanged(changedSinceLastSync: true)) }
    }
}

/// Forwards the core's progress to the main screen's state.
final class ProgressRelay: SyncProgress, @unchecked Sendable {
    private let model: Observed<MainState>
    private let strings: Strings
    private let lock = NSLock()
    private var current = ""
    private var total: UInt64 = 0
    private var done: UInt64 = 0

    init(_ model: Observed<MainState>, _ strings: Strings) {
        self.model = model
        self.strings = strings
    }

    func phase(name: String, total: UInt64) {
        lock.lock()
        current = name
        self.total = total
        done = 0
        lock.unlock()
        publish()
    }

    func advance(n: UInt64) {
        lock.lock()
        done += n
        lock.unlock()
        publish()
    }

    private func publish() {
        lock.lock()
        let (p, t, d) = (current, total, done)
        lock.unlock()
        model.update {
            $0.progress = t > 0 ? min(1, Double(d) / Double(t)) : nil
            $0.progressText = self.strings.text(
                .progressPhase, ["phase": p, "done": String(d), "total": String(t)])
        }
    }
}
