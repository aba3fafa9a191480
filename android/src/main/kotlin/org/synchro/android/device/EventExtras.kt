package org.synchro.android.device

import org.json.JSONArray
import org.json.JSONObject

/**
 * What the provider cannot hold, kept in the event row's SYNC_DATA3 as JSON: URL,
 * categories, SEQUENCE, the colour as the server wrote it, floating times, and the full
 * alarms and attendees (used again when the phone's reminder and attendee rows still match
 * them, so a round trip through the phone loses nothing).
 */
data class EventExtras(
    val url: String? = null,
    val categories: List<String> = emptyList(),
    val sequence: Int = 0,
    val color: String? = null,
    val startFloating: Boolean = false,
    val endFloating: Boolean = false,
    val alarms: String? = null,
    val alarmsKey: String? = null,
    val people: String? = null,
    val peopleKey: String? = null,
) {
    /** The JSON kept in SYNC_DATA3. */
    fun encode(): String = JSONObject().apply {
        url?.let { put("url", it) }
        if (categories.isNotEmpty()) put("categories", JSONArray(categories))
        put("sequence", sequence)
        color?.let { put("color", it) }
        put("startFloating", startFloating)
        put("endFloating", endFloating)
        alarms?.let { put("alarms", it) }
        alarmsKey?.let { put("alarmsKey", it) }
        people?.let { put("people", it) }
        peopleKey?.let { put("peopleKey", it) }
    }.toString()

    companion object {
        /** The extras of a row, or none if the row has none or they cannot be read. */
        fun decode(json: String?): EventExtras {
            if (json.isNullOrEmpty()) return EventExtras()
            return try {
                val o = JSONObject(json)
                val cats = o.optJSONArray("categories")
                EventExtras(
                    url = o.optString("url").ifEmpty { null },
                    categories = if (cats == null) emptyList() else List(cats.length()) { cats.getString(it) },
                    sequence = o.optInt("sequence", 0),
                    color = o.optString("color").ifEmpty { null },
                    startFloating = o.optBoolean("startFloating", false),
                    endFloating = o.optBoolean("endFloating", false),
                    alarms = o.optString("alarms").ifEmpty { null },
                    alarmsKey = if (o.has("alarmsKey")) o.getString("alarmsKey") else null,
                    people = o.optString("people").ifEmpty { null },
                    peopleKey = if (o.has("peopleKey")) o.getString("peopleKey") else null,
                )
            } catch (e: org.json.JSONException) {
                EventExtras()
            }
        }
    }
}
