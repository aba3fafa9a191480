// The main screen: "Synchroniser", progress, the last result, the held-back question with
// its deletions, pull-to-refresh, the password prompt, links to the other screens.
#if canImport(SwiftUI)
import SwiftUI

/// The app's first screen.
public struct MainView: View {
    private let model: MainViewModel
    private let coordinator: SyncCoordinator
    private let strings: Strings
    @StateObject private var screen: ScreenState<MainState>
    @State private var password = ""

    /// The main screen of `model`.
    public init(model: MainViewModel, coordinator: SyncCoordinator, strings: Strings = Strings()) {
        self.model = model
        self.coordinator = coordinator
        self.strings = strings
        _screen = StateObject(wrappedValue: ScreenState(model.model))
    }

    public var body: some View {
        NavigationStack {
            List {
                Section {
                    Button {
                        Task { await model.handle(.button) }
                    } label: {
                        Label(strings.text(.syncButton), systemImage: "arrow.triangle.2.circlepath")
                            .font(.title2)
                    }
                    .disabled(screen.state.isSyncing)
                    if screen.state.isSyncing {
                        VStack(alignment: .leading) {
                            Text(strings.text(.syncing))
                            if let p = screen.state.progress { ProgressView(value: p) } else { ProgressView() }
                            if let t = screen.state.progressText { Text(t).font(.caption) }
                        }
                    }
                    Text(screen.state.lastResult ?? strings.text(.neverSynced))
                        .foregroundStyle(.secondary)
                }
                ForEach(screen.state.needsPassword, id: \.self) { account in
                    Section(strings.text(.askPassword, ["account": account])) {
                        SecureField(strings.text(.setupPassword), text: $password)
                        Button(strings.text(.syncButton)) {
                            try? model.setPassword(password, for: account)
                            password = ""
                            Task { await model.handle(.button) }
                        }
                    }
                }
                Section {
                    NavigationLink(strings.text(.historyTitle)) {
                        HistoryView(model: HistoryViewModel(coordinator: coordinator, strings: strings), strings: strings)
                    }
                    NavigationLink(strings.text(.conflictsTitle)) {
                        ConflictsView(model: ConflictsViewModel(coordinator: coordinator, strings: strings), strings: strings)
                    }
                    NavigationLink(strings.text(.backupsTitle)) {
                        BackupsView(model: BackupsViewModel(coordinator: coordinator, strings: strings), strings: strings)
                    }
                    NavigationLink(strings.text(.setupTitle)) {
                        SetupView(model: SetupViewModel(coordinator: coordinator, strings: strings), strings: strings)
                    }
                }
            }
            .refreshable { await model.handle(.pullToRefresh) }
            .navigationTitle(strings.text(.appTitle))
            .sheet(isPresented: Binding(get: { screen.state.heldBack != nil }, set: { if !$0 { model.dismissHeldBack() } })) {
                if let held = screen.state.heldBack {
                    HeldBackView(prompt: held, strings: strings,
                                 confirm: { Task { await model.confirmHeldBack() } },
                                 cancel: { model.dismissHeldBack() })
                }
            }
        }
    }
}

/// What a held-back sync would delete, and the question.
struct HeldBackView: View {
    let prompt: HeldBackPrompt
    let strings: Strings
    let confirm: () -> Void
    let cancel: () -> Void

    var body: some View {
        NavigationStack {
            List {
                Section { Text(prompt.message) }
                Section { ForEach(prompt.deletions, id: \.self) { Text($0) } }
            }
            .navigationTitle(strings.text(.heldTitle))
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button(strings.text(.heldCancel), action: cancel) }
                ToolbarItem(placement: .destructiveAction) {
                    Button(strings.text(.heldConfirm), role: .destructive, action: confirm)
                }
            }
        }
    }
}
#endif
