// The Kotlin/JVM bindings of synchro-ffi: account settings, backups and restore, conflicts
// against a real Radicale, and SyncML against a real SyncEvolution server.
package org.synchro.ffi.test

import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.junit.After
import org.junit.Test
import org.synchro.ffi.*

class AccountsBackupsSyncMlTest {
    private val dir: Path = Files.createTempDirectory("synchro-kotlin")
    private val server = System.getenv("SYNCHRO_TEST_SERVER")
        ?: error("SYNCHRO_TEST_SERVER is not set: run bash scripts/test-bindings.sh")
    private val calendarUrl = "$server$USER/c${calendars.incrementAndGet()}/"
    private val phones = mutableListOf<Phone>()

    private fun phone(name: String) = Phone(dir, name, calendarUrl).also { phones += it }

    /** A phone with a SyncML account for device id synchro-phone-[n] (see test-bindings.sh). */
    private fun syncMlPhone(name: String, n: Int): Phone {
        val url = System.getenv("SYNCHRO_TEST_SYNCML")
            ?: error("SYNCHRO_TEST_SYNCML is not set: run bash scripts/test-bindings.sh")
        val config = ServerConfig.SyncMl(url, "calendar", "synchro-phone-$n", SyncMlFormat.I_CALENDAR, false, SyncMlAuth.MD5)
        return Phone(dir, name, config).also { phones += it }
    }

    @After fun cleanUp() {
        phones.forEach { it.agent.close() }
        dir.toFile().deleteRecursively()
    }

    /** What the server holds, as a fresh phone sees it: UID -> summary. */
    private fun serverEvents(name: String): Map<String, String?> {
        val observer = phone(name)
        observer.sync()
        return observer.device.byUid().mapValues { it.value.second.summary }
    }

    @Test fun updateAccountReadsBackBacksUpAndAppliesTheNewThresholds() {
        val a = phone("a")
        val ids = (0 until 6).map { a.device.put(event("u$it", "Update $it", hour = it)) }
        assertEquals(6uL, a.sync().server.added)
        val settings = defaultAccountSettings().apply {
            allowInsecureHttp = true
            maxDeletePercent = 10u
            maxDeleteCount = 2u
        }
        val backupId = assertNotNull(a.agent.updateAccount("a", AccountUpdate(null, settings), a.device))
        val info = a.agent.listAccounts().single()
        assertEquals(10u to 2u, info.settings.maxDeletePercent to info.settings.maxDeleteCount)
        val backup = a.agent.backups("a").single { it.id == backupId }
        assertEquals(BackupReason.SETTINGS_CHANGE, backup.reason)
        assertEquals(6uL, backup.deviceItems)

        // 3 of 6 is within the default thresholds (30 %, 10) but not the new ones.
        ids.take(3).forEach { a.device.remove(it) }
        val held = assertFailsWith<SyncException.NeedsConfirmation> { a.sync() }
        assertEquals(HoldReason.MassDeletion(Side.SERVER, 3uL, 6uL, 10u, 2u), held.reason)
        assertEquals(6, serverEvents("before").size, "nothing applied while held back")
        assertEquals(3uL, a.sync(confirmed = true).server.deleted)
        assertEquals(setOf("u3", "u4", "u5"), serverEvents("after").keys)
    }

