package org.synchro.android.sync

import org.synchro.ffi.HoldReason
import org.synchro.ffi.PlannedChange
import org.synchro.ffi.SyncReport

/** How the sync of one phone calendar ended, for the screens and notifications. */
sealed class SyncOutcome {
    /** The calendar's name on the phone. */
    abstract val calendar: String

    /** Synced (maybe with per-event errors in the report). */
    data class Done(override val calendar: String, val report: SyncReport) : SyncOutcome()

    /** A safety check held the sync back; nothing applied until the user says so. */
    data class HeldBack(
        override val calendar: String,
        val coreAccount: String,
        val reason: HoldReason,
        val plan: List<PlannedChange>,
    ) : SyncOutcome()

    /** The server refused the password. */
    data class WrongPassword(override val calendar: String) : SyncOutcome()

    /** The server could not be reached; nothing lost, tried again later. */
    data class Unavailable(override val calendar: String, val retryAfterS: ULong?) : SyncOutcome()

    /** Another failure, worded by the core without personal data. */
    data class Failed(override val calendar: String, val detail: String) : SyncOutcome()
}
