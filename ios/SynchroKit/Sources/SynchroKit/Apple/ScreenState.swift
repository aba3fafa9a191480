// A view model's Observed state as a SwiftUI ObservableObject, updated on the main thread.
#if canImport(SwiftUI)
import Combine
import Foundation
import SwiftUI

/// Publishes an `Observed` state to SwiftUI.
public final class ScreenState<State>: ObservableObject {
    /// The state the view shows.
    @Published public private(set) var state: State

    /// Follows `observed`.
    public init(_ observed: Observed<State>) {
        state = observed.state
        observed.observe { [weak self] s in
            DispatchQueue.main.async { self?.state = s }
        }
    }
}
#endif
