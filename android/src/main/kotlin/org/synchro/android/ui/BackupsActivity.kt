package org.synchro.android.ui

import android.app.Activity
import android.os.Bundle
import android.widget.Button
import android.widget.TextView
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.sync.Core
import org.synchro.ffi.BackupInfo
import org.synchro.ffi.Side

/** Backups, with restore: the dry run is shown first, the restore runs only on confirmation. */
class BackupsActivity : Activity() {
    /** What the dry run would do, then what was done. */
    lateinit var plan: TextView
        private set

    /** Confirms the restore shown in [plan]. */
    lateinit var confirm: Button
        private set

    private var chosen: BackupInfo? = null
    private lateinit var words: Words

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        words = Words(this)
        val backups = Core.agent(this).backups(null).sortedByDescending { it.createdAt }
        screen(words.backups) {
            if (backups.isEmpty()) line(words.noneYet)
            backups.forEach { b ->
                line(words.backup(b))
                button(words.restore) { restore(b, dryRun = true) }
            }
            plan = line("")
            confirm = button(words.confirmRestore) { chosen?.let { restore(it, dryRun = false) } }.apply { isEnabled = false }
        }
    }

    /** Shows the dry run of restoring [b] ([dryRun]) or restores it. */
    fun restore(b: BackupInfo, dryRun: Boolean) {
        val (account, cal) = locate(b.account) ?: return
        val password = SynchroAccounts.password(this, account) ?: return
        val side = if (SynchroAccounts.server(this, account).protocol == SynchroAccounts.Protocol.SYNCML) Side.DEVICE else Side.BOTH
        val device = org.synchro.android.sync.SyncRunner(this).device(account, cal)
        work({ Core.agent(this).restore(b.id, side, dryRun, !dryRun, password, device) }) { r ->
            r.onSuccess { report ->
                plan.text = if (dryRun) words.dryRunTitle + "\n" + words.restore(report) else words.restored + "\n" + words.restore(report)
                chosen = if (dryRun) b else null
                confirm.isEnabled = dryRun && report.changes.isNotEmpty()
            }.onFailure { plan.text = it.message ?: it.javaClass.simpleName }
        }
    }
}
