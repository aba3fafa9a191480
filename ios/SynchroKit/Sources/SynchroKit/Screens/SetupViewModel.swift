// The set-up screen: server, user and password, discovery of the calendars, several ticked
// from the list, each added as its own account with its own EventKit calendar (name and
// colour from the server) and the password in the PasswordStore.
import Foundation
import SynchroFFI

/// One discovered calendar and whether it is ticked.
public struct DiscoveredCalendar: Equatable, Sendable {
    /// The server calendar.
    public var url: String
    /// Its name (the URL's last part when the server gives none).
    public var name: String
    /// `#rrggbb`.
    public var color: String?
    /// Ticked to be added.
    public var ticked: Bool
}

/// What the set-up screen shows.
public struct SetupState: Equatable, Sendable {
    public var serverURL = ""
    public var username = ""
    public var password = ""
    /// Past days kept on the phone (nil: everything).
    public var pastDays: UInt32? = 90
    /// Discovery or adding runs.
    public var busy = false
    public var calendars: [DiscoveredCalendar] = []
    /// The last message (found, none, error, added).
    public var message: String?
    /// Accounts added by this screen.
    public var added: [String] = []
}

/// The set-up screen's logic.
public final class SetupViewModel: @unchecked Sendable {
    /// The state, observed by the view.
    public let model = Observed(SetupState())
    private let coordinator: SyncCoordinator
    private let wording: OutcomeWording
    /// Account settings for the servers added (tests allow Basic over plain http).
    public var settings: AccountSettings

    /// The set-up screen over `coordinator`.
    public init(coordinator: SyncCoordinator, strings: Strings = Strings()) {
        self.coordinator = coordinator
        self.wording = OutcomeWording(strings)
        self.settings = defaultAccountSettings()
    }

    /// Changes the form.
    public func edit(_ change: (inout SetupState) -> Void) { model.update(change) }

    /// Ticks or unticks a calendar.
    public func toggle(_ url: String) {
        model.update { s in
            if let i = s.calendars.firstIndex(where: { $0.url == url }) { s.calendars[i].ticked.toggle() }
        }
    }

    /// Asks the server for its calendars (checking the password).
    public func discover() async {
        let s = model.state
        model.update {
            $0.busy = true
            $0.message = nil
        }
        let settings = self.settings
        let result: Result<[CalendarInfo], SyncError> = await onWorker { [coordinator] in
            do {
                return .success(try coordinator.agent.discoverCalendars(
                    serverUrl: s.serverURL, username: s.username, password: s.password,
                    settings: settings))
            } catch let e as SyncError {
                return .failure(e)
            } catch {
                return .failure(.Internal(detail: String(describing: error)))
            }
        }
        let strings = wording.strings
        model.update { st in
            st.busy = false
            switch result {
            case .success(let found):
                let usable = found.filter { $0.components.isEmpty || $0.components.contains("VEVENT") }
                st.calendars = usable.map {
                    DiscoveredCalendar(
                        url: $0.url, name: $0.displayName ?? Self.lastPart($0.url),
                        color: $0.color.map(Self.rgb), ticked: false)
                }
                st.message = usable.isEmpty
                    ? strings.text(.setupNone) : strings.text(.setupFound, ["count": String(usable.count)])
            case .failure(let e):
                st.calendars = []
                st.message = self.wording.describe(e)
            }
        }
    }

    /// Adds every ticked calendar: an EventKit calendar of its own, an account, the password.
    public func addTicked() async {
        let s = model.state
        let ticked = s.calendars.filter { $0.ticked }
        guard !ticked.isEmpty else { return }
        model.update { $0.busy = true }
        let settings = self.settings
        let result: Result<[String], SyncError> = await onWorker { [coordinator] in
            guard !ticked.isEmpty else { return .success([]) }
            var names: [String] = []
            var accounts = coordinator.accounts.load()
            do {
                for cal in ticked {
                    let kitCal = try coordinator.kit.createCalendar(title: cal.name, color: cal.color)
                    let name = Self.uniqueName(cal.name, s.username, taken: accounts.map { $0.name })
                    _ = try coordinator.agent.addAccount(
                        account: NewAccount(
                            name: name, username: s.username, local: "eventkit:\(kitCal.id)",
                            pastDays: s.pastDays,
                            server: .calDav(url: s.serverURL, calendar: cal.url), settings: settings),
                        password: s.password)
                    try coordinator.passwords.setPassword(s.password, for: name)
                    accounts.append(AppAccount(
                        name: name, serverURL: s.serverURL, username: s.username,
                        calendarURL: cal.url, calendarName: cal.name, color: cal.color,
                        kitCalendarId: kitCal.id, pastDays: s.pastDays))
                    try coordinator.accounts.save(accounts)
                    names.append(name)
                }
                return .success(names)
            } catch let e as SyncError {
                return .failure(e)
            } catch {
                return .failure(.Device(detail: String(describing: error)))
            }
        }
        let strings = wording.strings
        model.update { st in
            st.busy = false
            switch result {
            case .success(let names):
                st.added += names
                st.password = ""
                st.message = strings.text(.setupAdded, ["count": String(names.count)])
            case .failure(let e):
                st.message = self.wording.describe(e)
            }
        }
    }

    static func lastPart(_ url: String) -> String {
        url.split(separator: "/").last.map(String.init) ?? url
    }

    /// `#rrggbb` of a CalDAV colour (`#rrggbbaa` loses its alpha).
    static func rgb(_ color: String) -> String {
        color.hasPrefix("#") && color.count == 9 ? String(color.prefix(7)) : color
    }

    static func uniqueName(_ calendar: String, _ user: String, taken: [String]) -> String {
        let base = "\(user)-\(calendar)".lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        var name = String(base)
        var n = 2
        while taken.contains(name) {
            name = "\(String(base))-\(n)"
            n += 1
        }
        return name
    }
}
