// The history, conflicts and backups screens.
#if canImport(SwiftUI)
import SwiftUI

/// Past syncs.
public struct HistoryView: View {
    private let model: HistoryViewModel
    private let strings: Strings
    @StateObject private var screen: ScreenState<[HistoryLine]>

    /// The history screen of `model`.
    public init(model: HistoryViewModel, strings: Strings) {
        self.model = model
        self.strings = strings
        _screen = StateObject(wrappedValue: ScreenState(model.model))
    }

    public var body: some View {
        List {
            if screen.state.isEmpty { Text(strings.text(.historyEmpty)) }
            ForEach(Array(screen.state.enumerated()), id: \.offset) { _, line in
                VStack(alignment: .leading) {
                    Text(line.account).font(.caption)
                    Text(line.text)
                }
            }
        }
        .task { await model.load() }
        .refreshable { await model.load() }
        .navigationTitle(strings.text(.historyTitle))
    }
}

/// Kept conflict copies, each shareable as .ics and removed by a swipe once looked at.
public struct ConflictsView: View {
    private let model: ConflictsViewModel
    private let strings: Strings
    @StateObject private var screen: ScreenState<[ConflictLine]>

    /// The conflicts screen of `model`.
    public init(model: ConflictsViewModel, strings: Strings) {
        self.model = model
        self.strings = strings
        _screen = StateObject(wrappedValue: ScreenState(model.model))
    }

    public var body: some View {
        List {
            if screen.state.isEmpty { Text(strings.text(.conflictsEmpty)) }
            ForEach(screen.state, id: \.id) { c in
                HStack {
                    Text(c.text)
                    Spacer()
                    ShareLink(item: c.ics) { Image(systemName: "square.and.arrow.up") }
                }
                .swipeActions {
                    Button(strings.text(.conflictDismiss), role: .destructive) {
                        Task { await model.dismiss(id: c.id) }
                    }
                }
            }
        }
        .task { await model.load() }
        .navigationTitle(strings.text(.conflictsTitle))
    }
}

/// Backups with a dry-run restore and the restore.
public struct BackupsView: View {
    private let model: BackupsViewModel
    private let strings: Strings
    @StateObject private var screen: ScreenState<BackupsState>
    @State private var confirming: Int64?

    /// The backups screen of `model`.
    public init(model: BackupsViewModel, strings: Strings) {
        self.model = model
        self.strings = strings
        _screen = StateObject(wrappedValue: ScreenState(model.model))
    }

    public var body: some View {
        List {
            if let m = screen.state.message { Section { Text(m) } }
            if screen.state.backups.isEmpty { Text(strings.text(.backupsEmpty)) }
            ForEach(screen.state.backups, id: \.id) { b in
                VStack(alignment: .leading) {
                    Text(b.text)
                    HStack {
                        Button(strings.text(.backupRestoreDryRun)) {
                            Task {
                                await model.dryRun(b.id)
                                confirming = b.id
                            }
                        }
                        .buttonStyle(.bordered)
                        if confirming == b.id {
                            Button(strings.text(.backupRestore), role: .destructive) {
                                Task { await model.restore(b.id, confirmed: true) }
                                confirming = nil
                            }
                            .buttonStyle(.borderedProminent)
                        }
                    }
                }
            }
        }
        .task { await model.load() }
        .navigationTitle(strings.text(.backupsTitle))
    }
}
#endif
