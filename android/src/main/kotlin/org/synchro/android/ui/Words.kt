package org.synchro.android.ui

import android.content.Context
import java.text.DateFormat
import java.util.Date
import org.synchro.android.sync.SyncOutcome
import org.synchro.ffi.BackupInfo
import org.synchro.ffi.BackupReason
import org.synchro.ffi.ChangeAction
import org.synchro.ffi.ConflictInfo
import org.synchro.ffi.HistoryEntry
import org.synchro.ffi.HoldReason
import org.synchro.ffi.PlannedChange
import org.synchro.ffi.RestoreAction
import org.synchro.ffi.RestoreReport
import org.synchro.ffi.Side
import org.synchro.ffi.SyncStatus

/**
 * Every sentence the app shows, in French and English (the phone's language picks), and
 * the wording of the core's typed results in words a non-technical user understands.
 */
class Words(private val fr: Boolean) {
    /** The wording for [context]'s language. */
    constructor(context: Context) : this(context.resources.configuration.locales[0].language == "fr")

    private fun w(french: String, english: String) = if (fr) french else english

    val appName get() = "Synchro"
    val syncButton get() = w("Synchroniser", "Synchronise")
    val syncing get() = w("Synchronisation en cours…", "Synchronising…")
    val noAccount get() = w("Aucun compte. Ajoutez votre serveur pour commencer.", "No account yet. Add your server to start.")
    val addAccount get() = w("Ajouter un compte", "Add an account")
    val history get() = w("Historique", "History")
    val conflicts get() = w("Conflits conservés", "Kept conflicts")
    val backups get() = w("Sauvegardes", "Backups")
    val setupTitle get() = w("Nouveau compte", "New account")
    val serverUrl get() = w("Adresse du serveur", "Server address")
    val username get() = w("Nom d'utilisateur", "User name")
    val password get() = w("Mot de passe", "Password")
    val caldav get() = "CalDAV"
    val syncml get() = "SyncML"
    val allowHttp get() = w("Autoriser http sans chiffrement (serveur de test)", "Allow unencrypted http (test server)")
    val pastDays get() = w("Jours passés à garder sur le téléphone (vide : tout)", "Past days kept on the phone (empty: all)")
    val findCalendars get() = w("Chercher les agendas", "Find calendars")
    val save get() = w("Enregistrer", "Save")
    val interval get() = w("Synchroniser toutes les (minutes)", "Sync every (minutes)")
    val noneYet get() = w("Rien pour l'instant.", "Nothing yet.")
    val restore get() = w("Restaurer", "Restore")
    val dismiss get() = w("Vu, retirer", "Seen, remove")
    val apply get() = w("Appliquer", "Apply")
    val confirmRestore get() = w("Confirmer la restauration", "Confirm the restore")
    val heldTitle get() = w("Synchronisation en attente", "Sync waiting for you")
    val passwordTitle get() = w("Mot de passe refusé", "Password refused")
    val passwordText get() = w("Le serveur a refusé le mot de passe. Saisissez-le à nouveau.", "The server refused the password. Please enter it again.")
    val searching get() = w("Recherche…", "Searching…")
    val dryRunTitle get() = w("La restauration ferait ceci (rien n'est encore changé) :", "The restore would do this (nothing changed yet):")
    val restored get() = w("Restauration faite.", "Restore done.")
    val kept get() = w("Les suppressions ont été annulées : les événements sont revenus sur le téléphone.", "The deletions were undone: the events are back on the phone.")

    /** The calendars found, or why none. */
    fun found(n: Int) = if (n == 0) w("Aucun agenda trouvé.", "No calendar found.") else w("$n agenda(s) trouvé(s) : cochez ceux à synchroniser.", "$n calendar(s) found: tick those to sync.")

    /** Account created. */
    fun created(n: Int) = w("Compte créé avec $n agenda(s).", "Account created with $n calendar(s).")

    /** A line for each calendar's outcome. */
    fun outcome(o: SyncOutcome): String = "${o.calendar} : " + when (o) {
        is SyncOutcome.Done -> done(o)
        is SyncOutcome.HeldBack -> hold(o.reason) + " " + w("Rien n'a été changé.", "Nothing was changed.")
        is SyncOutcome.WrongPassword -> passwordText
        is SyncOutcome.Unavailable -> w("serveur injoignable pour l'instant ; rien n'est perdu, on réessaiera.", "server out of reach for now; nothing is lost, it will try again.")
        is SyncOutcome.Failed -> w("la synchronisation a échoué (${o.detail}).", "the sync failed (${o.detail}).")
    }

    private fun done(o: SyncOutcome.Done): String {
        val r = o.report
        val phone = r.device.added + r.device.updated + r.device.deleted
        val server = r.server.added + r.server.updated + r.server.deleted
        val parts = mutableListOf<String>()
        if (phone == 0UL && server == 0UL) parts += w("déjà à jour.", "already up to date.")
        if (phone > 0UL) parts += w("téléphone : ${r.device.added} ajouté(s), ${r.device.updated} modifié(s), ${r.device.deleted} supprimé(s).",
            "phone: ${r.device.added} added, ${r.device.updated} changed, ${r.device.deleted} removed.")
        if (server > 0UL) parts += w("serveur : ${r.server.added} ajouté(s), ${r.server.updated} modifié(s), ${r.server.deleted} supprimé(s).",
            "server: ${r.server.added} added, ${r.server.updated} changed, ${r.server.deleted} removed.")
        if (r.conflicts > 0UL) parts += w("${r.conflicts} conflit(s) : la version du serveur gagne, celle du téléphone est conservée.",
            "${r.conflicts} conflict(s): the server's version wins, the phone's is kept.")
        if (r.errors.isNotEmpty()) parts += w("${r.errors.size} événement(s) n'ont pas pu être synchronisés ; ils le seront la prochaine fois.",
            "${r.errors.size} event(s) could not be synced; they will be next time.")
        return parts.joinToString(" ")
    }

