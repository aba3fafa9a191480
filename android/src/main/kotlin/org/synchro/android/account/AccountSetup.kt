package org.synchro.android.account

import android.accounts.Account
import android.content.Context
import org.synchro.android.device.PhoneCalendars
import org.synchro.android.sync.Core
import org.synchro.android.sync.SyncSchedule
import org.synchro.ffi.AccountSettings
import org.synchro.ffi.NewAccount
import org.synchro.ffi.ServerConfig
import org.synchro.ffi.SyncMlAuth
import org.synchro.ffi.SyncMlFormat
import org.synchro.ffi.defaultAccountSettings

/**
 * Set-up of a phone account: discovery of the server's calendars, then one provider calendar
 * and one core account per calendar ticked, and periodic sync.
 */
class AccountSetup(private val context: Context) {
    /** A calendar the server offers. */
    data class Offered(val url: String, val name: String, val color: String?, val readOnly: Boolean)

    private fun settings(server: SynchroAccounts.Server): AccountSettings =
        defaultAccountSettings().apply { allowInsecureHttp = server.allowInsecureHttp }

    /** The calendars of [server] (checks the password); a SyncML server has one. */
    fun discover(server: SynchroAccounts.Server, password: String): List<Offered> = when (server.protocol) {
        SynchroAccounts.Protocol.SYNCML -> listOf(Offered(server.url, "SyncML", null, false))
        SynchroAccounts.Protocol.CALDAV -> Core.agent(context)
            .discoverCalendars(server.url, server.username, password, settings(server))
            .filter { it.components.isEmpty() || "VEVENT" in it.components }
            .map { Offered(it.url, it.displayName ?: it.url.trimEnd('/').substringAfterLast('/'), it.color, it.readOnly) }
    }

    /** Creates the account [name] with the calendars [chosen]; returns it. */
    fun create(
        name: String,
        server: SynchroAccounts.Server,
        password: String,
        chosen: List<Offered>,
        pastDays: UInt?,
        intervalMinutes: Long = SyncSchedule.DEFAULT_MINUTES,
    ): Account {
        val account = SynchroAccounts.add(context, name, server, password)
            ?: throw IllegalArgumentException("an account named $name exists already")
        val resolver = context.contentResolver
        chosen.forEachIndexed { i, cal ->
            val core = "$name/${i + 1}"
            val id = PhoneCalendars.create(resolver, account, core, cal.url, cal.name, cal.color, cal.readOnly)
            val config = when (server.protocol) {
                SynchroAccounts.Protocol.CALDAV -> ServerConfig.CalDav(cal.url, cal.url)
                SynchroAccounts.Protocol.SYNCML -> ServerConfig.SyncMl(server.url, null, null, SyncMlFormat.I_CALENDAR, false, SyncMlAuth.MD5)
            }
            try {
                Core.agent(context).addAccount(NewAccount(core, server.username, "android:$id", pastDays, config, settings(server)), password)
            } catch (e: Exception) {
                PhoneCalendars.remove(resolver, account, id)
                throw e
            }
        }
        SyncSchedule.enable(context, account, intervalMinutes)
        return account
    }
}
