package org.synchro.android

import android.app.NotificationManager
import android.content.ContentValues
import android.content.Intent
import android.content.SyncResult
import android.provider.CalendarContract
import android.provider.CalendarContract.Attendees
import android.provider.CalendarContract.Events
import android.provider.CalendarContract.Reminders
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import org.synchro.android.sync.HeldBackNotifier
import org.synchro.android.sync.SyncAdapter
import org.synchro.android.sync.SyncOutcome
import org.synchro.android.sync.SyncRunner
import org.synchro.android.ui.HeldBackActivity
import org.synchro.android.ui.MainActivity

/** The app against a real Radicale through the real CalendarContractDevice and the Rust core. */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
@Config(sdk = [35], qualifiers = "en-w411dp-h891dp")
class SyncAppTest : AppTestBase() {
    private fun seed(calendar: String, n: Int, prefix: String = "Lecture") = repeat(n) { i ->
        server.put(calendar, "$prefix-$i", Radicale.event("$prefix-$i", "$prefix $i",
            ":2026120${1 + i % 9}T${10 + i % 8}0000Z", ":2026120${1 + i % 9}T${11 + i % 8}0000Z"))
    }

    private fun sync(account: android.accounts.Account) = SyncRunner(context).run(account)

    private fun seedRich(cal: String) {
        server.put(cal, "weekly", Radicale.event("weekly", "Algebra", ";TZID=Europe/Paris:20261201T100000",
            ";TZID=Europe/Paris:20261201T120000",
            "RRULE:FREQ=WEEKLY;COUNT=10\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT15M\r\nEND:VALARM",
            "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Paris:20261208T100000\r\n" +
                "DTSTART;TZID=Europe/Paris:20261208T140000\r\nDTEND;TZID=Europe/Paris:20261208T160000\r\nSUMMARY:Algebra (moved)\r\nEND:VEVENT"))
        server.put(cal, "exam", Radicale.event("exam", "Exam day", ";VALUE=DATE:20261215", ";VALUE=DATE:20261216",
            "ORGANIZER;CN=Prof:mailto:prof@example.edu\r\nATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:alice@example.edu\r\n" +
                "STATUS:TENTATIVE\r\nTRANSP:TRANSPARENT\r\nCLASS:PRIVATE\r\nURL:https://example.edu/exam\r\nCATEGORIES:EXAM\r\n" +
                "COLOR:teal\r\nSEQUENCE:3\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=END:PT0S\r\nEND:VALARM"))
        server.put(cal, "floating", Radicale.event("floating", "Yoga", ":20261202T070000", ":20261202T080000",
            "RDATE:20261204T070000\r\nEXDATE:20261202T070000"))
    }

    @Test
    fun everyEventTheCoreWritesReadsBackTheSameFromTheRows() {
        val cal = newCalendar()
        seedRich(cal)
        val account = account(cal)
        val written = mutableListOf<Pair<String, org.synchro.ffi.Event>>()
        val device = object : org.synchro.ffi.DeviceCalendar by SyncRunner(context).device(account, calendarOf(account)) {
            val inner = SyncRunner(context).device(account, calendarOf(account))
            override fun apply(ops: List<org.synchro.ffi.DeviceOp>): List<org.synchro.ffi.DeviceOutcome> {
                val out = inner.apply(ops)
                ops.zip(out).forEach { (op, o) ->
                    if (op is org.synchro.ffi.DeviceOp.Create && o is org.synchro.ffi.DeviceOutcome.Written) written += Pair(o.entry.id, op.event)
                }
                return out
            }
        }
        org.synchro.android.sync.Core.agent(context).sync(calendarOf(account).coreAccount, "test", device,
            org.synchro.ffi.SyncOptions(false, false, null), null)
        assertEquals(3, written.size)
        val reader = SyncRunner(context).device(account, calendarOf(account))
        for ((id, event) in written) assertEquals(event, reader.read(id.toLong()))
    }

