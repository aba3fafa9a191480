// The backups screen: each account's backups, a dry-run restore that says what a restore
// would do, and the restore itself.
import Foundation
import SynchroFFI

/// What the backups screen shows.
public struct BackupsState: Equatable, Sendable {
    /// The backups, newest first.
    public var backups: [BackupLine] = []
    /// What the last dry run or restore did, in words.
    public var message: String?
    /// The last restore report.
    public var lastReport: RestoreReport?
}

/// One backup, in words.
public struct BackupLine: Equatable, Sendable {
    public var id: Int64
    public var account: String
    public var text: String
}

/// The backups screen's logic.
public final class BackupsViewModel: @unchecked Sendable {
    /// The state, observed by the view.
    public let model = Observed(BackupsState())
    private let coordinator: SyncCoordinator
    private let wording: OutcomeWording

    /// The backups over `coordinator`.
    public init(coordinator: SyncCoordinator, strings: Strings = Strings()) {
        self.coordinator = coordinator
        self.wording = OutcomeWording(strings)
    }

    /// Reads the backups.
    public func load() async {
        let found = await onWorker { [coordinator] in (try? coordinator.agent.backups(account: nil)) ?? [] }
        let lines = found.sorted { $0.createdAt > $1.createdAt }.map { b in
            BackupLine(
                id: b.id, account: b.account,
                text: wording.strings.text(.backupEntry, [
                    "when": wording.when(b.createdAt), "phone": String(b.deviceItems),
                    "server": String(b.serverItems),
                ]))
        }
        model.update { $0.backups = lines }
    }

    /// Says what restoring backup `id` would do; changes nothing.
    public func dryRun(_ id: Int64) async { await restore(id, dryRun: true, confirmed: false) }

    /// Restores backup `id` on both sides, removing what was added since when `confirmed`.
    public func restore(_ id: Int64, confirmed: Bool) async {
        await restore(id, dryRun: false, confirmed: confirmed)
    }

    private func restore(_ id: Int64, dryRun: Bool, confirmed: Bool) async {
        guard let line = model.state.backups.first(where: { $0.id == id }),
            let account = coordinator.accounts.load().first(where: { $0.name == line.account })
        else { return }
        let result: Result<RestoreReport, SyncError> = await onWorker { [coordinator] in
            do {
                guard let pw = try coordinator.passwords.password(for: account.name) else {
                    return .failure(.Auth(detail: "no password"))
                }
                return .success(try coordinator.agent.restore(
                    id: id, side: .both, dryRun: dryRun, confirmed: confirmed, password: pw,
                    device: try coordinator.device(for: account)))
            } catch let e as SyncError {
                return .failure(e)
            } catch {
                return .failure(.Device(detail: String(describing: error)))
            }
        }
        let s = wording.strings
        model.update { st in
            switch result {
            case .success(let r):
                let n = { (a: RestoreAction) in String(r.changes.filter { $0.action == a }.count) }
                let args = ["added": n(.add), "reverted": n(.revert), "removed": n(.remove)]
                var text = s.text(r.dryRun ? .restoreWouldDo : .restoreDone, args)
                if r.keptAdded > 0 { text += " " + s.text(.restoreKept, ["count": String(r.keptAdded)]) }
                st.message = text
                st.lastReport = r
            case .failure(let e):
                st.message = self.wording.describe(e)
                st.lastReport = nil
            }
        }
    }
}
