package org.synchro.android

import java.io.File
import java.net.HttpURLConnection
import java.net.URL
import java.util.Base64
import java.util.concurrent.TimeUnit

/**
 * A real Radicale on 127.0.0.1 for one test class, started by scripts/radicale-for-bindings.py
 * (user test/test, empty calendars test/c1/ ...) and stopped (with its storage) by [stop].
 */
class Radicale private constructor(private val process: Process, val base: String) {
    private val auth = "Basic " + Base64.getEncoder().encodeToString("test:test".toByteArray())

    /** The URL of calendar [n]. */
    fun calendar(n: Int) = "${base}test/c$n/"

    /** Stores [ics] as [uid] in [calendar]. */
    fun put(calendar: String, uid: String, ics: String) {
        val c = open("$calendar$uid.ics", "PUT")
        c.doOutput = true
        c.setRequestProperty("Content-Type", "text/calendar; charset=utf-8")
        c.outputStream.use { it.write(ics.toByteArray()) }
        check(c.responseCode in 200..299) { "PUT $uid: ${c.responseCode}" }
    }

    /** The whole calendar as Radicale serves it (one VCALENDAR). */
    fun get(calendar: String): String {
        val c = open(calendar, "GET")
        check(c.responseCode == 200) { "GET: ${c.responseCode}" }
        return c.inputStream.use { String(it.readBytes()) }
    }

    /** The number of events (VEVENT masters and overrides) in [calendar]. */
    fun events(calendar: String) = Regex("BEGIN:VEVENT").findAll(get(calendar)).count()

    private fun open(url: String, method: String) = (URL(url).openConnection() as HttpURLConnection).apply {
        requestMethod = method
        setRequestProperty("Authorization", auth)
        connectTimeout = 10_000
        readTimeout = 30_000
    }

    /** Stops Radicale and removes its storage. */
    fun stop() {
        process.destroy()
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }

    companion object {
        /** Starts one with [calendars] empty calendars. */
        fun start(calendars: Int): Radicale {
            val root = File(System.getProperty("synchro.repo.root") ?: "..").canonicalFile
            val urlFile = File.createTempFile("radicale", ".url").apply { delete() }
            val p = ProcessBuilder("python3", File(root, "scripts/radicale-for-bindings.py").path,
                "--calendars", "$calendars", "--url-file", urlFile.path)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start()
            val deadline = System.currentTimeMillis() + 60_000
            while (!urlFile.exists() || urlFile.length() == 0L) {
                check(p.isAlive) { "radicale did not start" }
                check(System.currentTimeMillis() < deadline) { p.destroy(); "radicale did not answer" }
                Thread.sleep(100)
            }
            return Radicale(p, urlFile.readText().trim()).also { urlFile.delete() }
        }

        /** An iCalendar event. */
        fun event(uid: String, summary: String, start: String, end: String, extra: String = "", overrides: String = "") = """
            |BEGIN:VCALENDAR
            |VERSION:2.0
            |PRODID:-//synchro tests//EN
            |BEGIN:VEVENT
            |UID:$uid
            |DTSTAMP:20260101T000000Z
            |SUMMARY:$summary
            |DTSTART$start
            |DTEND$end
            |$extra
            |END:VEVENT
            |$overrides
            |END:VCALENDAR
            |""".trimMargin().lines().filter { it.isNotBlank() }.joinToString("\r\n") + "\r\n"
    }
}
