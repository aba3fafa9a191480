package org.synchro.android.sync

import android.accounts.Account
import android.content.ContentResolver
import android.content.Context
import android.os.Bundle
import android.provider.CalendarContract
import org.synchro.android.account.SynchroAccounts

/**
 * Background sync through the system's sync framework: the account's calendars sync
 * automatically, periodically at the account's interval (the framework runs a periodic sync
 * only with a network connection, and postpones it without one), and on "sync now".
 */
object SyncSchedule {
    /** The interval of a new account, in minutes. */
    const val DEFAULT_MINUTES = 60L
    private const val KEY = "sync_interval_minutes"

    /** Turns on periodic sync of [account] every [minutes]. */
    fun enable(context: Context, account: Account, minutes: Long = interval(context, account)) {
        SynchroAccounts.setData(context, account, KEY, minutes.toString())
        ContentResolver.setIsSyncable(account, CalendarContract.AUTHORITY, 1)
        ContentResolver.setSyncAutomatically(account, CalendarContract.AUTHORITY, true)
        ContentResolver.addPeriodicSync(account, CalendarContract.AUTHORITY, Bundle.EMPTY, minutes * 60)
    }

    /** The account's interval in minutes. */
    fun interval(context: Context, account: Account): Long =
        SynchroAccounts.data(context, account, KEY)?.toLongOrNull() ?: DEFAULT_MINUTES

    /** Asks the framework for a sync of [account] now, ahead of the queue. */
    fun syncNow(account: Account) {
        val extras = Bundle().apply {
            putBoolean(ContentResolver.SYNC_EXTRAS_MANUAL, true)
            putBoolean(ContentResolver.SYNC_EXTRAS_EXPEDITED, true)
        }
        ContentResolver.requestSync(account, CalendarContract.AUTHORITY, extras)
    }
}