    @Test fun aConfirmedRestoreBringsBackBothSidesAndADryRunChangesNothing() {
        val a = phone("a")
        val ids = (0 until 3).associate { "r$it" to a.device.put(event("r$it", "Restore $it", hour = it)) }
        a.sync()
        val backup = a.agent.createBackup("a", PASSWORD, a.device)
        assertEquals(Triple(BackupReason.MANUAL, true, Side.BOTH), Triple(backup.reason, backup.full, backup.side))
        assertEquals(3uL to 3uL, backup.deviceItems to backup.serverItems)
        assertTrue(a.agent.backups("a").any { it.id == backup.id })

        a.device.remove(ids["r0"]!!)
        a.device.put(event("r3", "Added later", hour = 5))
        a.sync().server.let { assertEquals(1uL to 1uL, it.added to it.deleted) }
        val after = setOf("r1", "r2", "r3")

        val dry = a.agent.restore(backup.id, Side.BOTH, true, true, PASSWORD, a.device)
        assertTrue(dry.dryRun)
        val changes = dry.changes.map { Triple(it.side, it.action, it.uid) }.toSet()
        for (side in listOf(Side.DEVICE, Side.SERVER)) {
            assertTrue(Triple(side, RestoreAction.ADD, "r0") in changes, "$changes")
            assertTrue(Triple(side, RestoreAction.REMOVE, "r3") in changes, "$changes")
        }
        assertEquals(after, a.device.byUid().keys)
        assertEquals(after, serverEvents("dry").keys)

        val done = a.agent.restore(backup.id, Side.BOTH, false, true, PASSWORD, a.device)
        assertTrue(!done.dryRun && done.errors.isEmpty(), "$done")
        val restored = setOf("r0", "r1", "r2")
        assertEquals(restored, a.device.byUid().keys)
        assertEquals("Restore 0", a.device.byUid()["r0"]!!.second.summary)
        assertEquals(restored, serverEvents("done").keys)
        val r = a.sync()
        assertEquals(SyncStatus.OK, r.status)
        assertEquals(listOf(0uL, 0uL, 0uL, 0uL), listOf(r.server.added, r.server.deleted, r.device.added, r.device.deleted))
    }

    @Test fun aConflictIsWonByTheServerAndTheLosingVersionIsKept() {
        val a = phone("a")
        val b = phone("b")
        val id = a.device.put(event("c", "Original"))
        a.sync()
        b.sync()
        a.device.put(event("c", "Version A", hour = 11), id)
        val (bId, onB) = b.device.byUid()["c"]!!
        b.device.put(onB.copy(summary = "Version B"), bId)
        assertEquals(1uL, a.sync().server.updated)
        assertEquals(1uL, b.sync().conflicts)
        assertEquals("Version A", b.device.byUid()["c"]!!.second.summary)
        assertEquals(mapOf("c" to "Version A"), serverEvents("observer"))
        val kept = b.agent.conflicts("b").single()
        assertEquals(Triple("b", "c", Side.DEVICE), Triple(kept.account, kept.uid, kept.losingSide))
        assertTrue("SUMMARY:Version B" in kept.ics, kept.ics)
        assertEquals(emptyList(), a.agent.conflicts(null))
        // Looked at: dismissed, once.
        assertEquals(1uL, b.agent.status("b").single().conflictsKept)
        assertEquals(1uL, b.agent.dismissConflicts(listOf(kept.id)))
        assertEquals(0uL, b.agent.dismissConflicts(listOf(kept.id)))
        assertEquals(emptyList(), b.agent.conflicts("b"))
        assertEquals(0uL, b.agent.status("b").single().conflictsKept)
    }

    @Test fun syncMlDownUpSecondPhoneEditAndDeletion() {
        val one = syncMlPhone("one", 1)
        val ids = (0 until 2).associate { "p$it" to one.device.put(event("p$it", "Phone $it", hour = 10 + it)) }
        val r = one.sync()
        assertEquals(SyncStatus.OK, r.status, "$r")
        assertEquals(2uL to 2uL, r.device.added to r.server.added)
        val all = setOf("p0", "p1", "seed-1", "seed-2")
        assertEquals(all, one.device.byUid().keys)
        assertEquals("Seed 1", one.device.byUid()["seed-1"]!!.second.summary)

        val two = syncMlPhone("two", 2)
        assertEquals(4uL, two.sync().device.added)
        assertEquals(all, two.device.byUid().keys)

        one.device.put(event("p0", "Phone 0 moved", hour = 15), ids["p0"])
        one.device.remove(ids["p1"]!!)
        one.sync().server.let { assertEquals(1uL to 1uL, it.updated to it.deleted) }
        two.sync().device.let { assertEquals(1uL to 1uL, it.updated to it.deleted) }
        val onTwo = two.device.byUid()
        assertEquals(setOf("p0", "seed-1", "seed-2"), onTwo.keys)
        assertEquals("Phone 0 moved", onTwo["p0"]!!.second.summary)
    }

    @Test fun syncMlWrongPasswordIsAuth() {
        val three = syncMlPhone("three", 3)
        three.device.put(event("x", "X"))
        assertFailsWith<SyncException.Auth> { three.sync(password = "wrong") }
    }
}
