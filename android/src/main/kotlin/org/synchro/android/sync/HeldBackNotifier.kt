package org.synchro.android.sync

import android.accounts.Account
import android.app.Notification
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import org.synchro.android.ui.HeldBackActivity
import org.synchro.android.ui.Words

/**
 * A sync held back by a guard never applies silently: this notification says what would be
 * deleted and offers to apply the plan or to restore what was deleted.
 */
object HeldBackNotifier {
    /** Intent action: apply the held-back plan. */
    const val ACTION_APPLY = "org.synchro.android.APPLY"

    /** Intent action: undo the deletions instead. */
    const val ACTION_RESTORE = "org.synchro.android.RESTORE"

    /** Intent extra: the phone account. */
    const val EXTRA_ACCOUNT = "account"

    /** Intent extra: the core account held back. */
    const val EXTRA_CORE_ACCOUNT = "core_account"

    /** Intent extra: the text of the notification. */
    const val EXTRA_TEXT = "text"

    /** Shows (or replaces) the notification for [held]. */
    fun show(context: Context, account: Account, held: SyncOutcome.HeldBack) {
        val words = Words(context)
        val deleted = words.deletions(held.plan)
        val text = words.hold(held.reason) + if (deleted.isEmpty()) "" else " ($deleted)"
        fun intent(action: String?, code: Int) = PendingIntent.getActivity(
            context, held.coreAccount.hashCode() * 4 + code,
            Intent(context, HeldBackActivity::class.java).setAction(action)
                .putExtra(EXTRA_ACCOUNT, account)
                .putExtra(EXTRA_CORE_ACCOUNT, held.coreAccount)
                .putExtra(EXTRA_TEXT, text),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val n = Notifications.builder(context)
            .setContentTitle("${words.heldTitle} — ${held.calendar}")
            .setContentText(text)
            .setStyle(Notification.BigTextStyle().bigText(text))
            .setContentIntent(intent(null, 0))
            .addAction(Notification.Action.Builder(null, words.apply, intent(ACTION_APPLY, 1)).build())
            .addAction(Notification.Action.Builder(null, words.restore, intent(ACTION_RESTORE, 2)).build())
            .build()
        Notifications.manager(context).notify(tag(held.coreAccount), ID, n)
    }

    /** Removes the notification of [coreAccount] (its sync went through). */
    fun cancel(context: Context, coreAccount: String) = Notifications.manager(context).cancel(tag(coreAccount), ID)

    private fun tag(coreAccount: String) = "held:$coreAccount"

    private const val ID = 1
}
