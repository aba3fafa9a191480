package org.synchro.android.device

import android.content.ContentValues
import android.graphics.Color
import android.provider.CalendarContract.Attendees
import android.provider.CalendarContract.Events
import android.provider.CalendarContract.Reminders
import org.json.JSONArray
import org.json.JSONObject
import org.synchro.ffi.AccessClass
import org.synchro.ffi.Alarm
import org.synchro.ffi.AlarmAction
import org.synchro.ffi.AlarmTrigger
import org.synchro.ffi.Attendee
import org.synchro.ffi.AttendeeRole
import org.synchro.ffi.Availability
import org.synchro.ffi.Event
import org.synchro.ffi.EventException
import org.synchro.ffi.EventStatus
import org.synchro.ffi.EventTime
import org.synchro.ffi.ParticipationStatus

/**
 * The core's [Event] as CalendarContract rows and back: the event row (times and zones,
 * all-day in UTC, RRULE/RDATE/EXDATE, status, availability, access level, colour), one row
 * per exception (ORIGINAL_SYNC_ID / ORIGINAL_INSTANCE_TIME), reminder rows and attendee rows.
 * What the columns cannot hold goes to [EventExtras] in SYNC_DATA3.
 */
object EventRows {
    /** The rows of one event: the master and its exceptions, reminders and attendees. */
    data class Rows(
        val event: ContentValues,
        val exceptions: List<ContentValues>,
        val reminders: List<ContentValues>,
        val attendees: List<ContentValues>,
    )

    /** The rows to write for [e] in the provider calendar [calendarId]. */
    fun write(e: Event, calendarId: Long): Rows {
        val reminders = e.alarms.mapNotNull(::reminder)
        val attendees = people(e)
        val extras = EventExtras(
            url = e.url, categories = e.categories, sequence = e.sequence.toInt(), color = e.color,
            startFloating = TimeColumns.floating(e.start),
            endFloating = e.end?.let(TimeColumns::floating) ?: false,
            alarms = alarmsJson(e.alarms), alarmsKey = reminderKey(reminders),
            people = peopleJson(e), peopleKey = attendeeKey(attendees),
        )
        val v = ContentValues()
        v.put(Events.CALENDAR_ID, calendarId)
        v.put(Events._SYNC_ID, e.uid)
        v.put(Events.UID_2445, e.uid)
        v.put(Events.TITLE, e.summary)
        v.put(Events.DESCRIPTION, e.description)
        v.put(Events.EVENT_LOCATION, e.location)
        times(v, e.start, e.end, recurring = e.rrule != null || e.rdate != null)
        v.put(Events.RRULE, e.rrule)
        v.put(Events.RDATE, e.rdate)
        v.put(Events.EXDATE, e.exdate)
        v.put(Events.STATUS, e.status?.let(::status))
        v.put(Events.AVAILABILITY, if (e.availability == Availability.FREE) Events.AVAILABILITY_FREE else Events.AVAILABILITY_BUSY)
        v.put(Events.ACCESS_LEVEL, access(e.access))
        v.put(Events.EVENT_COLOR, e.color?.let(::colorInt))
        v.put(Events.ORGANIZER, e.organizer?.email)
        v.put(Events.HAS_ALARM, if (reminders.isEmpty()) 0 else 1)
        v.put(Events.HAS_ATTENDEE_DATA, 1)
        v.put(Events.SYNC_DATA3, extras.encode())
        v.put(Events.DIRTY, 0)
        return Rows(v, e.exceptions.map { exception(it, e, calendarId) }, reminders, attendees)
    }

