// The state holder every view model uses: state read and written under a lock, listeners
// told after each change (SwiftUI's wrapper hops to the main thread), and a helper that
// runs a blocking core call on a worker thread from async code.
import Foundation

/// A value shared between a worker thread and the screen, with change listeners.
public final class Observed<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: State
    private var listeners: [(State) -> Void] = []

    /// Starts at `initial`.
    public init(_ initial: State) { value = initial }

    /// The current state.
    public var state: State {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    /// Changes the state and tells the listeners.
    public func update(_ change: (inout State) -> Void) {
        lock.lock()
        change(&value)
        let now = value
        let ls = listeners
        lock.unlock()
        for l in ls { l(now) }
    }

    /// Calls `listener` after every change.
    public func observe(_ listener: @escaping (State) -> Void) {
        lock.lock()
        listeners.append(listener)
        lock.unlock()
    }
}

/// Runs a blocking call on a worker thread.
public func onWorker<T>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
        DispatchQueue.global(qos: .userInitiated).async { c.resume(returning: work()) }
    }
}