    private fun side(s: Side) = when (s) {
        Side.DEVICE -> w("le téléphone", "the phone")
        Side.SERVER -> w("le serveur", "the server")
        Side.BOTH -> w("les deux côtés", "both sides")
    }

    /** "of" a side: French contracts "de le" into "du". */
    private fun ofSide(s: Side) = when (s) {
        Side.DEVICE -> w("du téléphone", "the phone's")
        Side.SERVER -> w("du serveur", "the server's")
        Side.BOTH -> w("des deux côtés", "both sides'")
    }

    /** Why a sync was held back. */
    fun hold(h: HoldReason): String = when (h) {
        is HoldReason.MassDeletion -> w("${h.deletions} événement(s) sur ${h.known} seraient supprimés sur ${side(h.side)}.",
            "${h.deletions} of ${h.known} events would be deleted on ${side(h.side)}.")
        is HoldReason.EmptiedSide -> w("${side(h.emptied).replaceFirstChar { it.uppercase() }} est vide : ${h.deletions} événement(s) seraient supprimés de l'autre côté.",
            "${side(h.emptied).replaceFirstChar { it.uppercase() }} is empty: ${h.deletions} event(s) would be deleted on the other side.")
        is HoldReason.ServerReset -> w("le serveur demande une comparaison complète de ${h.known} événements.",
            "the server asks for a full comparison of ${h.known} events.")
    }

    /** The events a held-back plan would delete, by title. */
    fun deletions(plan: List<PlannedChange>): String = plan.filter { it.action == ChangeAction.DELETE }
        .joinToString(", ") { it.summary ?: it.uid }

    /** One history line. */
    fun history(h: HistoryEntry): String {
        val status = when (h.status) {
            SyncStatus.OK -> w("réussie", "done")
            SyncStatus.NEEDS_CONFIRMATION -> w("en attente de votre accord", "waiting for your consent")
            SyncStatus.ERROR -> w("échouée", "failed")
        }
        return listOfNotNull("${date(h.startedAt)} — ${h.account} — $status", changes(h.reportJson))
            .joinToString(" : ")
    }

    /** What a past sync changed, from its report (nothing for a sync that changed nothing). */
    private fun changes(reportJson: String): String? {
        val report = runCatching { org.json.JSONObject(reportJson) }.getOrNull() ?: return null
        fun side(name: String, fr: String, en: String): String? {
            val s = report.optJSONObject(name) ?: return null
            val (added, updated, deleted) = listOf("added", "updated", "deleted").map { s.optLong(it) }
            if (added + updated + deleted == 0L) return null
            return w("$fr +$added ~$updated −$deleted", "$en +$added ~$updated −$deleted")
        }
        val conflicts = report.optLong("conflicts")
        val parts = listOfNotNull(
            side("device", "téléphone", "phone"),
            side("server", "serveur", "server"),
            if (conflicts > 0) w("$conflicts conflit(s)", "$conflicts conflict(s)") else null,
        )
        return parts.joinToString(", ").ifEmpty { null }
    }

    /** One conflict line. */
    fun conflict(c: ConflictInfo): String = w("${date(c.createdAt)} — « ${c.summary ?: c.uid} » : version ${ofSide(c.losingSide)} conservée",
        "${date(c.createdAt)} — \"${c.summary ?: c.uid}\": ${ofSide(c.losingSide)} version kept")

    /** One backup line. */
    fun backup(b: BackupInfo): String {
        val why = when (b.reason) {
            BackupReason.FIRST_SYNC -> w("avant la première synchronisation", "before the first sync")
            BackupReason.DAILY -> w("quotidienne", "daily")
            BackupReason.SETTINGS_CHANGE -> w("avant un changement de réglages", "before a settings change")
            BackupReason.MANUAL -> w("manuelle", "manual")
            BackupReason.BEFORE_SYNC -> w("avant une synchronisation", "before a sync")
            BackupReason.BEFORE_RESTORE -> w("avant une restauration", "before a restore")
        }
        return w("${date(b.createdAt)} — $why — ${b.deviceItems} sur le téléphone, ${b.serverItems} sur le serveur",
            "${date(b.createdAt)} — $why — ${b.deviceItems} on the phone, ${b.serverItems} on the server")
    }

    /** What a restore did or would do. */
    fun restore(r: RestoreReport): String {
        if (r.changes.isEmpty()) return w("Rien à changer : tout est déjà comme dans la sauvegarde.", "Nothing to change: all is as in the backup.")
        val lines = r.changes.map { c ->
            val what = when (c.action) {
                RestoreAction.ADD -> w("remis", "put back")
                RestoreAction.REVERT -> w("rétabli", "reverted")
                RestoreAction.REMOVE -> w("retiré", "removed")
            }
            "${side(c.side)} : $what ${c.uid}"
        }
        val kept = if (r.keptAdded > 0UL) listOf(w("${r.keptAdded} événement(s) ajouté(s) depuis restent.", "${r.keptAdded} event(s) added since stay.")) else emptyList()
        return (lines + kept).joinToString("\n")
    }

    private fun date(epochSeconds: Long): String =
        DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT).format(Date(epochSeconds * 1000))
}