    /** The event these rows hold; [exceptions] are the non-deleted exception rows. */
    fun read(
        event: ContentValues,
        exceptions: List<ContentValues>,
        reminders: List<ContentValues>,
        attendees: List<ContentValues>,
    ): Event {
        val x = EventExtras.decode(event.getAsString(Events.SYNC_DATA3))
        val allDay = (event.getAsInteger(Events.ALL_DAY) ?: 0) == 1
        val start = TimeColumns.read(
            event.getAsLong(Events.DTSTART), event.getAsString(Events.EVENT_TIMEZONE), allDay, x.startFloating,
        )
        val end = endOf(event, start, allDay, x.endFloating)
        val master = Event(
            uid = event.getAsString(Events.UID_2445) ?: event.getAsString(Events._SYNC_ID)
                ?: "android-${event.getAsLong(Events._ID)}",
            summary = event.getAsString(Events.TITLE),
            description = event.getAsString(Events.DESCRIPTION),
            location = event.getAsString(Events.EVENT_LOCATION),
            start = start,
            end = end,
            rrule = event.getAsString(Events.RRULE),
            rdate = event.getAsString(Events.RDATE),
            exdate = event.getAsString(Events.EXDATE),
            exceptions = emptyList(),
            alarms = if (reminderKey(reminders) == x.alarmsKey && x.alarms != null) alarmsOf(x.alarms) else reminders.map(::alarm),
            organizer = null,
            attendees = emptyList(),
            status = event.getAsInteger(Events.STATUS)?.let(::statusOf),
            availability = if (event.getAsInteger(Events.AVAILABILITY) == Events.AVAILABILITY_FREE) Availability.FREE else Availability.BUSY,
            access = accessOf(event.getAsInteger(Events.ACCESS_LEVEL)),
            url = x.url,
            categories = x.categories,
            color = event.getAsInteger(Events.EVENT_COLOR)?.let { c ->
                if (x.color != null && colorInt(x.color) == c) x.color else String.format("#%06X", c and 0xFFFFFF)
            },
            sequence = x.sequence.toUInt(),
        )
        val (organizer, list) = if (attendeeKey(attendees) == x.peopleKey && x.people != null) {
            peopleOf(x.people)
        } else {
            peopleFromRows(event.getAsString(Events.ORGANIZER), attendees)
        }
        return master.copy(
            organizer = organizer,
            attendees = list,
            exceptions = exceptions.map { exceptionOf(it, master) }
                .sortedBy { TimeColumns.millis(it.recurrenceId) },
        )
    }

    private fun times(v: ContentValues, start: EventTime, end: EventTime?, recurring: Boolean) {
        v.put(Events.DTSTART, TimeColumns.millis(start))
        v.put(Events.EVENT_TIMEZONE, TimeColumns.zone(start))
        v.put(Events.ALL_DAY, if (start is EventTime.AllDay) 1 else 0)
        if (recurring) {
            v.putNull(Events.DTEND)
            v.put(Events.DURATION, TimeColumns.duration(start, end))
            v.putNull(Events.EVENT_END_TIMEZONE)
        } else {
            v.put(Events.DTEND, end?.let(TimeColumns::millis))
            v.putNull(Events.DURATION)
            v.put(Events.EVENT_END_TIMEZONE, end?.let(TimeColumns::zone))
        }
    }

    private fun endOf(row: ContentValues, start: EventTime, allDay: Boolean, floating: Boolean): EventTime? {
        val dtend = row.getAsLong(Events.DTEND)
        val ms = dtend ?: TimeColumns.durationMillis(row.getAsString(Events.DURATION))?.let { TimeColumns.millis(start) + it }
            ?: return null
        val zone = row.getAsString(Events.EVENT_END_TIMEZONE) ?: row.getAsString(Events.EVENT_TIMEZONE)
        return TimeColumns.read(ms, zone, allDay, floating)
    }

    private fun exception(x: EventException, master: Event, calendarId: Long): ContentValues {
        val v = ContentValues()
        v.put(Events.CALENDAR_ID, calendarId)
        v.put(Events.ORIGINAL_SYNC_ID, master.uid)
        v.put(Events.ORIGINAL_INSTANCE_TIME, TimeColumns.millis(x.recurrenceId))
        v.put(Events.ORIGINAL_ALL_DAY, if (x.recurrenceId is EventTime.AllDay) 1 else 0)
        v.put(Events.TITLE, x.summary ?: master.summary)
        v.put(Events.DESCRIPTION, x.description ?: master.description)
        v.put(Events.EVENT_LOCATION, x.location ?: master.location)
        val end = x.end ?: master.end?.let { e ->
            val len = TimeColumns.millis(e) - TimeColumns.millis(master.start)
            when (val s = x.start) {
                is EventTime.Timed -> EventTime.Timed(s.epochMs + len, s.zone)
                is EventTime.AllDay -> null
            }
        }
        times(v, x.start, end, recurring = false)
        v.put(Events.STATUS, (x.status ?: master.status)?.let(::status))
        v.put(Events.SYNC_DATA3, EventExtras(startFloating = TimeColumns.floating(x.start),
            endFloating = x.end?.let(TimeColumns::floating) ?: false).encode())
        v.put(Events.DIRTY, 0)
        return v
    }

