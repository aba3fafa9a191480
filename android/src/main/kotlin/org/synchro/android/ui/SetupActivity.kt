package org.synchro.android.ui

import android.app.Activity
import android.os.Bundle
import android.text.InputType
import android.widget.Button
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.TextView
import java.net.URI
import org.synchro.android.account.AccountSetup
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.sync.SyncSchedule

/** Set-up: server, user, password (hidden), protocol, calendars ticked from discovery, past-days window, interval. */
class SetupActivity : Activity() {
    /** Fields, public for the tests. */
    lateinit var url: EditText
    lateinit var user: EditText
    lateinit var password: EditText
    lateinit var syncml: RadioButton
    lateinit var allowHttp: CheckBox
    lateinit var pastDays: EditText
    lateinit var interval: EditText
    lateinit var find: Button
    lateinit var save: Button
    lateinit var message: TextView
    private lateinit var calendars: LinearLayout
    private var offered: List<Pair<CheckBox, AccountSetup.Offered>> = emptyList()
    private lateinit var words: Words

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        words = Words(this)
        screen(words.setupTitle) {
            fun field(hint: String, type: Int) = EditText(context).apply { this.hint = hint; inputType = type }.also { addView(it) }
            url = field(words.serverUrl, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_URI)
            user = field(words.username, InputType.TYPE_CLASS_TEXT)
            password = field(words.password, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD)
            val group = RadioGroup(context).apply { orientation = RadioGroup.HORIZONTAL }
            val caldav = RadioButton(context).apply { text = words.caldav; id = 1 }
            syncml = RadioButton(context).apply { text = words.syncml; id = 2 }
            group.addView(caldav)
            group.addView(syncml)
            group.check(1)
            addView(group)
            allowHttp = CheckBox(context).apply { text = words.allowHttp }.also { addView(it) }
            pastDays = field(words.pastDays, InputType.TYPE_CLASS_NUMBER)
            interval = field(words.interval, InputType.TYPE_CLASS_NUMBER).apply { setText("${SyncSchedule.DEFAULT_MINUTES}") }
            find = button(words.findCalendars) { discover() }
            message = line("")
            calendars = LinearLayout(context).apply { orientation = LinearLayout.VERTICAL }.also { addView(it) }
            save = button(words.save) { create() }.apply { isEnabled = false }
        }
    }

    private fun server() = SynchroAccounts.Server(
        url.text.toString().trim(), user.text.toString().trim(),
        if (syncml.isChecked) SynchroAccounts.Protocol.SYNCML else SynchroAccounts.Protocol.CALDAV,
        allowHttp.isChecked,
    )

    private fun discover() {
        val server = server()
        val pw = password.text.toString()
        message.text = words.searching
        work({ AccountSetup(this).discover(server, pw) }) { r ->
            r.onSuccess { found ->
                calendars.removeAllViews()
                offered = found.map { cal -> Pair(CheckBox(this).apply { text = cal.name; isChecked = true }, cal) }
                offered.forEach { calendars.addView(it.first) }
                message.text = words.found(found.size)
                save.isEnabled = found.isNotEmpty()
            }.onFailure { message.text = it.message ?: it.javaClass.simpleName }
        }
    }

    private fun create() {
        val server = server()
        val pw = password.text.toString()
        val chosen = offered.filter { it.first.isChecked }.map { it.second }
        val days = pastDays.text.toString().toUIntOrNull()
        val minutes = interval.text.toString().toLongOrNull() ?: SyncSchedule.DEFAULT_MINUTES
        val host = runCatching { URI(server.url).host }.getOrNull() ?: server.url
        work({ AccountSetup(this).create("${server.username}@$host", server, pw, chosen, days, minutes) }) { r ->
            r.onSuccess {
                message.text = words.created(chosen.size)
                finish()
            }.onFailure { message.text = it.message ?: it.javaClass.simpleName }
        }
    }
}
