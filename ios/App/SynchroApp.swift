// The iOS app: wires EventKit, the Keychain and BGTaskScheduler to SynchroKit's coordinator
// and screens; syncs on launch, on EKEventStoreChanged (not its own writes), on
// pull-to-refresh, with the button and in the background.
import EventKit
import SwiftUI
import SynchroKit

@main
struct SynchroApp: App {
    private let coordinator: SyncCoordinator
    private let main: MainViewModel
    private let background: BackgroundRefresh
    private let kit: EventKitStore
    @Environment(\.scenePhase) private var phase

    init() {
        let kit = EventKitStore()
        self.kit = kit
        let folder = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("Synchro", isDirectory: true)
        do {
            coordinator = try SyncCoordinator(folder: folder, kit: kit, passwords: KeychainPasswordStore())
        } catch {
            fatalError("cannot open Synchro's store: \(error)")
        }
        background = BackgroundRefresh(coordinator: coordinator, scheduler: SystemRefreshScheduler())
        main = MainViewModel(coordinator: coordinator, background: background)
        // Must happen before the app finishes launching.
        background.register()
        let main = self.main
        NotificationCenter.default.addObserver(
            forName: .EKEventStoreChanged, object: kit.store, queue: nil
        ) { _ in
            Task { await main.storeChanged() }
        }
    }

    var body: some Scene {
        WindowGroup {
            MainView(model: main, coordinator: coordinator)
                .task {
                    if await kit.requestAccess() { await main.handle(.launch) }
                }
        }
        .onChange(of: phase) { newPhase in
            if newPhase == .active { Task { await main.handle(.launch) } }
        }
    }
}
