package org.synchro.android.sync

import android.accounts.Account
import android.content.Context
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.device.CalendarContractDevice
import org.synchro.android.device.PhoneCalendars
import org.synchro.ffi.SyncException
import org.synchro.ffi.SyncOptions
import org.synchro.ffi.SyncProgress
import org.synchro.ffi.SyncStatus

/**
 * Runs the core's sync for each calendar of a phone account, on the caller's (worker)
 * thread: the password from AccountManager, the device over the calendar provider. A sync
 * held back by a guard is announced by [HeldBackNotifier], a refused password by
 * [PasswordNotifier]; neither is ever applied or retried silently.
 */
class SyncRunner(private val context: Context) {
    /** Syncs every calendar of [account]; [confirm] is the core account whose held-back plan the user accepted. */
    fun run(account: Account, confirm: String? = null, progress: SyncProgress? = null): List<SyncOutcome> {
        val password = SynchroAccounts.password(context, account)
        val calendars = PhoneCalendars.of(context.contentResolver, account)
        return calendars.map { cal ->
            val outcome = if (password == null) {
                SyncOutcome.WrongPassword(cal.name)
            } else {
                syncOne(account, cal, password, cal.coreAccount == confirm, progress)
            }
            when (outcome) {
                is SyncOutcome.HeldBack -> HeldBackNotifier.show(context, account, outcome)
                is SyncOutcome.WrongPassword -> PasswordNotifier.show(context, account)
                is SyncOutcome.Done -> HeldBackNotifier.cancel(context, cal.coreAccount)
                else -> Unit
            }
            outcome
        }
    }

    /** The device of calendar [cal] of [account]. */
    fun device(account: Account, cal: PhoneCalendars.PhoneCalendar) =
        CalendarContractDevice(context.contentResolver, account, cal.id)

    private fun syncOne(
        account: Account,
        cal: PhoneCalendars.PhoneCalendar,
        password: String,
        confirmed: Boolean,
        progress: SyncProgress?,
    ): SyncOutcome {
        val device = device(account, cal)
        return try {
            val report = Core.agent(context).sync(cal.coreAccount, password, device, SyncOptions(false, confirmed, null), progress)
            if (report.status == SyncStatus.OK && report.errors.isEmpty()) device.afterSync()
            SyncOutcome.Done(cal.name, report)
        } catch (e: SyncException.NeedsConfirmation) {
            SyncOutcome.HeldBack(cal.name, cal.coreAccount, e.reason, e.plan)
        } catch (e: SyncException.Auth) {
            SyncOutcome.WrongPassword(cal.name)
        } catch (e: SyncException.Unavailable) {
            SyncOutcome.Unavailable(cal.name, e.retryAfterS)
        } catch (e: SyncException) {
            SyncOutcome.Failed(cal.name, e.message ?: e.javaClass.simpleName)
        }
    }
}