    private fun exceptionOf(row: ContentValues, master: Event): EventException {
        val x = EventExtras.decode(row.getAsString(Events.SYNC_DATA3))
        val allDay = (row.getAsInteger(Events.ALL_DAY) ?: 0) == 1
        val start = TimeColumns.read(row.getAsLong(Events.DTSTART), row.getAsString(Events.EVENT_TIMEZONE), allDay, x.startFloating)
        val ridMs = row.getAsLong(Events.ORIGINAL_INSTANCE_TIME)
        val rid = if ((row.getAsInteger(Events.ORIGINAL_ALL_DAY) ?: 0) == 1) {
            TimeColumns.read(ridMs, TimeColumns.UTC, true, false)
        } else {
            EventTime.Timed(ridMs, (master.start as? EventTime.Timed)?.zone ?: TimeColumns.UTC)
        }
        fun <T> own(v: T?, m: T?): T? = if (v == m) null else v
        return EventException(
            recurrenceId = rid,
            start = start,
            end = endOf(row, start, allDay, x.endFloating),
            summary = own(row.getAsString(Events.TITLE), master.summary),
            description = own(row.getAsString(Events.DESCRIPTION), master.description),
            location = own(row.getAsString(Events.EVENT_LOCATION), master.location),
            status = own(row.getAsInteger(Events.STATUS)?.let(::statusOf), master.status),
        )
    }

    private fun status(s: EventStatus) = when (s) {
        EventStatus.TENTATIVE -> Events.STATUS_TENTATIVE
        EventStatus.CONFIRMED -> Events.STATUS_CONFIRMED
        EventStatus.CANCELLED -> Events.STATUS_CANCELED
    }

    private fun statusOf(s: Int) = when (s) {
        Events.STATUS_TENTATIVE -> EventStatus.TENTATIVE
        Events.STATUS_CANCELED -> EventStatus.CANCELLED
        else -> EventStatus.CONFIRMED
    }

    private fun access(a: AccessClass?) = when (a) {
        null -> Events.ACCESS_DEFAULT
        AccessClass.PUBLIC -> Events.ACCESS_PUBLIC
        AccessClass.PRIVATE -> Events.ACCESS_PRIVATE
        AccessClass.CONFIDENTIAL -> Events.ACCESS_CONFIDENTIAL
    }

    private fun accessOf(a: Int?) = when (a) {
        Events.ACCESS_PUBLIC -> AccessClass.PUBLIC
        Events.ACCESS_PRIVATE -> AccessClass.PRIVATE
        Events.ACCESS_CONFIDENTIAL -> AccessClass.CONFIDENTIAL
        else -> null
    }

    /** The ARGB of a colour the server wrote (`#RRGGBB` or a CSS name), or null. */
    fun colorInt(s: String): Int? = try {
        Color.parseColor(s)
    } catch (e: IllegalArgumentException) {
        null
    }

    private fun reminder(a: Alarm): ContentValues? {
        val t = a.trigger as? AlarmTrigger.BeforeStart ?: return null
        if (t.minutes < 0) return null
        val v = ContentValues()
        v.put(Reminders.MINUTES, t.minutes.toInt())
        v.put(Reminders.METHOD, if (a.action == AlarmAction.EMAIL) Reminders.METHOD_EMAIL else Reminders.METHOD_ALERT)
        return v
    }

    private fun alarm(row: ContentValues) = Alarm(
        trigger = AlarmTrigger.BeforeStart((row.getAsInteger(Reminders.MINUTES) ?: 0).toLong()),
        action = if (row.getAsInteger(Reminders.METHOD) == Reminders.METHOD_EMAIL) AlarmAction.EMAIL else AlarmAction.DISPLAY,
        description = null,
    )

    private fun reminderKey(rows: List<ContentValues>) =
        rows.map { "${it.getAsInteger(Reminders.MINUTES)}/${it.getAsInteger(Reminders.METHOD)}" }.sorted().joinToString(",")

    private fun alarmsJson(alarms: List<Alarm>) = JSONArray(alarms.map { a ->
        JSONObject().apply {
            when (val t = a.trigger) {
                is AlarmTrigger.BeforeStart -> { put("t", "start"); put("v", t.minutes) }
                is AlarmTrigger.BeforeEnd -> { put("t", "end"); put("v", t.minutes) }
                is AlarmTrigger.At -> { put("t", "at"); put("v", t.epochMs) }
            }
            put("a", a.action.name)
            a.description?.let { put("d", it) }
        }
    }).toString()

    private fun alarmsOf(json: String): List<Alarm> {
        val a = JSONArray(json)
        return List(a.length()) { i ->
            val o = a.getJSONObject(i)
            val v = o.getLong("v")
            Alarm(
                trigger = when (o.getString("t")) {
                    "end" -> AlarmTrigger.BeforeEnd(v)
                    "at" -> AlarmTrigger.At(v)
                    else -> AlarmTrigger.BeforeStart(v)
                },
                action = AlarmAction.valueOf(o.getString("a")),
                description = o.optString("d").ifEmpty { null },
            )
        }
    }

    private fun people(e: Event): List<ContentValues> =
        listOfNotNull(e.organizer?.let { attendee(it, organizer = true) }) + e.attendees.map { attendee(it, organizer = false) }

