//! Realistic iCalendar objects for the integration tests, in the style of the producers our
//! users have (Zimbra, Outlook/Exchange, Thunderbird), and helpers to read a vdir folder.

use std::fs;
use std::path::Path;

/// A simple timed event in UTC.
pub fn simple(uid: &str, summary: &str, start: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Synchro//tests//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\n\
         DTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:{summary}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A weekly lecture from Zimbra: VTIMEZONE, RRULE with UNTIL, a cancelled session (EXDATE),
/// a moved session (RECURRENCE-ID), an alarm, an organizer and attendees, X- properties.
pub fn zimbra_lecture(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\n\
X-WR-CALNAME:Calendar\r\n\
PRODID:Zimbra-Calendar-Provider\r\n\
VERSION:2.0\r\n\
BEGIN:VTIMEZONE\r\n\
TZID:Europe/Paris\r\n\
BEGIN:STANDARD\r\n\
DTSTART:16010101T030000\r\n\
TZOFFSETTO:+0100\r\n\
TZOFFSETFROM:+0200\r\n\
RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=10;BYDAY=-1SU\r\n\
TZNAME:CET\r\n\
END:STANDARD\r\n\
BEGIN:DAYLIGHT\r\n\
DTSTART:16010101T020000\r\n\
TZOFFSETTO:+0200\r\n\
TZOFFSETFROM:+0100\r\n\
RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=3;BYDAY=-1SU\r\n\
TZNAME:CEST\r\n\
END:DAYLIGHT\r\n\
END:VTIMEZONE\r\n\
BEGIN:VEVENT\r\n\
UID:{uid}\r\n\
SUMMARY:{summary}\r\n\
LOCATION:Amphi B\\, bâtiment 3\r\n\
ATTENDEE;CN=Marie Curie;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:marie@univ.example\r\n\
ORGANIZER;CN=Paul Langevin:mailto:paul@univ.example\r\n\
DTSTART;TZID=\"Europe/Paris\":20250908T100000\r\n\
DTEND;TZID=\"Europe/Paris\":20250908T120000\r\n\
RRULE:FREQ=WEEKLY;UNTIL=20251215T090000Z;INTERVAL=1;BYDAY=MO\r\n\
EXDATE;TZID=\"Europe/Paris\":20251103T100000\r\n\
STATUS:CONFIRMED\r\n\
CLASS:PUBLIC\r\n\
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY\r\n\
TRANSP:OPAQUE\r\n\
X-MICROSOFT-DISALLOW-COUNTER:TRUE\r\n\
X-ZIMBRA-COURSE-CODE:MATH101\r\n\
DTSTAMP:20250820T093000Z\r\n\
SEQUENCE:0\r\n\
BEGIN:VALARM\r\n\
ACTION:DISPLAY\r\n\
TRIGGER;RELATED=START:-PT15M\r\n\
DESCRIPTION:Reminder\r\n\
END:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:{uid}\r\n\
SUMMARY:{summary} (salle changée)\r\n\
LOCATION:Salle 12\r\n\
DTSTART;TZID=\"Europe/Paris\":20251013T140000\r\n\
DTEND;TZID=\"Europe/Paris\":20251013T160000\r\n\
RECURRENCE-ID;TZID=\"Europe/Paris\":20251013T100000\r\n\
STATUS:CONFIRMED\r\n\
DTSTAMP:20250820T093000Z\r\n\
SEQUENCE:1\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n"
    )
}

/// An Outlook meeting with a Windows time zone name as TZID.
pub fn outlook_meeting(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\n\
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n\
VERSION:2.0\r\n\
METHOD:PUBLISH\r\n\
X-MS-OLK-FORCEINSPECTOROPEN:TRUE\r\n\
BEGIN:VTIMEZONE\r\n\
TZID:W. Europe Standard Time\r\n\
BEGIN:STANDARD\r\n\
DTSTART:16011028T030000\r\n\
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n\
TZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\n\
END:STANDARD\r\n\
BEGIN:DAYLIGHT\r\n\
DTSTART:16010325T020000\r\n\
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n\
TZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0200\r\n\
END:DAYLIGHT\r\n\
END:VTIMEZONE\r\n\
BEGIN:VEVENT\r\n\
CLASS:PUBLIC\r\n\
CREATED:20250901T080000Z\r\n\
DESCRIPTION:Ordre du jour :\\n1. Budget\\n2. Divers\r\n\
DTEND;TZID=\"W. Europe Standard Time\":20250915T150000\r\n\
DTSTAMP:20250901T080000Z\r\n\
DTSTART;TZID=\"W. Europe Standard Time\":20250915T140000\r\n\
LAST-MODIFIED:20250901T080000Z\r\n\
LOCATION:Salle du conseil\r\n\
PRIORITY:5\r\n\
SEQUENCE:0\r\n\
SUMMARY;LANGUAGE=fr-fr:{summary}\r\n\
TRANSP:OPAQUE\r\n\
UID:{uid}\r\n\
X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n\
X-MICROSOFT-CDO-IMPORTANCE:1\r\n\
X-MICROSOFT-DISALLOW-COUNTER:FALSE\r\n\
BEGIN:VALARM\r\n\
TRIGGER:-PT15M\r\n\
ACTION:DISPLAY\r\n\
DESCRIPTION:Reminder\r\n\
END:VALARM\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n"
    )
}

/// An all-day, multi-day event from Thunderbird.
pub fn all_day(uid: &str, summary: &str, start: &str, end: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\n\
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n\
VERSION:2.0\r\n\
BEGIN:VEVENT\r\n\
CREATED:20250901T101010Z\r\n\
LAST-MODIFIED:20250901T101020Z\r\n\
DTSTAMP:20250901T101020Z\r\n\
UID:{uid}\r\n\
SUMMARY:{summary}\r\n\
DTSTART;VALUE=DATE:{start}\r\n\
DTEND;VALUE=DATE:{end}\r\n\
TRANSP:TRANSPARENT\r\n\
X-MOZ-GENERATION:1\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n"
    )
}

/// The `.ics` files of a vdir folder: (file name, content), sorted by name.
pub fn vdir_files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".ics"))
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read_to_string(e.path()).unwrap_or_default(),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// The file of a vdir holding `UID:uid`, if any.
pub fn vdir_find(dir: &Path, uid: &str) -> Option<(String, String)> {
    let needle = format!("UID:{uid}\r\n");
    let needle_lf = format!("UID:{uid}\n");
    vdir_files(dir)
        .into_iter()
        .find(|(_, text)| text.contains(&needle) || text.contains(&needle_lf))
}

/// How many files of a vdir hold `UID:uid` (more than one is a duplicate).
pub fn vdir_count_uid(dir: &Path, uid: &str) -> usize {
    let needle = format!("UID:{uid}\r\n");
    let needle_lf = format!("UID:{uid}\n");
    vdir_files(dir)
        .iter()
        .filter(|(_, text)| text.contains(&needle) || text.contains(&needle_lf))
        .count()
}

/// Replaces the first `SUMMARY...` line of an iCalendar text.
pub fn with_summary(ics: &str, summary: &str) -> String {
    let mut done = false;
    ics.split_inclusive('\n')
        .map(|line| {
            if !done && line.starts_with("SUMMARY") {
                done = true;
                let eol = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
                format!("SUMMARY:{summary}{eol}")
            } else {
                line.to_string()
            }
        })
        .collect()
}
