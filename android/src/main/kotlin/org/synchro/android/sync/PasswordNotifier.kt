package org.synchro.android.sync

import android.accounts.Account
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import org.synchro.android.ui.PasswordActivity
import org.synchro.android.ui.Words

/** Tells that the server refused the password, and opens the screen to enter it again. */
object PasswordNotifier {
    /** Shows the notification for [account]. */
    fun show(context: Context, account: Account) {
        val words = Words(context)
        val open = PendingIntent.getActivity(
            context, account.name.hashCode(),
            Intent(context, PasswordActivity::class.java).putExtra(HeldBackNotifier.EXTRA_ACCOUNT, account),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val n = Notifications.builder(context)
            .setContentTitle("${words.passwordTitle} — ${account.name}")
            .setContentText(words.passwordText)
            .setContentIntent(open)
            .build()
        Notifications.manager(context).notify("password:${account.name}", 2, n)
    }

    /** Removes it once a new password is saved. */
    fun cancel(context: Context, account: Account) = Notifications.manager(context).cancel("password:${account.name}", 2)
}
