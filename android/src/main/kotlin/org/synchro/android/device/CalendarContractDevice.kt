package org.synchro.android.device

import android.accounts.Account
import android.content.ContentProviderOperation
import android.content.ContentResolver
import android.content.ContentValues
import android.database.Cursor
import android.database.DatabaseUtils
import android.net.Uri
import android.provider.CalendarContract
import android.provider.CalendarContract.Attendees
import android.provider.CalendarContract.Events
import android.provider.CalendarContract.Reminders
import java.security.MessageDigest
import java.util.UUID
import org.synchro.ffi.DeviceCalendar
import org.synchro.ffi.DeviceEntry
import org.synchro.ffi.DeviceEvent
import org.synchro.ffi.DeviceOp
import org.synchro.ffi.DeviceOutcome
import org.synchro.ffi.Event
import org.synchro.ffi.SyncException

/**
 * The core's device calendar over one CalendarContract calendar of a Synchro account, as a
 * sync adapter sees it: every write carries CALLER_IS_SYNCADAPTER (so it leaves DIRTY alone
 * and deletes for real), the phone's edits are the rows marked DIRTY, its deletions the rows
 * marked DELETED, purged by [afterSync] only once the server took them. A row's version is
 * SYNC_DATA2, written with the row; a dirty row's version is a digest of its content, so a
 * second edit before the next sync is still seen.
 */
