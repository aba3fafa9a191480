// Where the app keeps account passwords: the Keychain on the phone (KeychainPasswordStore),
// memory in tests. Never the store, the settings or a log.
import Foundation

/// Keeps one password per account.
public protocol PasswordStore: AnyObject, Sendable {
    /// The password of `account`, nil when none is kept.
    func password(for account: String) throws -> String?
    /// Keeps (replacing) the password of `account`.
    func setPassword(_ password: String, for account: String) throws
    /// Forgets the password of `account`.
    func removePassword(for account: String) throws
}

/// Passwords in memory, for tests and previews.
public final class MemoryPasswordStore: PasswordStore, @unchecked Sendable {
    private let lock = NSLock()
    private var passwords: [String: String] = [:]

    /// An empty store.
    public init() {}

    public func password(for account: String) throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        return passwords[account]
    }

    public func setPassword(_ password: String, for account: String) throws {
        lock.lock()
        defer { lock.unlock() }
        passwords[account] = password
    }

    public func removePassword(for account: String) throws {
        lock.lock()
        defer { lock.unlock() }
        passwords[account] = nil
    }
}
