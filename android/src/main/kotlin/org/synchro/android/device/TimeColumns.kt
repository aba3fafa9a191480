package org.synchro.android.device

import java.time.LocalDate
import java.time.ZoneOffset
import org.synchro.ffi.CalendarDate
import org.synchro.ffi.EventTime

/**
 * How the core's [EventTime] sits in the provider's time columns: an instant in epoch
 * milliseconds plus a zone id; an all-day date as midnight UTC with the zone "UTC", as
 * CalendarContract requires. A floating time (no zone) is stored as UTC and flagged in
 * [EventExtras].
 */
object TimeColumns {
    /** The provider's zone for all-day events and floating times. */
    const val UTC = "UTC"

    /** Epoch milliseconds of [t] as the provider stores it. */
    fun millis(t: EventTime): Long = when (t) {
        is EventTime.AllDay -> LocalDate.of(t.date.year, t.date.month.toInt(), t.date.day.toInt())
            .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
        is EventTime.Timed -> t.epochMs
    }

    /** The zone column for [t]. */
    fun zone(t: EventTime): String = when (t) {
        is EventTime.AllDay -> UTC
        is EventTime.Timed -> t.zone ?: UTC
    }

    /** Whether [t] is a floating time (kept in the extras, since the provider has none). */
    fun floating(t: EventTime): Boolean = t is EventTime.Timed && t.zone == null

    /** The [EventTime] of a provider row's columns. */
    fun read(millis: Long, zone: String?, allDay: Boolean, floating: Boolean): EventTime =
        if (allDay) {
            val d = java.time.Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC).toLocalDate()
            EventTime.AllDay(CalendarDate(d.year, d.monthValue.toUInt(), d.dayOfMonth.toUInt()))
        } else {
            EventTime.Timed(millis, if (floating) null else (zone ?: UTC))
        }

    /** An RFC 5545 DURATION for a recurring event's length (the provider wants DURATION, not DTEND). */
    fun duration(start: EventTime, end: EventTime?): String {
        if (end == null) return if (start is EventTime.AllDay) "P1D" else "PT0S"
        val ms = millis(end) - millis(start)
        return if (start is EventTime.AllDay) "P${ms / 86_400_000}D" else "P${ms / 1000}S"
    }

    /**
     * Milliseconds of a DURATION written by [duration] or by a calendar app: RFC 5545
     * (PnW, PnDTnHnMnS) and Android's own form without the T ("P3600S").
     */
    fun durationMillis(d: String?): Long? {
        if (d == null) return null
        val m = Regex("^([+-])?P(?:(\\d+)W)?(?:(\\d+)D)?(?:T?(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+)S)?)?$").find(d)
            ?: return null
        fun g(i: Int) = m.groupValues[i].ifEmpty { "0" }.toLong()
        val s = g(2) * 604_800 + g(3) * 86_400 + g(4) * 3_600 + g(5) * 60 + g(6)
        return (if (m.groupValues[1] == "-") -s else s) * 1000
    }
}