    @Test
    fun tappingSynchroniserBringsTheServerEventsIntoThePhoneCalendar() {
        val cal = newCalendar()
        server.put(cal, "weekly", Radicale.event("weekly", "Algebra", ";TZID=Europe/Paris:20261201T100000",
            ";TZID=Europe/Paris:20261201T120000",
            "RRULE:FREQ=WEEKLY;COUNT=10\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT15M\r\nEND:VALARM",
            "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Paris:20261208T100000\r\n" +
                "DTSTART;TZID=Europe/Paris:20261208T140000\r\nDTEND;TZID=Europe/Paris:20261208T160000\r\nSUMMARY:Algebra (moved)\r\nEND:VEVENT"))
        server.put(cal, "exam", Radicale.event("exam", "Exam day", ";VALUE=DATE:20261215", ";VALUE=DATE:20261216",
            "ORGANIZER;CN=Prof:mailto:prof@example.edu\r\nATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:alice@example.edu\r\n" +
                "STATUS:TENTATIVE\r\nTRANSP:TRANSPARENT\r\nCLASS:PRIVATE\r\nURL:https://example.edu/exam\r\nCATEGORIES:EXAM"))
        val account = account(cal)

        val main = Robolectric.buildActivity(MainActivity::class.java).setup().get()
        main.syncButton.performClick()

        val rows = rows(account)
        val masters = rows.filter { it.getAsString(Events.ORIGINAL_SYNC_ID) == null }
        assertEquals(main.result.text.toString(), 2, masters.size)
        val weekly = masters.single { it.getAsString(Events._SYNC_ID) == "weekly" }
        assertEquals("Algebra", weekly.getAsString(Events.TITLE))
        assertEquals("Europe/Paris", weekly.getAsString(Events.EVENT_TIMEZONE))
        assertEquals("FREQ=WEEKLY;COUNT=10", weekly.getAsString(Events.RRULE))
        assertEquals("P7200S", weekly.getAsString(Events.DURATION))
        val moved = rows.single { it.getAsString(Events.ORIGINAL_SYNC_ID) == "weekly" }
        assertEquals("Algebra (moved)", moved.getAsString(Events.TITLE))
        assertEquals(1796720400000L, moved.getAsLong(Events.ORIGINAL_INSTANCE_TIME)) // 2026-12-08 10:00 Paris
        val exam = masters.single { it.getAsString(Events._SYNC_ID) == "exam" }
        assertEquals(1, exam.getAsInteger(Events.ALL_DAY))
        assertEquals("UTC", exam.getAsString(Events.EVENT_TIMEZONE))
        assertEquals(1797292800000L, exam.getAsLong(Events.DTSTART)) // 2026-12-15T00:00Z
        assertEquals(Events.STATUS_TENTATIVE, exam.getAsInteger(Events.STATUS))
        assertEquals(Events.AVAILABILITY_FREE, exam.getAsInteger(Events.AVAILABILITY))
        assertEquals(Events.ACCESS_PRIVATE, exam.getAsInteger(Events.ACCESS_LEVEL))
        val resolver = context.contentResolver
        resolver.query(Reminders.CONTENT_URI, null, "${Reminders.EVENT_ID}=?", arrayOf(weekly.getAsString(Events._ID)), null)!!.use {
            assertTrue(it.moveToFirst())
            assertEquals(15, it.getInt(it.getColumnIndexOrThrow(Reminders.MINUTES)))
        }
        resolver.query(Attendees.CONTENT_URI, null, "${Attendees.EVENT_ID}=?", arrayOf(exam.getAsString(Events._ID)), null)!!.use {
            assertEquals(2, it.count)
        }
        assertTrue(main.result.text.toString(), main.result.text.contains("phone: 2 added"))
        screenshot(main, "main")

        // Both rows touched on the phone without a change: what was written reads back the
        // same event (nothing lost in the columns and extras), so nothing is uploaded.
        for (row in masters) {
            val same = ContentValues().apply { put(Events.TITLE, row.getAsString(Events.TITLE)) }
            resolver.update(Events.CONTENT_URI, same, "${Events._ID}=?", arrayOf(row.getAsString(Events._ID)))
        }
        assertTrue(rows(account).all { it.getAsInteger(Events.DIRTY) == 1 || it.getAsString(Events.ORIGINAL_SYNC_ID) != null })
        main.syncButton.performClick()
        assertTrue(main.result.text.toString(), main.result.text.contains("already up to date"))
    }

    @Test
    fun anEditedRowReachesTheServerAndIsNoLongerDirty() {
        val cal = newCalendar()
        seed(cal, 3)
        val account = account(cal)
        sync(account)
        val row = rows(account).first()
        val v = ContentValues().apply { put(Events.TITLE, "Lecture moved to room B") }
        context.contentResolver.update(Events.CONTENT_URI, v, "${Events._ID}=?", arrayOf(row.getAsString(Events._ID)))
        assertEquals(1, rows(account).first().getAsInteger(Events.DIRTY))

        val out = sync(account).single() as SyncOutcome.Done
        assertEquals(1UL, out.report.server.updated)
        assertTrue(server.get(cal).contains("SUMMARY:Lecture moved to room B"))
        assertEquals(0, rows(account).first().getAsInteger(Events.DIRTY))
        val again = sync(account).single() as SyncOutcome.Done
        assertEquals(0UL, again.report.server.updated + again.report.device.updated)
    }

