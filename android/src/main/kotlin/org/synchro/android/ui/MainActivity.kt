package org.synchro.android.ui

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.view.View
import android.widget.Button
import android.widget.ProgressBar
import android.widget.TextView
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.sync.SyncRunner
import org.synchro.ffi.SyncProgress

/** The main screen: the big "Synchroniser" button, progress while it runs, the last result in words. */
class MainActivity : Activity() {
    /** The big button. */
    lateinit var syncButton: Button
        private set

    /** The last result. */
    lateinit var result: TextView
        private set

    private lateinit var progress: ProgressBar
    private lateinit var words: Words

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        words = Words(this)
        val accounts = SynchroAccounts.all(this)
        screen(words.appName) {
            if (accounts.isEmpty()) line(words.noAccount)
            syncButton = button(words.syncButton) { sync() }.apply {
                textSize = 28f
                minHeight = dp(120)
                isEnabled = accounts.isNotEmpty()
            }
            progress = ProgressBar(context, null, android.R.attr.progressBarStyleHorizontal).apply { visibility = View.GONE }
            addView(progress)
            result = line(getSharedPreferences("main", MODE_PRIVATE).getString("last", "") ?: "")
            button(words.addAccount) { startActivity(Intent(context, SetupActivity::class.java)) }
            button(words.history) { startActivity(Intent(context, HistoryActivity::class.java)) }
            button(words.conflicts) { startActivity(Intent(context, ConflictsActivity::class.java)) }
            button(words.backups) { startActivity(Intent(context, BackupsActivity::class.java)) }
        }
    }

    private fun sync() {
        syncButton.isEnabled = false
        progress.visibility = View.VISIBLE
        progress.isIndeterminate = true
        result.text = words.syncing
        val bar = object : SyncProgress {
            override fun phase(name: String, total: ULong) = runOnUiThread {
                progress.isIndeterminate = false
                progress.max = total.toInt().coerceAtLeast(1)
                progress.progress = 0
            }

            override fun advance(n: ULong) = runOnUiThread { progress.incrementProgressBy(n.toInt()) }
        }
        work({ SynchroAccounts.all(this).flatMap { SyncRunner(this).run(it, progress = bar) } }) { r ->
            val text = r.fold({ list -> list.joinToString("\n") { words.outcome(it) } }, { e -> e.message ?: e.javaClass.simpleName })
            result.text = text
            getSharedPreferences("main", MODE_PRIVATE).edit().putString("last", text).apply()
            progress.visibility = View.GONE
            syncButton.isEnabled = true
        }
    }
}
