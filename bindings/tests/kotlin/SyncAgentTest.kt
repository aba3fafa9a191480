// The Kotlin/JVM bindings of synchro-ffi against a real Radicale: a Kotlin DeviceCalendar
// synced through SyncAgent, both ways, with the safety checks, interruption and errors.
package org.synchro.ffi.test

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import org.junit.After
import org.junit.Test
import org.synchro.ffi.*

const val USER = "test"
const val PASSWORD = "test"
/** Numbers the server calendars test/c1/, test/c2/...: one per test. */
val calendars = AtomicInteger(0)

/** A device calendar in a map: id -> (version, Event). */
class MemoryCalendar(private val id: String) : DeviceCalendar {
    private val events = LinkedHashMap<String, Pair<Int, Event>>()
    private var next = 1
    @Volatile var failApply: Exception? = null
    @Volatile var onList: (() -> Unit)? = null

    @Synchronized fun put(event: Event, deviceId: String? = null): String {
        val key = deviceId ?: "row-${next++}"
        events[key] = Pair((events[key]?.first ?: 0) + 1, event)
        return key
    }

    @Synchronized fun remove(deviceId: String) { events.remove(deviceId) }

    @Synchronized fun byUid(): Map<String, Pair<String, Event>> =
        events.entries.associate { (k, v) -> v.second.uid to Pair(k, v.second) }

    @Synchronized fun size() = events.size

    override fun calendarId() = id

    override fun list(): List<DeviceEntry> {
        onList?.invoke()
        synchronized(this) { return events.map { (k, v) -> DeviceEntry(k, v.first.toString()) } }
    }

    @Synchronized override fun fetch(ids: List<String>): List<DeviceEvent> =
        ids.mapNotNull { i -> events[i]?.let { DeviceEvent(DeviceEntry(i, it.first.toString()), it.second) } }

    override fun apply(ops: List<DeviceOp>): List<DeviceOutcome> {
        failApply?.let { throw it }
        return ops.map { op ->
            when (op) {
                is DeviceOp.Create -> DeviceOutcome.Written(entry(put(op.event)))
                is DeviceOp.Update -> DeviceOutcome.Written(entry(put(op.event, op.id)))
                is DeviceOp.Delete -> { remove(op.id); DeviceOutcome.Deleted }
            }
        }
    }

    @Synchronized private fun entry(i: String) = DeviceEntry(i, events[i]!!.first.toString())
}

/** A one-hour event on 2026-03-[day] at [hour]:00 UTC, in Paris time. */
fun event(uid: String, summary: String, hour: Int = 9, day: Int = 2): Event {
    val start = 1772323200000L + ((day - 1) * 24L + hour) * 3_600_000L
    return Event(
        uid = uid, summary = summary,
        start = EventTime.Timed(start, "Europe/Paris"),
        end = EventTime.Timed(start + 3_600_000L, "Europe/Paris"),
        availability = Availability.BUSY,
    )
}

class Phone(dir: Path, val name: String, server: ServerConfig) {
    constructor(dir: Path, name: String, calendarUrl: String) :
        this(dir, name, ServerConfig.CalDav(calendarUrl, null))

    val agent = SyncAgent(dir.resolve("$name.db").toString())
    val device = MemoryCalendar("$name-calendar")
    val account: AccountInfo = agent.addAccount(
        NewAccount(
            name, USER, "app:$name", null, server,
            // The test server is plain http with Basic auth.
            defaultAccountSettings().apply { allowInsecureHttp = true },
        ),
        PASSWORD,
    )

    fun sync(confirmed: Boolean = false, progress: SyncProgress? = null, password: String = PASSWORD) =
        agent.sync(name, password, device, SyncOptions(false, confirmed, null), progress)
}

class SyncAgentTest {
    private val dir: Path = Files.createTempDirectory("synchro-kotlin")
    private val server = System.getenv("SYNCHRO_TEST_SERVER")
        ?: error("SYNCHRO_TEST_SERVER is not set: run bash scripts/test-bindings.sh")
    private val calendarUrl = "$server$USER/c${calendars.incrementAndGet()}/"
    private val phones = mutableListOf<Phone>()

