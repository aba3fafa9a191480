// The app's words in English and French, with `{name}` placeholders; the language follows
// the phone's. Tests check that both languages have every key and the same placeholders.
import Foundation

/// Languages of the app.
public enum Language: String, CaseIterable, Sendable {
    case en, fr

    /// The phone's preferred language, English when it is neither.
    public static var preferred: Language {
        let code = Locale.preferredLanguages.first?.prefix(2) ?? "en"
        return Language(rawValue: String(code)) ?? .en
    }
}

/// Every text of the app.
public enum TextKey: String, CaseIterable, Sendable {
    case appTitle, syncButton, syncing, progressPhase, neverSynced, lastSync
    case resultOk, resultNothing, resultPartial, resultAuth, resultUnavailable, resultRetryAfter
    case resultInterrupted, resultDevice, resultConfig, resultProtocol, resultStorage, resultTls
    case resultInternal, resultNoAccess
    case heldTitle, heldEmptied, heldMass, heldServerReset, heldConfirm, heldCancel, heldDeletion
    case heldDeletionUntitled, sidePhone, sideServer
    case setupTitle, setupServer, setupUser, setupPassword, setupDiscover, setupFound
    case setupNone, setupAdd, setupAdded, setupPastDays
    case historyTitle, historyEntry, historyEmpty
    case conflictsTitle, conflictsEmpty, conflictEntry, conflictDismiss
    case backupsTitle, backupsEmpty, backupEntry, backupRestoreDryRun, backupRestore
    case restoreWouldDo, restoreDone, restoreKept
    case askPassword, accessDenied
}

/// Looks up texts in one language.
public struct Strings: Sendable {
    /// The language.
    public let language: Language

    /// Texts in `language`.
    public init(_ language: Language = .preferred) { self.language = language }

    /// The text of `key` with its `{name}` placeholders replaced.
    public func text(_ key: TextKey, _ args: [String: String] = [:]) -> String {
        var s = Strings.table(language)[key] ?? key.rawValue
        for (k, v) in args { s = s.replacingOccurrences(of: "{\(k)}", with: v) }
        return s
    }

    /// The raw table of a language.
    public static func table(_ language: Language) -> [TextKey: String] {
        switch language {
        case .en: return english
        case .fr: return french
        }
    }

