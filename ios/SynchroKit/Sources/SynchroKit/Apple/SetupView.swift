// The set-up screen: server, user, password, discovery, calendars ticked from the list.
#if canImport(SwiftUI)
import SwiftUI

/// Adds accounts, one per calendar ticked.
public struct SetupView: View {
    private let model: SetupViewModel
    private let strings: Strings
    @StateObject private var screen: ScreenState<SetupState>

    /// The set-up screen of `model`.
    public init(model: SetupViewModel, strings: Strings = Strings()) {
        self.model = model
        self.strings = strings
        _screen = StateObject(wrappedValue: ScreenState(model.model))
    }

    private func field(_ key: WritableKeyPath<SetupState, String>) -> Binding<String> {
        Binding(get: { screen.state[keyPath: key] }, set: { v in model.edit { $0[keyPath: key] = v } })
    }

    public var body: some View {
        Form {
            Section {
                TextField(strings.text(.setupServer), text: field(\.serverURL))
                    .textInputAutocapitalization(.never).keyboardType(.URL).autocorrectionDisabled()
                TextField(strings.text(.setupUser), text: field(\.username))
                    .textInputAutocapitalization(.never).autocorrectionDisabled()
                SecureField(strings.text(.setupPassword), text: field(\.password))
                Button(strings.text(.setupDiscover)) { Task { await model.discover() } }
                    .disabled(screen.state.busy)
            }
            if !screen.state.calendars.isEmpty {
                Section {
                    ForEach(screen.state.calendars, id: \.url) { cal in
                        Button {
                            model.toggle(cal.url)
                        } label: {
                            HStack {
                                Circle().fill(Color(hex: cal.color)).frame(width: 12, height: 12)
                                Text(cal.name)
                                Spacer()
                                if cal.ticked { Image(systemName: "checkmark") }
                            }
                        }
                    }
                    Button(strings.text(.setupAdd)) { Task { await model.addTicked() } }
                        .disabled(screen.state.busy || !screen.state.calendars.contains { $0.ticked })
                }
            }
            if let m = screen.state.message { Section { Text(m) } }
        }
        .navigationTitle(strings.text(.setupTitle))
    }
}

extension Color {
    /// A `#rrggbb` colour (grey when there is none).
    init(hex: String?) {
        guard let hex, hex.hasPrefix("#"), hex.count == 7, let v = UInt32(hex.dropFirst(), radix: 16) else {
            self = .gray
            return
        }
        self = Color(
            red: Double((v >> 16) & 0xff) / 255, green: Double((v >> 8) & 0xff) / 255,
            blue: Double(v & 0xff) / 255)
    }
}
#endif
