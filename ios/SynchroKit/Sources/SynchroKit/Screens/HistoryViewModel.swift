// The history screen: past syncs, newest first, each in plain words.
import Foundation
import SynchroFFI

/// One past sync, in words.
public struct HistoryLine: Equatable, Sendable {
    /// The account.
    public var account: String
    /// How it ended.
    public var status: SyncStatus
    /// When and what, in words.
    public var text: String
}

/// The history screen's logic.
public final class HistoryViewModel: @unchecked Sendable {
    /// The lines, observed by the view.
    public let model = Observed([HistoryLine]())
    private let coordinator: SyncCoordinator
    private let wording: OutcomeWording

    /// The history over `coordinator`.
    public init(coordinator: SyncCoordinator, strings: Strings = Strings()) {
        self.coordinator = coordinator
        self.wording = OutcomeWording(strings)
    }

    /// Reads the last `limit` syncs.
    public func load(limit: UInt32 = 50) async {
        let entries = await onWorker { [coordinator] in
            (try? coordinator.agent.history(account: nil, limit: limit)) ?? []
        }
        let lines = entries.map { h in
            HistoryLine(
                account: h.account, status: h.status,
                text: wording.strings.text(
                    .historyEntry, ["when": wording.when(h.startedAt), "result": summary(h)]))
        }
        model.update { $0 = lines }
    }

    /// The result of a past sync from its JSON report.
    private func summary(_ h: HistoryEntry) -> String {
        guard let data = h.reportJson.data(using: .utf8),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return h.status == .ok ? wording.strings.text(.resultNothing) : "" }
        func counts(_ side: String) -> Counts {
            let c = json[side] as? [String: Any] ?? [:]
            func n(_ k: String) -> UInt64 { (c[k] as? NSNumber)?.uint64Value ?? 0 }
            return Counts(added: n("added"), updated: n("updated"), deleted: n("deleted"))
        }
        switch h.status {
        case .needsConfirmation:
            return wording.strings.text(.heldTitle)
        case .error where (json["errors"] as? [Any])?.isEmpty == false:
            let errors = json["errors"] as? [Any] ?? []
            return wording.strings.text(.resultPartial, ["count": String(errors.count)])
        default:
            let report = SyncReport(
                account: h.account, status: h.status, device: counts("device"),
                server: counts("server"), conflicts: 0, errors: [], warnings: [], requests: 0,
                bytesSent: 0, bytesReceived: 0, durationMs: 0, hold: nil, plan: nil)
            return wording.describe(report)
        }
    }
}
