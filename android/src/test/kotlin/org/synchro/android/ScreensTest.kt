package org.synchro.android

import android.content.ContentResolver
import android.content.ContentValues
import android.provider.CalendarContract
import android.provider.CalendarContract.Events
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.device.PhoneCalendars
import org.synchro.android.sync.SyncRunner
import org.synchro.android.ui.BackupsActivity
import org.synchro.android.ui.ConflictsActivity
import org.synchro.android.ui.HistoryActivity
import org.synchro.android.ui.MainActivity
import org.synchro.android.ui.SetupActivity

/** Set-up with discovery, periodic sync, the other screens, and the French wording. */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
@Config(sdk = [35], qualifiers = "fr-w411dp-h891dp")
class ScreensTest : AppTestBase() {
    @Test
    fun setUpFindsTheCalendarsAndSchedulesPeriodicSync() {
        val setup = Robolectric.buildActivity(SetupActivity::class.java).setup().get()
        setup.url.setText(server.base)
        setup.user.setText("test")
        setup.password.setText("test")
        setup.allowHttp.isChecked = true
        setup.pastDays.setText("90")
        setup.interval.setText("30")
        setup.find.performClick()
        assertEquals("12 agenda(s) trouvé(s) : cochez ceux à synchroniser.", setup.message.text.toString())
        screenshot(setup, "setup")
        setup.save.performClick()

        val account = SynchroAccounts.all(context).single()
        assertEquals("test@127.0.0.1", account.name)
        val calendars = PhoneCalendars.of(context.contentResolver, account)
        assertEquals(12, calendars.size)
        assertTrue("$calendars", calendars.any { it.name == "test/c1" && it.serverUrl == server.calendar(1) })
        val periodic = ContentResolver.getPeriodicSyncs(account, CalendarContract.AUTHORITY).single()
        assertEquals(30L * 60, periodic.period)
        assertTrue(ContentResolver.getSyncAutomatically(account, CalendarContract.AUTHORITY))
        assertEquals("test", SynchroAccounts.password(context, account))
    }

    @Test
    fun theScreensSpeakFrenchAndShowHistoryAndBackups() {
        val cal = newCalendar()
        server.put(cal, "talk", Radicale.event("talk", "Séminaire", ":20261203T140000Z", ":20261203T150000Z"))
        val account = account(cal)
        val main = Robolectric.buildActivity(MainActivity::class.java).setup().get()
        assertEquals("Synchroniser", main.syncButton.text.toString())
        main.syncButton.performClick()
        assertTrue(main.result.text.toString(), main.result.text.contains("téléphone : 1 ajouté(s)"))
        screenshot(main, "main-fr")
        SyncRunner(context).run(account)

        // Edited on both sides: the server's version wins, the phone's is kept until dismissed.
        val row = rows(account).single()
        val title = ContentValues().apply { put(Events.TITLE, "Séminaire (salle B)") }
        context.contentResolver.update(Events.CONTENT_URI, title, "${Events._ID}=?", arrayOf(row.getAsString(Events._ID)))
        server.put(cal, "talk", Radicale.event("talk", "Séminaire annulé", ":20261203T140000Z", ":20261203T150000Z", "SEQUENCE:1"))
        SyncRunner(context).run(account)

        val history = Robolectric.buildActivity(HistoryActivity::class.java).setup().get()
        screenshot(history, "history")
        val words = org.synchro.android.ui.Words(context)
        val lines = org.synchro.android.sync.Core.agent(context).history(null, 10u).map { words.history(it) }
        assertTrue("$lines", lines[0].endsWith("réussie : téléphone +0 ~1 −0, 1 conflit(s)"))
        assertTrue("$lines", lines.last().endsWith("réussie : téléphone +1 ~0 −0"))
        val conflicts = Robolectric.buildActivity(ConflictsActivity::class.java).setup().get()
        screenshot(conflicts, "conflicts")
        val agent = org.synchro.android.sync.Core.agent(context)
        assertTrue("${agent.conflicts(null)}", agent.conflicts(null).single().ics.contains("Séminaire (salle B)"))
        val line = org.synchro.android.ui.Words(context).conflict(agent.conflicts(null).single())
        assertTrue(line, line.endsWith("« Séminaire (salle B) » : version du téléphone conservée"))
        assertEquals("Vu, retirer", conflicts.dismissButtons.single().text.toString())
        conflicts.dismissButtons.single().performClick()
        assertEquals(emptyList<Any>(), agent.conflicts(null))
        assertTrue(conflicts.dismissButtons.isEmpty())
        val backups = Robolectric.buildActivity(BackupsActivity::class.java).setup().get()
        screenshot(backups, "backups")
        val first = org.synchro.android.sync.Core.agent(context).backups(null).first()
        backups.restore(first, dryRun = true)
        assertTrue(backups.plan.text.toString(), backups.plan.text.startsWith("La restauration ferait ceci"))
    }
}
