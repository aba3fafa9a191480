package org.synchro.android.sync

import android.content.Context
import java.io.File
import org.synchro.ffi.SyncAgent

/** The app's one [SyncAgent], over the store in the app's no-backup folder (no password in it). */
object Core {
    @Volatile private var agent: SyncAgent? = null
    @Volatile private var path: String? = null

    /** The agent of this app's store, opened on first use. */
    @Synchronized
    fun agent(context: Context): SyncAgent {
        val p = File(context.noBackupFilesDir, "synchro.sqlite").path
        val a = agent
        if (a != null && path == p) return a
        return SyncAgent(p).also { agent = it; path = p }
    }
}
