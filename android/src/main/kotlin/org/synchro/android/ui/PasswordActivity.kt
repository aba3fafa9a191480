package org.synchro.android.ui

import android.accounts.Account
import android.app.Activity
import android.os.Bundle
import android.text.InputType
import android.widget.EditText
import org.synchro.android.account.SynchroAccounts
import org.synchro.android.sync.HeldBackNotifier
import org.synchro.android.sync.PasswordNotifier

/** Enter the password again after the server refused it. */
class PasswordActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val words = Words(this)
        @Suppress("DEPRECATION")
        val account = intent.getParcelableExtra<Account>(HeldBackNotifier.EXTRA_ACCOUNT) ?: return finish()
        screen(words.passwordTitle) {
            line(words.passwordText)
            line(account.name)
            val field = EditText(context).apply {
                hint = words.password
                inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD
            }
            addView(field)
            button(words.save) {
                SynchroAccounts.setPassword(context, account, field.text.toString())
                PasswordNotifier.cancel(context, account)
                finish()
            }
        }
    }
}
