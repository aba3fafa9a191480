// The screens' logic without a server: results and hold reasons in plain words in both
// languages, account names and colours at set-up, the main screen with no account.
import Foundation
import SynchroFFI
import XCTest
@testable import SynchroKit

final class ViewModelTests: XCTestCase {
    let en = OutcomeWording(Strings(.en))
    let fr = OutcomeWording(Strings(.fr))

    func report(device: Counts, server: Counts, errors: [String] = []) -> SyncReport {
        SyncReport(
            account: "a", status: errors.isEmpty ? .ok : .error, device: device, server: server,
            conflicts: 0, errors: errors, warnings: [], requests: 1, bytesSent: 0, bytesReceived: 0,
            durationMs: 1, hold: nil, plan: nil)
    }

    func testResultsInPlainWords() {
        let none = Counts(added: 0, updated: 0, deleted: 0)
        XCTAssertEqual(en.describe(.done(report(device: none, server: none))), "Everything was already in sync.")
        XCTAssertEqual(fr.describe(.done(report(device: none, server: none))), "Tout était déjà synchronisé.")
        XCTAssertEqual(
            en.describe(.done(report(device: Counts(added: 2, updated: 1, deleted: 0), server: none))),
            "Done. Phone: 2 added, 1 changed, 0 removed. Server: 0 added, 0 changed, 0 removed.")
        XCTAssertEqual(
            en.describe(.done(report(device: none, server: none, errors: ["x", "y"]))),
            "Done, but 2 events could not be synchronised; they will be tried again.")
        XCTAssertEqual(
            fr.describe(.failed(.Unavailable(retryAfterS: 120, detail: "503"))),
            "Le serveur est occupé et demande d’attendre 120 s. Rien n’est perdu.")
        XCTAssertEqual(en.describe(.failed(.Interrupted)), Strings(.en).text(.resultInterrupted))
        XCTAssertEqual(en.describe(.noPassword), Strings(.en).text(.resultAuth))
        XCTAssertTrue(en.describe(.failed(.Tls(detail: "expired"))).contains("expired"))
    }

    func testHoldReasonsAndDeletions() {
        XCTAssertEqual(
            en.describe(.massDeletion(side: .server, deletions: 12, known: 12, maxPercent: 30, maxCount: 10)),
            "This synchronisation would delete 12 of 12 events on the server.")
        XCTAssertEqual(
            fr.describe(.emptiedSide(emptied: .device, known: 40, deletions: 40)),
            "Le calendrier du téléphone est vide alors qu’il contenait 40 événements : synchroniser supprimerait 40 événements de l’autre côté.")
        let change = PlannedChange(side: .device, action: .delete, uid: "u", summary: nil, reason: .deletedOnServer)
        XCTAssertEqual(en.describe(deletion: change), "Untitled event (phone)")
        var titled = change
        titled.summary = "Exam"
        XCTAssertEqual(fr.describe(deletion: titled), "Exam (du téléphone)")
    }

    func testSetUpNamesAndColours() {
        XCTAssertEqual(SetupViewModel.uniqueName("Cours L3", "alice", taken: []), "alice-cours-l3")
        XCTAssertEqual(
            SetupViewModel.uniqueName("Cours L3", "alice", taken: ["alice-cours-l3", "alice-cours-l3-2"]),
            "alice-cours-l3-3")
        XCTAssertEqual(SetupViewModel.rgb("#FF8800CC"), "#FF8800")
        XCTAssertEqual(SetupViewModel.rgb("#123456"), "#123456")
        XCTAssertEqual(SetupViewModel.lastPart("/dav/alice/teaching/"), "teaching")
    }

    func testTheMainScreenWithNoAccountAndAHeldBackDismissed() async throws {
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let coordinator = try SyncCoordinator(folder: dir, kit: MemoryKitStore(), passwords: MemoryPasswordStore())
        let main = MainViewModel(coordinator: coordinator, strings: Strings(.en))
        XCTAssertNil(main.state.lastResult)
        let synced = await main.handle(.launch)
        XCTAssertTrue(synced)
        XCTAssertEqual(main.state.syncCount, 1)
        XCTAssertEqual(main.state.lastResult, "")
        XCTAssertFalse(main.state.isSyncing)
        // A second launch right after does not sync again.
        let again = await main.handle(.launch)
        XCTAssertFalse(again)
        await main.confirmHeldBack()
        XCTAssertEqual(main.state.syncCount, 1, "nothing to confirm, nothing run")
    }
}
