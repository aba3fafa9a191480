package org.synchro.android.ui

import android.accounts.Account
import android.app.Activity
import android.os.Bundle
import android.widget.TextView
import org.synchro.android.sync.HeldBackActions
import org.synchro.android.sync.HeldBackNotifier

/** A held-back sync: what it would delete, and the choice to apply it or to restore. */
class HeldBackActivity : Activity() {
    /** What happened, for the tests. */
    lateinit var status: TextView
        private set

    private lateinit var words: Words

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        words = Words(this)
        @Suppress("DEPRECATION")
        val account = intent.getParcelableExtra<Account>(HeldBackNotifier.EXTRA_ACCOUNT) ?: return finish()
        val core = intent.getStringExtra(HeldBackNotifier.EXTRA_CORE_ACCOUNT) ?: return finish()
        screen(words.heldTitle) {
            line(intent.getStringExtra(HeldBackNotifier.EXTRA_TEXT) ?: "")
            button(words.apply) { apply(account, core) }
            button(words.restore) { restore(account, core) }
            status = line("")
        }
        when (intent.action) {
            HeldBackNotifier.ACTION_APPLY -> apply(account, core)
            HeldBackNotifier.ACTION_RESTORE -> restore(account, core)
        }
    }

    private fun apply(account: Account, core: String) {
        work({ HeldBackActions(this).apply(account, core) }) { r ->
            status.text = r.fold({ l -> l.joinToString("\n") { words.outcome(it) } }, { it.message ?: it.javaClass.simpleName })
        }
    }

    private fun restore(account: Account, core: String) {
        work({ HeldBackActions(this).restore(account, core) }) { r ->
            status.text = r.fold({ words.kept }, { it.message ?: it.javaClass.simpleName })
        }
    }
}