    private fun attendee(a: Attendee, organizer: Boolean): ContentValues {
        val v = ContentValues()
        v.put(Attendees.ATTENDEE_EMAIL, a.email)
        v.put(Attendees.ATTENDEE_NAME, a.name)
        v.put(Attendees.ATTENDEE_RELATIONSHIP, if (organizer) Attendees.RELATIONSHIP_ORGANIZER else Attendees.RELATIONSHIP_ATTENDEE)
        v.put(Attendees.ATTENDEE_TYPE, when (a.role) {
            AttendeeRole.OPTIONAL -> Attendees.TYPE_OPTIONAL
            AttendeeRole.NON_PARTICIPANT -> Attendees.TYPE_NONE
            else -> Attendees.TYPE_REQUIRED
        })
        v.put(Attendees.ATTENDEE_STATUS, when (a.status) {
            ParticipationStatus.ACCEPTED -> Attendees.ATTENDEE_STATUS_ACCEPTED
            ParticipationStatus.DECLINED -> Attendees.ATTENDEE_STATUS_DECLINED
            ParticipationStatus.TENTATIVE -> Attendees.ATTENDEE_STATUS_TENTATIVE
            ParticipationStatus.NEEDS_ACTION -> Attendees.ATTENDEE_STATUS_INVITED
            else -> Attendees.ATTENDEE_STATUS_NONE
        })
        return v
    }

    private fun attendeeKey(rows: List<ContentValues>) = rows.map {
        listOf(Attendees.ATTENDEE_EMAIL, Attendees.ATTENDEE_NAME, Attendees.ATTENDEE_RELATIONSHIP,
            Attendees.ATTENDEE_TYPE, Attendees.ATTENDEE_STATUS).joinToString("/") { c -> it.getAsString(c) ?: "" }
    }.sorted().joinToString("\n")

    private fun personJson(a: Attendee) = JSONObject().apply {
        put("e", a.email)
        a.name?.let { put("n", it) }
        a.role?.let { put("r", it.name) }
        a.status?.let { put("s", it.name) }
    }

    private fun personOf(o: JSONObject) = Attendee(
        email = o.getString("e"),
        name = o.optString("n").ifEmpty { null },
        role = o.optString("r").ifEmpty { null }?.let(AttendeeRole::valueOf),
        status = o.optString("s").ifEmpty { null }?.let(ParticipationStatus::valueOf),
    )

    private fun peopleJson(e: Event) = JSONObject().apply {
        e.organizer?.let { put("o", personJson(it)) }
        put("a", JSONArray(e.attendees.map(::personJson)))
    }.toString()

    private fun peopleOf(json: String): Pair<Attendee?, List<Attendee>> {
        val o = JSONObject(json)
        val a = o.getJSONArray("a")
        return Pair(o.optJSONObject("o")?.let(::personOf), List(a.length()) { personOf(a.getJSONObject(it)) })
    }

    private fun peopleFromRows(organizerEmail: String?, rows: List<ContentValues>): Pair<Attendee?, List<Attendee>> {
        fun person(r: ContentValues) = Attendee(
            email = r.getAsString(Attendees.ATTENDEE_EMAIL) ?: "",
            name = r.getAsString(Attendees.ATTENDEE_NAME),
            role = when (r.getAsInteger(Attendees.ATTENDEE_TYPE)) {
                Attendees.TYPE_OPTIONAL -> AttendeeRole.OPTIONAL
                Attendees.TYPE_REQUIRED -> AttendeeRole.REQUIRED
                else -> null
            },
            status = when (r.getAsInteger(Attendees.ATTENDEE_STATUS)) {
                Attendees.ATTENDEE_STATUS_ACCEPTED -> ParticipationStatus.ACCEPTED
                Attendees.ATTENDEE_STATUS_DECLINED -> ParticipationStatus.DECLINED
                Attendees.ATTENDEE_STATUS_TENTATIVE -> ParticipationStatus.TENTATIVE
                Attendees.ATTENDEE_STATUS_INVITED -> ParticipationStatus.NEEDS_ACTION
                else -> null
            },
        )
        val isOrganizer = { r: ContentValues -> r.getAsInteger(Attendees.ATTENDEE_RELATIONSHIP) == Attendees.RELATIONSHIP_ORGANIZER }
        val organizer = rows.firstOrNull(isOrganizer)?.let(::person)
            ?: organizerEmail?.let { Attendee(it, null, null, null) }
        return Pair(organizer, rows.filterNot(isOrganizer).filter { !it.getAsString(Attendees.ATTENDEE_EMAIL).isNullOrEmpty() }.map(::person))
    }
}