    @Test
    fun aNewPhoneEventAndADeletedOneReachTheServerAndTheDeletedRowIsPurged() {
        val cal = newCalendar()
        seed(cal, 3)
        val account = account(cal)
        sync(account)
        val resolver = context.contentResolver
        val first = rows(account).first()
        resolver.delete(Events.CONTENT_URI, "${Events._ID}=?", arrayOf(first.getAsString(Events._ID)))
        resolver.insert(Events.CONTENT_URI, ContentValues().apply {
            put(Events.CALENDAR_ID, calendarOf(account).id)
            put(Events.TITLE, "Office hours")
            put(Events.DTSTART, 1796122800000L)
            put(Events.DTEND, 1796126400000L)
            put(Events.EVENT_TIMEZONE, "Europe/Paris")
        })
        assertEquals(1, rows(account).count { it.getAsInteger(Events.DELETED) == 1 })

        val out = sync(account).single() as SyncOutcome.Done
        assertEquals(1UL, out.report.server.deleted)
        assertEquals(1UL, out.report.server.added)
        val ics = server.get(cal)
        assertFalse(ics.contains("UID:${first.getAsString(Events._SYNC_ID)}\r\n"))
        assertTrue(ics.contains("SUMMARY:Office hours"))
        assertEquals(3, server.events(cal))
        assertTrue(rows(account).none { it.getAsInteger(Events.DELETED) == 1 })
        assertEquals(3, rows(account).size)
    }

    @Test
    fun aMassDeletionIsHeldBackWithANotificationUntilTheUserAppliesIt() {
        val cal = newCalendar()
        seed(cal, 12)
        val account = account(cal)
        sync(account)
        context.contentResolver.delete(Events.CONTENT_URI, "${Events.CALENDAR_ID}=?", arrayOf("${calendarOf(account).id}"))

        val held = sync(account).single()
        assertTrue("$held", held is SyncOutcome.HeldBack)
        assertEquals(12, server.events(cal))
        val nm = context.getSystemService(NotificationManager::class.java)
        val n = shadowOf(nm).allNotifications.single()
        val text = n.extras.getCharSequence("android.text").toString()
        assertTrue(text, text.contains("12") && text.contains("Lecture 0"))
        assertEquals(2, n.actions.size)

        val intent = shadowOf(n.actions[0].actionIntent).savedIntent
        assertEquals(HeldBackNotifier.ACTION_APPLY, intent.action)
        val screen = Robolectric.buildActivity(HeldBackActivity::class.java, intent).setup().get()
        screenshot(screen, "held-back")
        assertEquals(0, server.events(cal))
        assertTrue(rows(account).isEmpty())
        assertTrue(shadowOf(nm).allNotifications.isEmpty())
    }

    @Test
    fun aMassDeletionRefusedFromTheNotificationPutsTheEventsBack() {
        val cal = newCalendar()
        seed(cal, 12)
        val account = account(cal)
        sync(account)
        context.contentResolver.delete(Events.CONTENT_URI, "${Events.CALENDAR_ID}=?", arrayOf("${calendarOf(account).id}"))
        assertTrue(sync(account).single() is SyncOutcome.HeldBack)
        val n = shadowOf(context.getSystemService(NotificationManager::class.java)).allNotifications.single()
        val intent: Intent = shadowOf(n.actions[1].actionIntent).savedIntent
        assertEquals(HeldBackNotifier.ACTION_RESTORE, intent.action)
        Robolectric.buildActivity(HeldBackActivity::class.java, intent).setup()

        assertEquals(12, rows(account).count { it.getAsInteger(Events.DELETED) == 0 })
        val out = sync(account).single() as SyncOutcome.Done
        assertEquals(0UL, out.report.server.deleted)
        assertEquals(12, server.events(cal))
    }

    @Test
    fun aWrongPasswordIsSaidAndNothingElse() {
        val cal = newCalendar()
        seed(cal, 1)
        val account = account(cal, password = "not-the-password")
        val out = sync(account).single()
        assertTrue("$out", out is SyncOutcome.WrongPassword)
        val n = shadowOf(context.getSystemService(NotificationManager::class.java)).allNotifications.single()
        assertTrue(n.extras.getCharSequence("android.title").toString().startsWith("Password refused"))
        assertTrue(rows(account).isEmpty())
    }

    @Test
    fun theSyncAdapterRunsTheSyncAndReportsToTheFramework() {
        val cal = newCalendar()
        seed(cal, 4)
        val account = account(cal)
        val result = SyncResult()
        SyncAdapter(context).onPerformSync(account, null, CalendarContract.AUTHORITY, null, result)
        assertEquals(4L, result.stats.numInserts)
        assertFalse(result.hasError())
        assertEquals(4, rows(account).size)
    }
}
