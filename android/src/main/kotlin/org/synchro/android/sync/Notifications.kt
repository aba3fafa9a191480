package org.synchro.android.sync

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context

/** The app's notification channel. */
internal object Notifications {
    const val CHANNEL = "synchro"

    fun manager(context: Context): NotificationManager {
        val nm = context.getSystemService(NotificationManager::class.java)!!
        if (nm.getNotificationChannel(CHANNEL) == null) {
            nm.createNotificationChannel(NotificationChannel(CHANNEL, "Synchro", NotificationManager.IMPORTANCE_DEFAULT))
        }
        return nm
    }

    fun builder(context: Context): Notification.Builder =
        Notification.Builder(context, CHANNEL).setSmallIcon(android.R.drawable.stat_notify_sync).setAutoCancel(true)
}
