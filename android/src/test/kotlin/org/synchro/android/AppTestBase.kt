package org.synchro.android

import android.accounts.Account
import android.app.Activity
import android.content.ContentValues
import android.content.Context
import android.database.DatabaseUtils
import android.graphics.Bitmap
import android.graphics.Canvas
import android.provider.CalendarContract
import android.provider.CalendarContract.Events
import java.io.File
import java.util.concurrent.atomic.AtomicInteger
import org.junit.AfterClass
import org.junit.Before
import org.junit.BeforeClass
import org.robolectric.Robolectric
import org.robolectric.RuntimeEnvironment
import org.synchro.android.account.AccountSetup
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.device.PhoneCalendars
import org.synchro.android.ui.Background

/** What every app test shares: one Radicale per class, the test calendar provider, helpers. */
abstract class AppTestBase {
    protected val context: Context get() = RuntimeEnvironment.getApplication()

    @Before
    fun provider() {
        Robolectric.setupContentProvider(TestCalendarProvider::class.java, CalendarContract.AUTHORITY)
        Background.executor = java.util.concurrent.Executor { it.run() }
    }

    /** A new server calendar for this test. */
    protected fun newCalendar(): String = server.calendar(next.incrementAndGet())

    /** A phone account syncing [calendar] of the test server, with [password]. */
    protected fun account(calendar: String, password: String = "test"): Account {
        val server = SynchroAccounts.Server(server.base, "test", SynchroAccounts.Protocol.CALDAV, true)
        val offered = AccountSetup.Offered(calendar, calendar.trimEnd('/').substringAfterLast('/'), null, false)
        return AccountSetup(context).create("test@${names.incrementAndGet()}", server, "test", listOf(offered), null)
            .also { if (password != "test") SynchroAccounts.setPassword(context, it, password) }
    }

    /** The provider calendar of [account]. */
    protected fun calendarOf(account: Account) = PhoneCalendars.of(context.contentResolver, account).single()

    /** Every event row of [account]'s calendar (including rows marked deleted). */
    protected fun rows(account: Account): List<ContentValues> {
        val c = context.contentResolver.query(Events.CONTENT_URI, null, "${Events.CALENDAR_ID}=?",
            arrayOf("${calendarOf(account).id}"), "${Events._ID} ASC")!!
        return c.use {
            val out = ArrayList<ContentValues>()
            while (it.moveToNext()) out += ContentValues().also { v -> DatabaseUtils.cursorRowToContentValues(it, v) }
            out
        }
    }

    /** Writes what [activity] shows to docs/android/[name].png (or the folder the build names). */
    protected fun screenshot(activity: Activity, name: String) {
        val view = activity.window.decorView
        val w = view.width.takeIf { it > 0 } ?: 720
        val h = view.height.takeIf { it > 0 } ?: 1280
        val bmp = Bitmap.createBitmap(w, h, Bitmap.Config.ARGB_8888)
        view.draw(Canvas(bmp))
        val dir = File(System.getProperty("synchro.screenshots") ?: "target/screenshots").apply { mkdirs() }
        File(dir, "$name.png").outputStream().use { bmp.compress(Bitmap.CompressFormat.PNG, 100, it) }
    }

    companion object {
        lateinit var server: Radicale
        private val next = AtomicInteger(0)
        private val names = AtomicInteger(0)

        @JvmStatic @BeforeClass
        fun startServer() {
            next.set(0)
            server = Radicale.start(12)
        }

        @JvmStatic @AfterClass
        fun stopServer() {
            server.stop()
        }
    }
}
