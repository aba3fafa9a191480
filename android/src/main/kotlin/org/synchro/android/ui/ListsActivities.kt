package org.synchro.android.ui

import android.app.Activity
import android.os.Bundle
import org.synchro.android.sync.Core

/** Past syncs, newest first. */
class HistoryActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val words = Words(this)
        val entries = Core.agent(this).history(null, 100u)
        screen(words.history) {
            if (entries.isEmpty()) line(words.noneYet)
            entries.forEach { line(words.history(it)) }
        }
    }
}

/** The losing versions of conflicts, kept. */
class ConflictsActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val words = Words(this)
        val kept = Core.agent(this).conflicts(null)
        screen(words.conflicts) {
            if (kept.isEmpty()) line(words.noneYet)
            kept.forEach { line(words.conflict(it)) }
        }
    }
}
