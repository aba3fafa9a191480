package org.synchro.android.ui

import android.accounts.Account
import android.app.Activity
import android.content.Context
import android.graphics.Typeface
import android.view.ViewGroup.LayoutParams
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import java.util.concurrent.Executor
import java.util.concurrent.Executors
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.device.PhoneCalendars

/** Where the screens run their slow work (syncs, discovery); tests may run it in place. */
object Background {
    /** The worker; one at a time, so two taps never run two syncs. */
    @Volatile var executor: Executor = Executors.newSingleThreadExecutor()
}

/** Runs [task] on the worker, then [done] with its result (or its exception) on the UI thread. */
fun <T> Activity.work(task: () -> T, done: (Result<T>) -> Unit) {
    Background.executor.execute {
        val r = runCatching(task)
        runOnUiThread { done(r) }
    }
}

/** Sets a scrolling column with [title] as the content; returns the column. */
fun Activity.screen(title: String, build: LinearLayout.() -> Unit): LinearLayout {
    val column = LinearLayout(this).apply {
        orientation = LinearLayout.VERTICAL
        val pad = dp(16)
        setPadding(pad, pad, pad, pad)
    }
    column.addView(TextView(this).apply { text = title; textSize = 22f; setTypeface(typeface, Typeface.BOLD) })
    column.build()
    setContentView(ScrollView(this).apply { addView(column, LayoutParams(LayoutParams.MATCH_PARENT, LayoutParams.WRAP_CONTENT)) })
    this.title = title
    return column
}

/** Adds a text line. */
fun LinearLayout.line(s: String): TextView = TextView(context).apply { text = s; textSize = 16f; setPadding(0, context.dp(6), 0, context.dp(6)) }.also { addView(it) }

/** Adds a button. */
fun LinearLayout.button(s: String, onClick: () -> Unit): Button = Button(context).apply { text = s; setOnClickListener { onClick() } }.also { addView(it) }

/** Pixels of [v] density-independent pixels. */
fun Context.dp(v: Int): Int = (v * resources.displayMetrics.density).toInt()

/** The phone account and calendar that core account [core] syncs. */
fun Context.locate(core: String): Pair<Account, PhoneCalendars.PhoneCalendar>? {
    for (a in SynchroAccounts.all(this)) {
        PhoneCalendars.of(contentResolver, a).firstOrNull { it.coreAccount == core }?.let { return Pair(a, it) }
    }
    return null
}
