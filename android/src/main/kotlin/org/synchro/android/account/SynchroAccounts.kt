package org.synchro.android.account

import android.accounts.Account
import android.accounts.AccountManager
import android.content.Context
import android.os.Bundle

/**
 * The phone's Synchro accounts (AccountManager): server URL, user name, protocol and sync
 * interval as account data, the password as the account's password and nowhere else.
 */
object SynchroAccounts {
    /** The account type, also the calendars' ACCOUNT_TYPE. */
    const val ACCOUNT_TYPE = "org.synchro.android"
    private const val URL = "server_url"
    private const val USER = "username"
    private const val PROTOCOL = "protocol"
    private const val INSECURE = "allow_insecure_http"

    /** The protocol of an account. */
    enum class Protocol { CALDAV, SYNCML }

    /** What the account holds besides its password. */
    data class Server(val url: String, val username: String, val protocol: Protocol, val allowInsecureHttp: Boolean)

    /** Adds the account [name]; false if it exists already. */
    fun add(context: Context, name: String, server: Server, password: String): Account? {
        val account = Account(name, ACCOUNT_TYPE)
        val data = Bundle().apply {
            putString(URL, server.url)
            putString(USER, server.username)
            putString(PROTOCOL, server.protocol.name)
            putString(INSECURE, server.allowInsecureHttp.toString())
        }
        return if (AccountManager.get(context).addAccountExplicitly(account, password, data)) account else null
    }

    /** Every Synchro account on the phone. */
    fun all(context: Context): List<Account> = AccountManager.get(context).getAccountsByType(ACCOUNT_TYPE).toList()

    /** The server of [account]. */
    fun server(context: Context, account: Account): Server {
        val am = AccountManager.get(context)
        return Server(
            url = am.getUserData(account, URL) ?: "",
            username = am.getUserData(account, USER) ?: "",
            protocol = am.getUserData(account, PROTOCOL)?.let(Protocol::valueOf) ?: Protocol.CALDAV,
            allowInsecureHttp = am.getUserData(account, INSECURE) == "true",
        )
    }

    /** The password of [account], or null when none is set. */
    fun password(context: Context, account: Account): String? = AccountManager.get(context).getPassword(account)

    /** Replaces the password of [account] (after the server refused the old one). */
    fun setPassword(context: Context, account: Account, password: String) =
        AccountManager.get(context).setPassword(account, password)

    /** A value kept with [account]. */
    fun data(context: Context, account: Account, key: String): String? = AccountManager.get(context).getUserData(account, key)

    /** Keeps a value with [account]. */
    fun setData(context: Context, account: Account, key: String, value: String) =
        AccountManager.get(context).setUserData(account, key, value)
}
