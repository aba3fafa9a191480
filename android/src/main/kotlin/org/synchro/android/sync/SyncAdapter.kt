package org.synchro.android.sync

import android.accounts.Account
import android.app.Service
import android.content.AbstractThreadedSyncAdapter
import android.content.ContentProviderClient
import android.content.Context
import android.content.Intent
import android.content.SyncResult
import android.os.Bundle
import android.os.IBinder

/** The sync framework's entry: runs [SyncRunner] for the account and reports to the framework. */
class SyncAdapter(context: Context) : AbstractThreadedSyncAdapter(context, true) {
    override fun onPerformSync(
        account: Account, extras: Bundle?, authority: String?, provider: ContentProviderClient?, syncResult: SyncResult,
    ) {
        for (o in SyncRunner(context).run(account)) {
            when (o) {
                is SyncOutcome.Done -> {
                    syncResult.stats.numInserts += (o.report.device.added + o.report.server.added).toLong()
                    syncResult.stats.numUpdates += (o.report.device.updated + o.report.server.updated).toLong()
                    syncResult.stats.numDeletes += (o.report.device.deleted + o.report.server.deleted).toLong()
                }
                is SyncOutcome.WrongPassword -> syncResult.stats.numAuthExceptions++
                is SyncOutcome.Unavailable -> {
                    syncResult.stats.numIoExceptions++
                    o.retryAfterS?.let { syncResult.delayUntil = it.toLong() }
                }
                is SyncOutcome.HeldBack -> syncResult.stats.numSkippedEntries++
                is SyncOutcome.Failed -> syncResult.databaseError = true
            }
        }
    }
}

/** The service the sync framework binds to reach [SyncAdapter]. */
class SyncService : Service() {
    override fun onBind(intent: Intent?): IBinder? = adapter(this).syncAdapterBinder

    private companion object {
        private var instance: SyncAdapter? = null

        @Synchronized
        fun adapter(context: Context) = instance ?: SyncAdapter(context.applicationContext).also { instance = it }
    }
}