    /// The `{name}` placeholders of a text.
    public static func placeholders(_ s: String) -> Set<String> {
        var out = Set<String>()
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "{"),
            let close = rest[open...].firstIndex(of: "}")
        {
            out.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    static let english: [TextKey: String] = [
        .appTitle: "Synchro",
        .syncButton: "Synchronise",
        .syncing: "Synchronising…",
        .progressPhase: "{phase}: {done} of {total}",
        .neverSynced: "Not synchronised yet.",
        .lastSync: "Last synchronisation: {when}",
        .resultOk: "Done. Phone: {devAdded} added, {devUpdated} changed, {devDeleted} removed. Server: {srvAdded} added, {srvUpdated} changed, {srvDeleted} removed.",
        .resultNothing: "Everything was already in sync.",
        .resultPartial: "Done, but {count} events could not be synchronised; they will be tried again.",
        .resultAuth: "The server refused the user name or password. Enter the password again.",
        .resultUnavailable: "The server cannot be reached. Nothing was lost; Synchro will try again later.",
        .resultRetryAfter: "The server is busy and asked to wait {seconds} s. Nothing was lost.",
        .resultInterrupted: "The synchronisation was stopped; the next one goes on from there.",
        .resultDevice: "The phone's calendar refused a change: {detail}",
        .resultConfig: "The account's settings are not right: {detail}",
        .resultProtocol: "The server answered something Synchro cannot use: {detail}",
        .resultStorage: "Synchro's own storage failed: {detail}",
        .resultTls: "The server's certificate was refused: {detail}. Nothing was sent.",
        .resultInternal: "An error in Synchro stopped this synchronisation: {detail}",
        .resultNoAccess: "Synchro may not use the calendars. Allow it in Settings › Privacy › Calendars.",
        .heldTitle: "Nothing was changed yet",
        .heldEmptied: "The {side} calendar is empty although it held {known} events: synchronising would delete {deletions} events on the other side.",
        .heldMass: "This synchronisation would delete {deletions} of {known} events on the {side}.",
        .heldServerReset: "The server asks to compare everything again although {known} events were synchronised.",
        .heldConfirm: "Delete them",
        .heldCancel: "Keep everything",
        .heldDeletion: "{title} ({side})",
        .heldDeletionUntitled: "Untitled event ({side})",
        .sidePhone: "phone",
        .sideServer: "server",
        .setupTitle: "Add an account",
        .setupServer: "Server address",
        .setupUser: "User name",
        .setupPassword: "Password",
        .setupDiscover: "Find my calendars",
        .setupFound: "{count} calendars found. Tick those to synchronise.",
        .setupNone: "No calendar was found at this address.",
        .setupAdd: "Add",
        .setupAdded: "{count} calendars added.",
        .setupPastDays: "Keep the past {days} days on the phone",
        .historyTitle: "History",
        .historyEntry: "{when}: {result}",
        .historyEmpty: "No synchronisation yet.",
        .conflictsTitle: "Conflicts",
        .conflictsEmpty: "No conflict.",
        .conflictEntry: "{title}: the {side} version was kept aside ({when}).",
        .conflictDismiss: "Seen, remove",
        .backupsTitle: "Backups",
        .backupsEmpty: "No backup yet.",
        .backupEntry: "{when}: {phone} events on the phone, {server} on the server",
        .backupRestoreDryRun: "What would a restore do?",
        .backupRestore: "Restore",
        .restoreWouldDo: "A restore would re-create {added}, put back {reverted} and remove {removed} events.",
        .restoreDone: "Restored: {added} re-created, {reverted} put back, {removed} removed.",
        .restoreKept: "{count} events added since the backup are kept.",
        .askPassword: "Password for {account}",
        .accessDenied: "Synchro needs access to your calendars to synchronise them.",
    ]

    static let french: [TextKey: String] = [
        .appTitle: "Synchro",
        .syncButton: "Synchroniser",
        .syncing: "Synchronisation…",
        .progressPhase: "{phase} : {done} sur {total}",
        .neverSynced: "Pas encore synchronisé.",
        .lastSync: "Dernière synchronisation : {when}",
        .resultOk: "Terminé. Téléphone : {devAdded} ajoutés, {devUpdated} modifiés, {devDeleted} supprimés. Serveur : {srvAdded} ajoutés, {srvUpdated} modifiés, {srvDeleted} supprimés.",
        .resultNothing: "Tout était déjà synchronisé.",
        .resultPartial: "Terminé, mais {count} événements n’ont pas pu être synchronisés ; ils seront repris.",
        .resultAuth: "Le serveur a refusé le nom d’utilisateur ou le mot de passe. Saisissez à nouveau le mot de passe.",
        .resultUnavailable: "Le serveur est injoignable. Rien n’est perdu ; Synchro réessaiera plus tard.",
        .resultRetryAfter: "Le serveur est occupé et demande d’attendre {seconds} s. Rien n’est perdu.",
        .resultInterrupted: "La synchronisation a été arrêtée ; la prochaine reprendra là.",
        .resultDevice: "Le calendrier du téléphone a refusé une modification : {detail}",
        .resultConfig: "Les réglages du compte ne conviennent pas : {detail}",
        .resultProtocol: "Le serveur a répondu quelque chose que Synchro ne sait pas lire : {detail}",
        .resultStorage: "Le stockage de Synchro a échoué : {detail}",
        .resultTls: "Le certificat du serveur a été refusé : {detail}. Rien n’a été envoyé.",
        .resultInternal: "Une erreur de Synchro a arrêté cette synchronisation : {detail}",
        .resultNoAccess: "Synchro n’a pas accès aux calendriers. Autorisez-le dans Réglages › Confidentialité › Calendriers.",
        .heldTitle: "Rien n’a encore été modifié",
        .heldEmptied: "Le calendrier {side} est vide alors qu’il contenait {known} événements : synchroniser supprimerait {deletions} événements de l’autre côté.",
        .heldMass: "Cette synchronisation supprimerait {deletions} événements sur {known} ({side}).",
        .heldServerReset: "Le serveur demande de tout comparer à nouveau alors que {known} événements étaient synchronisés.",
        .heldConfirm: "Les supprimer",
        .heldCancel: "Tout garder",
        .heldDeletion: "{title} ({side})",
        .heldDeletionUntitled: "Événement sans titre ({side})",
        .sidePhone: "du téléphone",
        .sideServer: "du serveur",
        .setupTitle: "Ajouter un compte",
        .setupServer: "Adresse du serveur",
        .setupUser: "Nom d’utilisateur",
        .setupPassword: "Mot de passe",
        .setupDiscover: "Trouver mes calendriers",
        .setupFound: "{count} calendriers trouvés. Cochez ceux à synchroniser.",
        .setupNone: "Aucun calendrier trouvé à cette adresse.",
        .setupAdd: "Ajouter",
        .setupAdded: "{count} calendriers ajoutés.",
        .setupPastDays: "Garder les {days} derniers jours sur le téléphone",
        .historyTitle: "Historique",
        .historyEntry: "{when} : {result}",
        .historyEmpty: "Aucune synchronisation pour l’instant.",
        .conflictsTitle: "Conflits",
        .conflictsEmpty: "Aucun conflit.",
        .conflictEntry: "{title} : la version {side} a été mise de côté ({when}).",
        .conflictDismiss: "Vu, retirer",
        .backupsTitle: "Sauvegardes",
        .backupsEmpty: "Aucune sauvegarde pour l’instant.",
        .backupEntry: "{when} : {phone} événements sur le téléphone, {server} sur le serveur",
        .backupRestoreDryRun: "Que ferait une restauration ?",
        .backupRestore: "Restaurer",
        .restoreWouldDo: "Une restauration recréerait {added}, rétablirait {reverted} et supprimerait {removed} événements.",
        .restoreDone: "Restauré : {added} recréés, {reverted} rétablis, {removed} supprimés.",
        .restoreKept: "{count} événements ajoutés depuis la sauvegarde sont gardés.",
        .askPassword: "Mot de passe de {account}",
        .accessDenied: "Synchro a besoin d’accéder à vos calendriers pour les synchroniser.",
    ]
}
