package org.synchro.android.sync

import android.accounts.Account
import android.content.Context
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.device.PhoneCalendars
import org.synchro.ffi.Side

/** What the user can answer to a held-back sync: apply its plan, or restore instead. */
class HeldBackActions(private val context: Context) {
    /** Runs the held-back sync of [coreAccount] again with the plan confirmed. */
    fun apply(account: Account, coreAccount: String): List<SyncOutcome> =
        SyncRunner(context).run(account, confirm = coreAccount)

    /**
     * Refuses the plan: events deleted on the phone come back (the rows were only marked
     * deleted); events deleted on the server are put back from the last backup. Returns the
     * number of phone events put back.
     */
    fun restore(account: Account, coreAccount: String): Int {
        val cal = PhoneCalendars.of(context.contentResolver, account).firstOrNull { it.coreAccount == coreAccount } ?: return 0
        val device = SyncRunner(context).device(account, cal)
        val back = device.undoDeletions()
        if (back == 0) {
            val agent = Core.agent(context)
            val backup = agent.backups(coreAccount).maxByOrNull { it.createdAt }
            val password = SynchroAccounts.password(context, account)
            if (backup != null && password != null) {
                agent.restore(backup.id, Side.SERVER, false, false, password, device)
            }
        }
        HeldBackNotifier.cancel(context, coreAccount)
        return back
    }
}