class CalendarContractDevice(
    private val resolver: ContentResolver,
    private val account: Account,
    private val calendarId: Long,
) : DeviceCalendar {
    private val deletedAtList = mutableSetOf<Long>()
    private val dirtyFetched = mutableMapOf<Long, String>()

    private fun asSyncAdapter(uri: Uri): Uri = uri.buildUpon()
        .appendQueryParameter(CalendarContract.CALLER_IS_SYNCADAPTER, "true")
        .appendQueryParameter(CalendarContract.Calendars.ACCOUNT_NAME, account.name)
        .appendQueryParameter(CalendarContract.Calendars.ACCOUNT_TYPE, account.type)
        .build()

    private fun rows(uri: Uri, selection: String, args: Array<String>): List<ContentValues> {
        val c: Cursor = resolver.query(asSyncAdapter(uri), null, selection, args, null)
            ?: throw SyncException.Device("calendar provider unavailable")
        return c.use { cur ->
            val out = ArrayList<ContentValues>()
            while (cur.moveToNext()) {
                val v = ContentValues()
                DatabaseUtils.cursorRowToContentValues(cur, v)
                out.add(v)
            }
            out
        }
    }

    override fun calendarId(): String {
        val cal = rows(CalendarContract.Calendars.CONTENT_URI, "${CalendarContract.Calendars._ID}=?", arrayOf("$calendarId"))
        if (cal.isEmpty()) throw SyncException.Device("the phone calendar of this account is gone")
        return "android:$calendarId"
    }

    override fun list(): List<DeviceEntry> {
        val all = rows(Events.CONTENT_URI, "${Events.CALENDAR_ID}=?", arrayOf("$calendarId"))
        val changedMasters = all.filter { it.getAsString(Events.ORIGINAL_SYNC_ID) != null && changed(it) }
            .map { it.getAsString(Events.ORIGINAL_SYNC_ID) }.toSet()
        synchronized(this) {
            deletedAtList.clear()
            all.filter { deleted(it) }.forEach { deletedAtList.add(it.getAsLong(Events._ID)) }
        }
        return all.filter { it.getAsString(Events.ORIGINAL_SYNC_ID) == null && !deleted(it) }.map { row ->
            val id = row.getAsLong(Events._ID)
            val uid = row.getAsString(Events._SYNC_ID) ?: giveUid(id)
            val version = if (changed(row) || uid in changedMasters || row.getAsString(Events.SYNC_DATA2) == null) {
                digest(read(id) ?: throw SyncException.Device("event vanished while listing"))
            } else {
                row.getAsString(Events.SYNC_DATA2)
            }
            DeviceEntry("$id", version)
        }
    }

    override fun fetch(ids: List<String>): List<DeviceEvent> = ids.mapNotNull { sid ->
        val id = sid.toLongOrNull() ?: return@mapNotNull null
        val master = rows(Events.CONTENT_URI, "${Events._ID}=? AND ${Events.CALENDAR_ID}=?", arrayOf("$id", "$calendarId"))
            .firstOrNull() ?: return@mapNotNull null
        val event = read(id) ?: return@mapNotNull null
        val stored = master.getAsString(Events.SYNC_DATA2)
        val version = if (changed(master) || stored == null || exceptionRowsChanged(event.uid)) {
            digest(event).also { synchronized(this) { dirtyFetched[id] = it } }
        } else {
            stored
        }
        DeviceEvent(DeviceEntry(sid, version), event)
    }

    override fun apply(ops: List<DeviceOp>): List<DeviceOutcome> {
        var base = 0
        val groups = ops.map { op -> operations(op, base).also { base += it.ops.size } }
        return try {
            val results = resolver.applyBatch(CalendarContract.AUTHORITY, ArrayList(groups.flatMap { it.ops }))
            var offset = 0
            groups.map { g -> g.outcome(results[offset]).also { offset += g.ops.size } }
        } catch (e: Exception) {
            ops.map { op ->
                try {
                    val g = operations(op, 0)
                    g.outcome(resolver.applyBatch(CalendarContract.AUTHORITY, ArrayList(g.ops))[0])
                } catch (e: Exception) {
                    DeviceOutcome.Failed("calendar provider refused a write: ${e.javaClass.simpleName}")
                }
            }
        }
    }

    /**
     * After a sync the server accepted whole: purges the rows deleted on the phone that the
     * sync saw, and clears DIRTY on the edits it sent (unless edited again meanwhile).
     */
    fun afterSync() {
        val (deleted, dirty) = synchronized(this) { Pair(deletedAtList.toList(), dirtyFetched.toMap()) }
        val ops = ArrayList<ContentProviderOperation>()
        for (id in deleted) {
            val row = rows(Events.CONTENT_URI, "${Events._ID}=?", arrayOf("$id")).firstOrNull() ?: continue
            if (!deleted(row)) continue
            ops += ContentProviderOperation.newDelete(asSyncAdapter(Reminders.CONTENT_URI)).withSelection("${Reminders.EVENT_ID}=?", arrayOf("$id")).build()
            ops += ContentProviderOperation.newDelete(asSyncAdapter(Attendees.CONTENT_URI)).withSelection("${Attendees.EVENT_ID}=?", arrayOf("$id")).build()
            ops += ContentProviderOperation.newDelete(asSyncAdapter(Events.CONTENT_URI)).withSelection("${Events._ID}=?", arrayOf("$id")).build()
        }
        for ((id, version) in dirty) {
            val event = read(id) ?: continue
            if (digest(event) != version) continue
            ops += ContentProviderOperation.newUpdate(asSyncAdapter(Events.CONTENT_URI))
                .withSelection("${Events._ID}=?", arrayOf("$id"))
                .withValue(Events.DIRTY, 0).withValue(Events.SYNC_DATA2, version).build()
            ops += ContentProviderOperation.newUpdate(asSyncAdapter(Events.CONTENT_URI))
                .withSelection("${Events.ORIGINAL_SYNC_ID}=? AND ${Events.CALENDAR_ID}=?", arrayOf(event.uid, "$calendarId"))
                .withValue(Events.DIRTY, 0).build()
        }
        if (ops.isNotEmpty()) resolver.applyBatch(CalendarContract.AUTHORITY, ops)
        synchronized(this) { deletedAtList.clear(); dirtyFetched.clear() }
    }

    /** Puts back the events deleted on the phone since the last sync (a held-back deletion refused). */
    fun undoDeletions(): Int {
        val v = ContentValues()
        v.put(Events.DELETED, 0)
        v.put(Events.DIRTY, 0)
        return resolver.update(asSyncAdapter(Events.CONTENT_URI), v, "${Events.CALENDAR_ID}=? AND ${Events.DELETED}=1", arrayOf("$calendarId"))
    }

    /** The event of master row [id] with its exceptions, reminders and attendees, or null. */
    fun read(id: Long): Event? {
        val master = rows(Events.CONTENT_URI, "${Events._ID}=?", arrayOf("$id")).firstOrNull() ?: return null
        val uid = master.getAsString(Events._SYNC_ID)
        val exceptions = if (uid == null) emptyList() else rows(
            Events.CONTENT_URI,
            "${Events.ORIGINAL_SYNC_ID}=? AND ${Events.CALENDAR_ID}=? AND ${Events.DELETED}=0",
            arrayOf(uid, "$calendarId"),
        )
        return EventRows.read(
            master, exceptions,
            rows(Reminders.CONTENT_URI, "${Reminders.EVENT_ID}=?", arrayOf("$id")),
            rows(Attendees.CONTENT_URI, "${Attendees.EVENT_ID}=?", arrayOf("$id")),
        )
    }

    private fun exceptionRowsChanged(uid: String) = rows(
        Events.CONTENT_URI, "${Events.ORIGINAL_SYNC_ID}=? AND ${Events.CALENDAR_ID}=?", arrayOf(uid, "$calendarId"),
    ).any(::changed)

    private fun giveUid(id: Long): String {
        val uid = UUID.randomUUID().toString()
        val v = ContentValues()
        v.put(Events._SYNC_ID, uid)
        v.put(Events.UID_2445, uid)
        resolver.update(asSyncAdapter(Events.CONTENT_URI), v, "${Events._ID}=?", arrayOf("$id"))
        return uid
    }

    /** The provider operations of one core write, and how to read its outcome. */
    private inner class Group(val ops: List<ContentProviderOperation>, val outcome: (android.content.ContentProviderResult) -> DeviceOutcome)

    private fun operations(op: DeviceOp, base: Int): Group = when (op) {
        is DeviceOp.Create -> {
            val rows = EventRows.write(op.event, calendarId)
            val version = digest(op.event)
            rows.event.put(Events.SYNC_DATA2, version)
            val ops = ArrayList<ContentProviderOperation>()
            ops += ContentProviderOperation.newInsert(asSyncAdapter(Events.CONTENT_URI)).withValues(rows.event).build()
            ops += children(rows, null, base)
            Group(ops) { r -> DeviceOutcome.Written(DeviceEntry("${r.uri!!.lastPathSegment}", version)) }
        }
        is DeviceOp.Update -> {
            val rows = EventRows.write(op.event, calendarId)
            val version = digest(op.event)
            rows.event.put(Events.SYNC_DATA2, version)
            val id = op.id.toLong()
            val old = rows(Events.CONTENT_URI, "${Events._ID}=?", arrayOf(op.id)).firstOrNull()
            val ops = ArrayList<ContentProviderOperation>()
            ops += ContentProviderOperation.newUpdate(asSyncAdapter(Events.CONTENT_URI))
                .withSelection("${Events._ID}=?", arrayOf(op.id)).withValues(rows.event).withExpectedCount(1).build()
            ops += clearChildren(id, old?.getAsString(Events._SYNC_ID))
            ops += children(rows, id, null)
            Group(ops) { DeviceOutcome.Written(DeviceEntry(op.id, version)) }
        }
        is DeviceOp.Delete -> {
            val old = rows(Events.CONTENT_URI, "${Events._ID}=?", arrayOf(op.id)).firstOrNull()
            val ops = ArrayList<ContentProviderOperation>()
            ops += ContentProviderOperation.newDelete(asSyncAdapter(Events.CONTENT_URI)).withSelection("${Events._ID}=?", arrayOf(op.id)).build()
            ops += clearChildren(op.id.toLong(), old?.getAsString(Events._SYNC_ID))
            Group(ops) { DeviceOutcome.Deleted }
        }
    }

    private fun clearChildren(id: Long, uid: String?): List<ContentProviderOperation> = listOfNotNull(
        ContentProviderOperation.newDelete(asSyncAdapter(Reminders.CONTENT_URI)).withSelection("${Reminders.EVENT_ID}=?", arrayOf("$id")).build(),
        ContentProviderOperation.newDelete(asSyncAdapter(Attendees.CONTENT_URI)).withSelection("${Attendees.EVENT_ID}=?", arrayOf("$id")).build(),
        uid?.let {
            ContentProviderOperation.newDelete(asSyncAdapter(Events.CONTENT_URI))
                .withSelection("${Events.ORIGINAL_SYNC_ID}=? AND ${Events.CALENDAR_ID}=?", arrayOf(it, "$calendarId")).build()
        },
    )

    /** Reminder, attendee and exception rows of [rows], for event [id] or the insert at [backRef]. */
    private fun children(rows: EventRows.Rows, id: Long?, backRef: Int?): List<ContentProviderOperation> {
        fun insert(uri: Uri, v: ContentValues, column: String): ContentProviderOperation {
            val b = ContentProviderOperation.newInsert(asSyncAdapter(uri)).withValues(v)
            return if (id != null) b.withValue(column, id).build() else b.withValueBackReference(column, backRef!!).build()
        }
        return rows.reminders.map { insert(Reminders.CONTENT_URI, it, Reminders.EVENT_ID) } +
            rows.attendees.map { insert(Attendees.CONTENT_URI, it, Attendees.EVENT_ID) } +
            rows.exceptions.map { ContentProviderOperation.newInsert(asSyncAdapter(Events.CONTENT_URI)).withValues(it).build() }
    }

    private fun changed(row: ContentValues) = (row.getAsInteger(Events.DIRTY) ?: 0) != 0 || deleted(row)

    private fun deleted(row: ContentValues) = (row.getAsInteger(Events.DELETED) ?: 0) != 0

    private fun digest(e: Event): String {
        val d = MessageDigest.getInstance("SHA-256").digest(e.toString().toByteArray())
        return "d" + d.take(12).joinToString("") { "%02x".format(it) }
    }
}
