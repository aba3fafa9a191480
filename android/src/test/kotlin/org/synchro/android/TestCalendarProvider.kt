package org.synchro.android

import android.content.ContentProvider
import android.content.ContentValues
import android.database.Cursor
import android.database.sqlite.SQLiteDatabase
import android.net.Uri
import android.provider.CalendarContract
import android.provider.CalendarContract.Attendees
import android.provider.CalendarContract.Calendars
import android.provider.CalendarContract.Events
import android.provider.CalendarContract.Reminders

/**
 * Enough of Android's calendar provider for the tests, over a real SQLite database
 * (Robolectric has no CalendarProvider): calendars, events, reminders, attendees; an app's
 * writes mark events DIRTY and its deletions only mark them DELETED; a sync adapter's writes
 * (CALLER_IS_SYNCADAPTER) do neither and delete for real, as the platform's provider does.
 */
class TestCalendarProvider : ContentProvider() {
    private lateinit var db: SQLiteDatabase

    override fun onCreate(): Boolean {
        db = SQLiteDatabase.create(null)
        // Typed columns, so that "1" in a selection matches the number 1 as in the platform's provider.
        fun table(name: String, columns: List<String>) = db.execSQL(
            "CREATE TABLE $name (_id INTEGER PRIMARY KEY AUTOINCREMENT, " +
                columns.joinToString(", ") { c -> if (" " in c) c else if (c in INTEGERS) "$c INTEGER" else "$c TEXT" } + ")",
        )
        table("calendars", listOf(Calendars.ACCOUNT_NAME, Calendars.ACCOUNT_TYPE, Calendars.NAME, Calendars.CALENDAR_DISPLAY_NAME,
            Calendars.CALENDAR_COLOR, Calendars.CALENDAR_ACCESS_LEVEL, Calendars.OWNER_ACCOUNT, Calendars.SYNC_EVENTS,
            Calendars.VISIBLE, Calendars._SYNC_ID, Calendars.CAL_SYNC1))
        table("events", listOf(Events.CALENDAR_ID, Events._SYNC_ID, Events.UID_2445, Events.TITLE, Events.DESCRIPTION,
            Events.EVENT_LOCATION, Events.DTSTART, Events.DTEND, Events.DURATION, Events.EVENT_TIMEZONE,
            Events.EVENT_END_TIMEZONE, Events.ALL_DAY, Events.RRULE, Events.RDATE, Events.EXRULE, Events.EXDATE,
            Events.ORIGINAL_SYNC_ID, Events.ORIGINAL_ID, Events.ORIGINAL_INSTANCE_TIME, Events.ORIGINAL_ALL_DAY,
            Events.STATUS, Events.AVAILABILITY, Events.ACCESS_LEVEL, Events.EVENT_COLOR, Events.ORGANIZER,
            Events.HAS_ALARM, Events.HAS_ATTENDEE_DATA, Events.SYNC_DATA1, Events.SYNC_DATA2, Events.SYNC_DATA3,
            "${Events.DIRTY} INTEGER DEFAULT 0", "${Events.DELETED} INTEGER DEFAULT 0"))
        table("reminders", listOf(Reminders.EVENT_ID, Reminders.MINUTES, Reminders.METHOD))
        table("attendees", listOf(Attendees.EVENT_ID, Attendees.ATTENDEE_NAME, Attendees.ATTENDEE_EMAIL,
            Attendees.ATTENDEE_RELATIONSHIP, Attendees.ATTENDEE_TYPE, Attendees.ATTENDEE_STATUS))
        return true
    }

    private fun table(uri: Uri) = when (uri.pathSegments.firstOrNull()) {
        "calendars" -> "calendars"
        "events" -> "events"
        "reminders" -> "reminders"
        "attendees" -> "attendees"
        else -> throw IllegalArgumentException("unknown uri $uri")
    }

    private fun syncAdapter(uri: Uri) = uri.getBooleanQueryParameter(CalendarContract.CALLER_IS_SYNCADAPTER, false)

