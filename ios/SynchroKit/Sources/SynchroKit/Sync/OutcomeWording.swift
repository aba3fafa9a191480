// Sync outcomes, hold reasons and planned deletions in plain words, in the app's language.
import Foundation
import SynchroFFI

/// Words for what the core answered.
public struct OutcomeWording: Sendable {
    /// The texts.
    public let strings: Strings

    /// Wording in this language.
    public init(_ strings: Strings = Strings()) { self.strings = strings }

    /// One outcome in a sentence.
    public func describe(_ outcome: SyncOutcome) -> String {
        switch outcome {
        case .done(let r): return describe(r)
        case .heldBack(let h): return describe(h.reason)
        case .failed(let e): return describe(e)
        case .noPassword: return strings.text(.resultAuth)
        case .noAccess: return strings.text(.resultNoAccess)
        }
    }

    /// A finished sync's counts.
    public func describe(_ r: SyncReport) -> String {
        if r.status == .error && !r.errors.isEmpty {
            return strings.text(.resultPartial, ["count": String(r.errors.count)])
        }
        let all = [r.device.added, r.device.updated, r.device.deleted, r.server.added,
                   r.server.updated, r.server.deleted]
        if all.allSatisfy({ $0 == 0 }) { return strings.text(.resultNothing) }
        return strings.text(.resultOk, [
            "devAdded": String(r.device.added), "devUpdated": String(r.device.updated),
            "devDeleted": String(r.device.deleted), "srvAdded": String(r.server.added),
            "srvUpdated": String(r.server.updated), "srvDeleted": String(r.server.deleted),
        ])
    }

    /// An error.
    public func describe(_ e: SyncError) -> String {
        switch e {
        case .Auth: return strings.text(.resultAuth)
        case .Unavailable(let after?, _): return strings.text(.resultRetryAfter, ["seconds": String(after)])
        case .Unavailable: return strings.text(.resultUnavailable)
        case .NeedsConfirmation(let reason, _): return describe(reason)
        case .Interrupted: return strings.text(.resultInterrupted)
        case .Device(let d): return strings.text(.resultDevice, ["detail": d])
        case .Config(let d): return strings.text(.resultConfig, ["detail": d])
        case .Protocol(let d): return strings.text(.resultProtocol, ["detail": d])
        case .Storage(let d): return strings.text(.resultStorage, ["detail": d])
        case .Tls(let d): return strings.text(.resultTls, ["detail": d])
        case .Internal(let d): return strings.text(.resultInternal, ["detail": d])
        }
    }

    /// Why a sync was held back.
    public func describe(_ reason: HoldReason) -> String {
        switch reason {
        case .emptiedSide(let emptied, let known, let deletions):
            return strings.text(.heldEmptied, [
                "side": side(emptied), "known": String(known), "deletions": String(deletions),
            ])
        case .massDeletion(let s, let deletions, let known, _, _):
            return strings.text(.heldMass, [
                "side": side(s), "known": String(known), "deletions": String(deletions),
            ])
        case .serverReset(let known):
            return strings.text(.heldServerReset, ["known": String(known)])
        }
    }

    /// One planned deletion, as the confirmation lists it.
    public func describe(deletion c: PlannedChange) -> String {
        if let title = c.summary, !title.isEmpty {
            return strings.text(.heldDeletion, ["title": title, "side": side(c.side)])
        }
        return strings.text(.heldDeletionUntitled, ["side": side(c.side)])
    }

    /// A side's name.
    public func side(_ s: Side) -> String {
        s == .device ? strings.text(.sidePhone) : strings.text(.sideServer)
    }

    /// A date and time in the language's usual form.
    public func when(_ epochSeconds: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: strings.language == .fr ? "fr_FR" : "en_GB")
        f.dateStyle = .medium
        f.timeStyle = .short
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
    }
}