    private fun phone(name: String) = Phone(dir, name, calendarUrl).also { phones += it }

    @After fun cleanUp() {
        phones.forEach { it.agent.close() }
        dir.toFile().deleteRecursively()
    }

    @Test fun firstSyncBringsTheServersEventsDown() {
        val other = phone("other")
        other.device.put(event("s1", "From the server", hour = 8).copy(
            rrule = "FREQ=DAILY;COUNT=3", exdate = "20260303T080000Z",
            alarms = listOf(Alarm(AlarmTrigger.BeforeStart(10), AlarmAction.DISPLAY, "soon")),
            attendees = listOf(Attendee("ann@example.org", "Ann", AttendeeRole.REQUIRED, ParticipationStatus.ACCEPTED)),
        ))
        other.device.put(event("s2", "All day").copy(
            start = EventTime.AllDay(CalendarDate(2026, 3u, 4u)),
            end = EventTime.AllDay(CalendarDate(2026, 3u, 5u)),
        ))
        other.sync()
        val a = phone("a")
        val report = a.sync()
        assertEquals(SyncStatus.OK, report.status)
        assertEquals(2uL, report.device.added)
        val got = a.device.byUid()
        assertEquals(setOf("s1", "s2"), got.keys)
        val s1 = got["s1"]!!.second
        assertEquals("From the server", s1.summary)
        assertEquals(EventTime.Timed(1772438400000L, "Europe/Paris"), s1.start)
        assertEquals("FREQ=DAILY;COUNT=3", s1.rrule)
        assertEquals("20260303T080000Z", s1.exdate)
        assertEquals(AlarmTrigger.BeforeStart(10), s1.alarms.single().trigger)
        assertEquals("Ann", s1.attendees.single().name)
        assertEquals(EventTime.AllDay(CalendarDate(2026, 3u, 4u)), got["s2"]!!.second.start)
    }

    @Test fun editsAndDeletionsPropagateBothWays() {
        val a = phone("a")
        val b = phone("b")
        val ids = (0 until 4).associate { "e$it" to a.device.put(event("e$it", "Event $it", hour = 8 + it)) }
        assertEquals(4uL, a.sync().server.added)
        assertEquals(4uL, b.sync().device.added)

        a.device.put(event("e0", "Event 0 moved", hour = 15), ids["e0"])
        a.device.remove(ids["e1"]!!)
        a.sync().server.let { assertEquals(1uL to 1uL, it.updated to it.deleted) }
        b.sync().device.let { assertEquals(1uL to 1uL, it.updated to it.deleted) }
        val onB = b.device.byUid()
        assertEquals(setOf("e0", "e2", "e3"), onB.keys)
        assertEquals("Event 0 moved", onB["e0"]!!.second.summary)

        b.device.put(onB["e2"]!!.second.copy(summary = "Event 2 renamed"), onB["e2"]!!.first)
        b.device.remove(onB["e3"]!!.first)
        b.sync().server.let { assertEquals(1uL to 1uL, it.updated to it.deleted) }
        a.sync().device.let { assertEquals(1uL to 1uL, it.updated to it.deleted) }
        val onA = a.device.byUid()
        assertEquals(setOf("e0", "e2"), onA.keys)
        assertEquals("Event 2 renamed", onA["e2"]!!.second.summary)
    }

