// Runs the app's syncs: one `SyncAgent` over the store, each account's EventKit calendar as
// its device, passwords from the PasswordStore. Blocking: call from a worker thread.
import Foundation
import SynchroFFI

/// The app's one sync runner, shared by the screens and the background task.
public final class SyncCoordinator: @unchecked Sendable {
    /// The core.
    public let agent: SyncAgent
    /// The phone's calendars.
    public let kit: KitCalendarStore
    /// The passwords.
    public let passwords: PasswordStore
    /// The accounts.
    public let accounts: AccountsFile
    private let folder: URL
    private let mapper: EventMapper
    private let lock = NSLock()
    private var devices: [String: KitDevice] = [:]
    private var settled: [String: [String: String]] = [:]
    private var running = 0

    /// Opens the store and settings under `folder` (the app's support folder).
    public init(
        folder: URL, kit: KitCalendarStore, passwords: PasswordStore,
        mapper: EventMapper = EventMapper()
    ) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        self.kit = kit
        self.passwords = passwords
        self.mapper = mapper
        accounts = AccountsFile(url: folder.appendingPathComponent("accounts.json"))
        agent = try SyncAgent(storePath: folder.appendingPathComponent("synchro.db").path)
    }

    /// Whether a sync runs now.
    public var isSyncing: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running > 0
    }

    /// The device calendar of an account.
    public func device(for account: AppAccount) throws -> KitDevice {
        lock.lock()
        defer { lock.unlock() }
        if let d = devices[account.name] { return d }
        let shadow = folder.appendingPathComponent("shadow")
            .appendingPathComponent("\(safeName(account.kitCalendarId)).json")
        let d = try KitDevice(
            store: kit, calendarId: account.kitCalendarId, shadowURL: shadow, mapper: mapper)
        devices[account.name] = d
        return d
    }

    /// Syncs every account (or the one named), one after the other.
    public func syncAll(
        only name: String? = nil, confirmed: Bool = false, progress: SyncProgress? = nil
    ) -> [(AppAccount, SyncOutcome)] {
        lock.lock()
        running += 1
        lock.unlock()
        defer {
            lock.lock()
            running -= 1
            lock.unlock()
        }
        return accounts.load().filter { name == nil || $0.name == name }.map {
            ($0, sync($0, confirmed: confirmed, progress: progress))
        }
    }

    private func sync(_ account: AppAccount, confirmed: Bool, progress: SyncProgress?)
        -> SyncOutcome
    {
        guard let password = try? passwords.password(for: account.name) else { return .noPassword }
        guard kit.calendar(id: account.kitCalendarId) != nil else { return .noAccess }
        do {
            let device = try device(for: account)
            defer { settle(account.name, device) }
            let report = try agent.sync(
                account: account.name, password: password, device: device,
                options: SyncOptions(dryRun: false, confirmed: confirmed, mode: nil),
                progress: progress)
            return .done(report)
        } catch SyncError.NeedsConfirmation(let reason, let plan) {
            return .heldBack(HeldBack(account: account.name, reason: reason, plan: plan))
        } catch let e as SyncError {
            return .failed(e)
        } catch {
            return .failed(.Device(detail: String(describing: error)))
        }
    }

    /// Stops the running sync at its next safe point (the background task's expiry).
    public func interrupt() { agent.interrupt() }

    /// Records the calendar as the sync left it, to tell its own writes from the user's.
    private func settle(_ name: String, _ device: KitDevice) {
        let snap = try? device.snapshot()
        lock.lock()
        settled[name] = snap
        lock.unlock()
    }

    /// Whether the synced calendars changed since the last sync left them: false when an
    /// `EKEventStoreChanged` notification is only the sync's own writes (or about another
    /// calendar).
    public func calendarsChangedSinceLastSync() -> Bool {
        for account in accounts.load() {
            guard let device = try? device(for: account), let now = try? device.snapshot() else {
                continue
            }
            lock.lock()
            let before = settled[account.name]
            lock.unlock()
            if before != now { return true }
        }
        return false
    }

    private func safeName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }
}
