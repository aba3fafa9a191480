package org.synchro.android.device

import android.accounts.Account
import android.content.ContentResolver
import android.content.ContentValues
import android.net.Uri
import android.provider.CalendarContract
import android.provider.CalendarContract.Calendars

/**
 * The provider calendars of a Synchro account: one per synced server calendar, with the
 * server's name and colour. Each remembers its server calendar (_SYNC_ID) and the core
 * account that syncs it (CAL_SYNC1).
 */
object PhoneCalendars {
    /** One provider calendar of an account. */
    data class PhoneCalendar(val id: Long, val coreAccount: String, val serverUrl: String, val name: String)

    private fun asSyncAdapter(account: Account): Uri = Calendars.CONTENT_URI.buildUpon()
        .appendQueryParameter(CalendarContract.CALLER_IS_SYNCADAPTER, "true")
        .appendQueryParameter(Calendars.ACCOUNT_NAME, account.name)
        .appendQueryParameter(Calendars.ACCOUNT_TYPE, account.type)
        .build()

    /** Creates the calendar for [serverUrl] under [account]; returns its id. */
    fun create(
        resolver: ContentResolver,
        account: Account,
        coreAccount: String,
        serverUrl: String,
        name: String,
        color: String?,
        readOnly: Boolean,
    ): Long {
        val v = ContentValues()
        v.put(Calendars.ACCOUNT_NAME, account.name)
        v.put(Calendars.ACCOUNT_TYPE, account.type)
        v.put(Calendars.NAME, name)
        v.put(Calendars.CALENDAR_DISPLAY_NAME, name)
        v.put(Calendars.CALENDAR_COLOR, color?.let(EventRows::colorInt) ?: DEFAULT_COLOR)
        v.put(Calendars.CALENDAR_ACCESS_LEVEL, if (readOnly) Calendars.CAL_ACCESS_READ else Calendars.CAL_ACCESS_OWNER)
        v.put(Calendars.OWNER_ACCOUNT, account.name)
        v.put(Calendars.SYNC_EVENTS, 1)
        v.put(Calendars.VISIBLE, 1)
        v.put(Calendars._SYNC_ID, serverUrl)
        v.put(Calendars.CAL_SYNC1, coreAccount)
        val uri = resolver.insert(asSyncAdapter(account), v) ?: error("the calendar provider refused the calendar")
        return uri.lastPathSegment!!.toLong()
    }

    /** The calendars of [account]. */
    fun of(resolver: ContentResolver, account: Account): List<PhoneCalendar> {
        val c = resolver.query(
            asSyncAdapter(account),
            arrayOf(Calendars._ID, Calendars.CAL_SYNC1, Calendars._SYNC_ID, Calendars.CALENDAR_DISPLAY_NAME),
            "${Calendars.ACCOUNT_NAME}=? AND ${Calendars.ACCOUNT_TYPE}=?",
            arrayOf(account.name, account.type),
            "${Calendars._ID} ASC",
        ) ?: return emptyList()
        return c.use {
            val out = ArrayList<PhoneCalendar>()
            while (it.moveToNext()) {
                out += PhoneCalendar(it.getLong(0), it.getString(1) ?: continue, it.getString(2) ?: "", it.getString(3) ?: "")
            }
            out
        }
    }

    /** Removes calendar [id] of [account] with its events. */
    fun remove(resolver: ContentResolver, account: Account, id: Long) {
        resolver.delete(asSyncAdapter(account), "${Calendars._ID}=?", arrayOf("$id"))
    }

    private const val DEFAULT_COLOR = 0xFF3F51B5.toInt()
}