    @Test fun aMassDeletionNeedsConfirmationAndIsAppliedWhenConfirmed() {
        val a = phone("a")
        val b = phone("b")
        val ids = (0 until 12).map { a.device.put(event("m$it", "Meeting $it", hour = it)) }
        a.sync()
        assertEquals(12uL, b.sync().device.added)
        ids.forEach { a.device.remove(it) }
        val held = assertFailsWith<SyncException.NeedsConfirmation> { a.sync() }
        assertEquals(12, held.plan.size)
        assertTrue(held.plan.all { it.side == Side.SERVER && it.action == ChangeAction.DELETE })
        assertEquals((0 until 12).map { "m$it" }.toSet(), held.plan.map { it.uid }.toSet())
        // Nothing was applied: the other phone sees no change.
        assertEquals(0uL, b.sync().device.deleted)
        assertEquals(12, b.device.size())

        assertEquals(12uL, a.sync(confirmed = true).server.deleted)
        // Now the other phone would lose everything: held back in turn, then applied.
        val onB = assertFailsWith<SyncException.NeedsConfirmation> { b.sync() }
        assertTrue(onB.plan.all { it.side == Side.DEVICE && it.action == ChangeAction.DELETE })
        assertEquals(12uL, b.sync(confirmed = true).device.deleted)
        assertEquals(0, b.device.size())
    }

    @Test fun interruptFromAnotherThreadStopsALongSyncAndTheNextConverges() {
        val a = phone("a")
        val b = phone("b")
        repeat(120) { a.device.put(event("long-$it", "Long $it", hour = it % 24, day = 1 + it / 24)) }
        val reached = CountDownLatch(1)
        val open = CountDownLatch(1)
        // Blocks the sync at its first applied change until the test opens the gate.
        val gate = object : SyncProgress {
            @Volatile var current = ""
            override fun phase(name: String, total: ULong) { current = name }
            override fun advance(n: ULong) {
                if (current == "apply" && reached.count > 0) {
                    reached.countDown()
                    open.await(30, TimeUnit.SECONDS)
                }
            }
        }
        var outcome: Throwable? = null
        val syncing = thread { outcome = runCatching { a.sync(progress = gate) }.exceptionOrNull() }
        assertTrue(reached.await(60, TimeUnit.SECONDS))
        thread { a.agent.interrupt() }.join()
        open.countDown()
        syncing.join(120_000)
        assertTrue(outcome is SyncException.Interrupted, "got $outcome")
        val r = a.sync()
        assertEquals(SyncStatus.OK, r.status)
        assertTrue(r.server.added < 120uL, "the interrupted sync had uploaded some")
        assertEquals(120uL, b.sync().device.added)
    }

    @Test fun aWrongPasswordIsAuth() {
        val a = phone("a")
        a.device.put(event("x", "X"))
        assertFailsWith<SyncException.Auth> { a.sync(password = "wrong") }
    }

    @Test fun anExceptionInApplyIsACleanErrorAndLosesNothing() {
        val a = phone("a")
        val b = phone("b")
        repeat(3) { b.device.put(event("b$it", "From B $it", hour = it)) }
        b.sync()
        repeat(2) { a.device.put(event("a$it", "From A $it", hour = 10 + it)) }
        a.device.failApply = IllegalStateException("the calendar provider died")
        val failed = assertFailsWith<SyncException.Device> { a.sync() }
        assertTrue(failed.toString().contains("the calendar provider died"), failed.toString())
        assertEquals(setOf("a0", "a1"), a.device.byUid().keys)
        a.device.failApply = null
        assertEquals(SyncStatus.OK, a.sync().status)
        val all = setOf("a0", "a1", "b0", "b1", "b2")
        assertEquals(all, a.device.byUid().keys)
        b.sync()
        assertEquals(all, b.device.byUid().keys)
    }

    @Test fun statusAnswersDuringASync() {
        val a = phone("a")
        a.device.put(event("s", "S"))
        val answered = CountDownLatch(1)
        var seen: List<AccountStatus> = emptyList()
        a.device.onList = {
            thread { seen = a.agent.status(null); answered.countDown() }
            assertTrue(answered.await(20, TimeUnit.SECONDS), "status() did not answer during the sync")
        }
        assertEquals(SyncStatus.OK, a.sync().status)
        assertEquals(listOf("a" to true), seen.map { it.account to it.syncing })
        assertEquals(listOf(false), a.agent.status(null).map { it.syncing })
    }
}
