// The account passwords in the iOS Keychain (kSecClassGenericPassword, this device only,
// readable after the first unlock so background refresh can sync). Apple platforms only.
#if canImport(Security) && canImport(Darwin)
import Foundation
import Security

/// Passwords in the Keychain, one generic password per account.
public final class KeychainPasswordStore: PasswordStore, @unchecked Sendable {
    private let service: String

    /// Passwords under the Keychain service `service`.
    public init(service: String = "org.synchro.app") { self.service = service }

    private func query(_ account: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
    }

    public func password(for account: String) throws -> String? {
        var q = query(account)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = item as? Data else { throw KeychainError(status) }
        return String(data: data, encoding: .utf8)
    }

    public func setPassword(_ password: String, for account: String) throws {
        let data = Data(password.utf8)
        let update: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(query(account) as CFDictionary, update as CFDictionary)
        if status == errSecItemNotFound {
            var add = query(account)
            add.merge(update) { _, new in new }
            status = SecItemAdd(add as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw KeychainError(status) }
    }

    public func removePassword(for account: String) throws {
        let status = SecItemDelete(query(account) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw KeychainError(status) }
    }
}

/// A Keychain failure (its OSStatus; never the password).
public struct KeychainError: Error, CustomStringConvertible {
    /// The status.
    public let status: OSStatus
    init(_ status: OSStatus) { self.status = status }
    public var description: String { "Keychain error \(status)" }
}
#endif