    private fun where(uri: Uri, selection: String?, args: Array<out String>?): Pair<String?, Array<String>?> {
        val id = uri.pathSegments.getOrNull(1) ?: return Pair(selection, args?.map { it }?.toTypedArray())
        val s = if (selection.isNullOrEmpty()) "_id=?" else "($selection) AND _id=?"
        return Pair(s, ((args?.toList() ?: emptyList()) + id).toTypedArray())
    }

    private fun markEventDirty(eventId: Long?) {
        if (eventId != null) db.execSQL("UPDATE events SET ${Events.DIRTY}=1 WHERE _id=?", arrayOf(eventId))
    }

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, args: Array<out String>?, sortOrder: String?): Cursor {
        val (s, a) = where(uri, selection, args)
        return db.query(table(uri), projection?.map { it }?.toTypedArray(), s, a, null, null, sortOrder)
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri {
        val v = ContentValues(values ?: ContentValues())
        val t = table(uri)
        if (!syncAdapter(uri)) {
            when (t) {
                "events" -> v.put(Events.DIRTY, 1)
                "reminders" -> markEventDirty(v.getAsLong(Reminders.EVENT_ID))
                "attendees" -> markEventDirty(v.getAsLong(Attendees.EVENT_ID))
            }
        }
        val id = db.insertOrThrow(t, null, v)
        return Uri.withAppendedPath(uri.buildUpon().clearQuery().build(), "$id")
    }

    override fun update(uri: Uri, values: ContentValues?, selection: String?, args: Array<out String>?): Int {
        val v = ContentValues(values ?: ContentValues())
        val t = table(uri)
        if (!syncAdapter(uri) && t == "events") v.put(Events.DIRTY, 1)
        val (s, a) = where(uri, selection, args)
        return db.update(t, v, s, a)
    }

    override fun delete(uri: Uri, selection: String?, args: Array<out String>?): Int {
        val t = table(uri)
        val (s, a) = where(uri, selection, args)
        if (t == "events" && !syncAdapter(uri)) {
            val v = ContentValues()
            v.put(Events.DELETED, 1)
            v.put(Events.DIRTY, 1)
            return db.update(t, v, s, a)
        }
        val ids = db.query(t, arrayOf("_id"), s, a, null, null, null).use { c ->
            val out = ArrayList<Long>()
            while (c.moveToNext()) out += c.getLong(0)
            out
        }
        for (id in ids) {
            when (t) {
                "events" -> {
                    db.delete("reminders", "${Reminders.EVENT_ID}=?", arrayOf("$id"))
                    db.delete("attendees", "${Attendees.EVENT_ID}=?", arrayOf("$id"))
                }
                "calendars" -> db.delete("events", "${Events.CALENDAR_ID}=?", arrayOf("$id"))
            }
            db.delete(t, "_id=?", arrayOf("$id"))
        }
        return ids.size
    }

    override fun getType(uri: Uri): String? = null

    private companion object {
        val INTEGERS = setOf(
            Calendars.CALENDAR_COLOR, Calendars.CALENDAR_ACCESS_LEVEL, Calendars.SYNC_EVENTS, Calendars.VISIBLE,
            Events.CALENDAR_ID, Events.DTSTART, Events.DTEND, Events.ALL_DAY, Events.ORIGINAL_ID,
            Events.ORIGINAL_INSTANCE_TIME, Events.ORIGINAL_ALL_DAY, Events.STATUS, Events.AVAILABILITY,
            Events.ACCESS_LEVEL, Events.EVENT_COLOR, Events.HAS_ALARM, Events.HAS_ATTENDEE_DATA,
            Reminders.EVENT_ID, Reminders.MINUTES, Reminders.METHOD, Attendees.ATTENDEE_RELATIONSHIP,
            Attendees.ATTENDEE_TYPE, Attendees.ATTENDEE_STATUS,
        )
    }
}
