package org.synchro.android.ui

import android.app.Activity
import android.os.Bundle
import android.widget.Button
import org.synchro.android.sync.Core
import org.synchro.ffi.ConflictInfo

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

/** The losing versions of conflicts, kept; each can be dismissed once looked at. */
class ConflictsActivity : Activity() {
    /** One button per kept copy, in the order shown: removes that copy. */
    val dismissButtons = ArrayList<Button>()

    private lateinit var words: Words

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        words = Words(this)
        show(Core.agent(this).conflicts(null))
    }

    private fun show(kept: List<ConflictInfo>) {
        dismissButtons.clear()
        screen(words.conflicts) {
            if (kept.isEmpty()) line(words.noneYet)
            kept.forEach { c ->
                line(words.conflict(c))
                dismissButtons += button(words.dismiss) { dismiss(c.id) }
            }
        }
    }

    private fun dismiss(id: Long) {
        work({ Core.agent(this).run { dismissConflicts(listOf(id)); conflicts(null) } }) { r ->
            r.onSuccess { show(it) }
        }
    }
}
