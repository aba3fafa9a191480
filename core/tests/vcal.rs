//! vCalendar 1.0 golden tests: items from SyncEvolution's server and in the style of real
//! phones read into the model, iCalendar -> vCalendar -> iCalendar round trips, version
//! detection, and malformed input.

use chrono::{DateTime, NaiveDate, Utc};
use synchro_core::ical::vcal::{
    detect_version, event_to_vcal, ical_to_vcal, to_icalendar, vcal_to_event, vcal_to_ical,
    CalendarVersion,
};
use synchro_core::ical::{ics_to_event, to_utc};
use synchro_core::model::{
    AccessClass, Alarm, AlarmAction, AlarmTrigger, AttendeeRole, Availability, Event, EventStatus,
    EventTime, ParticipationStatus, Zone,
};
use synchro_core::Error;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/vcal/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str) -> Event {
    let ics = vcal_to_ical(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    ics_to_event(&ics).unwrap_or_else(|e| panic!("{name}: {e}\n{ics}"))
}

fn utc(t: &EventTime) -> String {
    to_utc(t)
        .map(|u: DateTime<Utc>| u.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| format!("no UTC for {t:?}"))
}

fn date(y: i32, m: u32, d: u32) -> EventTime {
    EventTime::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn rrule(e: &Event) -> Option<&str> {
    e.recurrence.as_ref()?.rrule.as_deref()
}

#[test]
fn syncevolution_capture_items() {
    let e = read("capture-client-ev-1.vcs");
    assert_eq!(e.uid.as_str(), "client-ev-1@peers.test");
    assert_eq!(e.summary.as_deref(), Some("Client event one (edited)"));
    assert_eq!(utc(&e.start), "2026-03-01 09:00");
    assert_eq!(utc(e.end.as_ref().unwrap()), "2026-03-01 10:00");
    let e = read("capture-server-ev-1.vcs");
    assert_eq!(e.location.as_deref(), Some("Room 1"));
    assert_eq!(utc(&e.start), "2026-03-10 14:00");
    let e = read("capture-server-ev-2.vcs");
    assert_eq!(e.summary.as_deref(), Some("Server event with TZID"));
    assert_eq!(utc(&e.start), "2026-03-12 10:00");
    // TZ:+00:00 with DAYLIGHT:FALSE names no zone: no VTIMEZONE is made up.
    assert!(!vcal_to_ical(&fixture("capture-server-ev-2.vcs"))
        .unwrap()
        .contains("VTIMEZONE"));
}

#[test]
fn nokia_quoted_printable_and_aalarm() {
    let e = read("nokia-s60-qp-aalarm.vcs");
    assert_eq!(e.summary.as_deref(), Some("Besprechung München"));
    assert_eq!(
        e.description.as_deref(),
        Some("Zeile eins\nZeile zwei; mit Semikolon, und Komma")
    );
    assert_eq!(
        e.start,
        EventTime::DateTime {
            local: NaiveDate::from_ymd_opt(2025, 3, 12)
                .unwrap()
                .and_hms_opt(8, 0, 0)
                .unwrap(),
            zone: Zone::Utc,
        }
    );
    assert_eq!(e.access, Some(AccessClass::Private));
    assert_eq!(e.sequence, 2);
    assert_eq!(
        e.alarms,
        vec![Alarm {
            trigger: AlarmTrigger::BeforeStart(15),
            action: AlarmAction::Audio,
            description: None
        }]
    );
    let ics = vcal_to_ical(&fixture("nokia-s60-qp-aalarm.vcs")).unwrap();
    // X- properties are kept, the backslashes of a path are not escapes.
    assert!(ics.contains("X-SYMBIAN-LUID:123"), "{ics}");
    assert!(ics.contains("X-EPOCAGENDAENTRYTYPE:APPOINTMENT"), "{ics}");
    assert!(ics.contains("ATTACH:z:\\resource\\sounds"), "{ics}");
}

#[test]
fn sony_ericsson_local_times_with_daylight_become_a_zone() {
    let e = read("sony-ericsson-weekly-tz.vcs");
    assert_eq!(e.summary.as_deref(), Some("Réunion d'équipe"));
    assert_eq!(e.location.as_deref(), Some("Café € 10"));
    assert_eq!(
        e.start,
        EventTime::DateTime {
            local: NaiveDate::from_ymd_opt(2025, 5, 5)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            zone: Zone::Tzid("Europe/Berlin".into()),
        }
    );
    assert_eq!(utc(&e.start), "2025-05-05 07:00");
    assert_eq!(rrule(&e), Some("FREQ=WEEKLY;BYDAY=MO,WE"));
    let ex = &e.recurrence.as_ref().unwrap().exdates;
    assert_eq!(ex.len(), 2);
    assert_eq!(utc(&ex[1]), "2025-05-19 07:00");
    // DALARM and AALARM at the same time: one reminder.
    assert_eq!(
        e.alarms,
        vec![Alarm {
            trigger: AlarmTrigger::BeforeStart(10),
            action: AlarmAction::Display,
            description: Some("Reunion".into())
        }]
    );
    assert_eq!(e.categories, vec!["MEETING", "BUSINESS"]);
    assert_eq!(e.status, Some(EventStatus::Confirmed));
    let ics = vcal_to_ical(&fixture("sony-ericsson-weekly-tz.vcs")).unwrap();
    assert!(
        ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin"),
        "{ics}"
    );
    assert!(ics.contains("DURATION:PT5M\r\nREPEAT:2"), "{ics}");
}

#[test]
fn funambol_all_day_to_2359_with_local_daylight_rules() {
    let e = read("funambol-allday-2359.vcs");
    assert_eq!(e.start, date(2025, 6, 18));
    assert_eq!(e.end, Some(date(2025, 6, 19)));
    // 18:00 the evening before: six hours before the (local) start.
    assert_eq!(e.alarms[0].trigger, AlarmTrigger::BeforeStart(360));
    assert_eq!(e.alarms[0].action, AlarmAction::Audio);
    assert_eq!(e.access, Some(AccessClass::Public));
}

#[test]
fn nokia_memo_midnight_to_midnight_monthly() {
    let e = read("nokia-memo-monthly.vcs");
    assert_eq!(e.start, date(2025, 1, 15));
    assert_eq!(e.end, Some(date(2025, 1, 16)));
    assert_eq!(rrule(&e), Some("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12"));
}

#[test]
fn attendees_expect_status_and_month_by_day_until() {
    let e = read("attendees-monthly-by-day-us.vcs");
    assert_eq!(
        e.start,
        EventTime::DateTime {
            local: NaiveDate::from_ymd_opt(2025, 2, 3)
                .unwrap()
                .and_hms_opt(14, 0, 0)
                .unwrap(),
            zone: Zone::Tzid("America/New_York".into()),
        }
    );
    // The local end date (EST) as UTC.
    assert_eq!(
        rrule(&e),
        Some("FREQ=MONTHLY;BYDAY=1MO;UNTIL=20260101T045959Z")
    );
    let org = e.organizer.as_ref().unwrap();
    assert_eq!(
        (org.email.as_str(), org.name.as_deref()),
        ("jane@example.com", Some("Jane Roe"))
    );
    assert_eq!(e.attendees.len(), 2);
    assert_eq!(e.attendees[0].email, "john@example.com");
    assert_eq!(e.attendees[0].name.as_deref(), Some("Doe, John"));
    assert_eq!(e.attendees[0].role, Some(AttendeeRole::Required));
    assert_eq!(e.attendees[0].status, Some(ParticipationStatus::Accepted));
    assert_eq!(e.attendees[1].email, "info@example.com");
    assert_eq!(e.attendees[1].role, Some(AttendeeRole::NonParticipant));
    assert_eq!(
        e.attendees[1].status,
        Some(ParticipationStatus::NeedsAction)
    );
    assert_eq!(e.status, Some(EventStatus::Tentative));
    assert_eq!(e.availability, Availability::Free);
    let ics = vcal_to_ical(&fixture("attendees-monthly-by-day-us.vcs")).unwrap();
    assert!(ics.contains("RSVP=TRUE"), "{ics}");
}

#[test]
fn offsets_that_name_no_zone_give_utc() {
    let e = read("fixed-offset-no-zone.vcs");
    assert_eq!(utc(&e.start), "2025-03-01 04:15");
    assert!(matches!(
        e.start,
        EventTime::DateTime {
            zone: Zone::Utc,
            ..
        }
    ));
    assert_eq!(e.alarms[0].trigger, AlarmTrigger::BeforeStart(30));
    let e = read("odd-daylight-utc.vcs");
    // Inside the DAYLIGHT period (+04).
    assert_eq!(utc(&e.start), "2025-01-15 08:00");
    assert_eq!(rrule(&e), Some("FREQ=DAILY;COUNT=3"));
}

#[test]
fn todo_is_converted_too() {
    let ics = vcal_to_ical(&fixture("sony-ericsson-todo.vcs")).unwrap();
    assert!(ics.contains("BEGIN:VTODO"), "{ics}");
    assert!(ics.contains("STATUS:NEEDS-ACTION"), "{ics}");
    assert!(ics.contains("DUE:20250320T170000Z"), "{ics}");
}

#[test]
fn version_comes_from_the_payload() {
    for name in [
        "capture-client-ev-1.vcs",
        "nokia-s60-qp-aalarm.vcs",
        "sony-ericsson-weekly-tz.vcs",
        "attendees-monthly-by-day-us.vcs",
    ] {
        assert_eq!(
            detect_version(&fixture(name)),
            Some(CalendarVersion::V1),
            "{name}"
        );
    }
    assert_eq!(
        detect_version(&fixture("roundtrip-timed-zone.ics")),
        Some(CalendarVersion::V2)
    );
    // Declared 2.0 but shaped like 1.0, and the other way round.
    let lying_v2 = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\n\
        DTSTART:20250101T100000Z\r\nRRULE:W1 MO #0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(detect_version(lying_v2), Some(CalendarVersion::V1));
    let lying_v1 = "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:1\r\n\
        DTSTART;TZID=Europe/Berlin:20250101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(detect_version(lying_v1), Some(CalendarVersion::V2));
    let bare =
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDALARM:20250101T100000Z;;;x\nEND:VEVENT\nEND:VCALENDAR\n";
    assert_eq!(detect_version(bare), Some(CalendarVersion::V1));
    assert_eq!(
        detect_version("BEGIN:VCARD\r\nVERSION:2.1\r\nEND:VCARD\r\n"),
        None
    );
    assert_eq!(detect_version(""), None);
    // to_icalendar converts vCalendar and passes iCalendar through.
    let ics = fixture("roundtrip-allday.ics");
    assert_eq!(to_icalendar(&ics).unwrap(), ics);
    assert!(to_icalendar(&fixture("nokia-memo-monthly.vcs"))
        .unwrap()
        .contains("VERSION:2.0"));
}

/// ical -> vcal -> ical keeps what the model holds.
fn round_trip(name: &str) -> (Event, Event, String) {
    let ics = fixture(name);
    let before = ics_to_event(&ics).unwrap();
    let vcal = ical_to_vcal(&ics).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(detect_version(&vcal), Some(CalendarVersion::V1), "{vcal}");
    let back = vcal_to_ical(&vcal).unwrap_or_else(|e| panic!("{name}: {e}\n{vcal}"));
    let after = ics_to_event(&back).unwrap_or_else(|e| panic!("{name}: {e}\n{back}"));
    (before, after, vcal)
}

#[test]
fn round_trip_timed_in_a_zone_with_text_alarms_and_attendees() {
    let (before, after, vcal) = round_trip("roundtrip-timed-zone.ics");
    assert_eq!(before, after, "{vcal}");
    let joined = vcal.replace("=\r\n", "");
    assert_eq!(after.attendees.len(), 3);
    assert_eq!(after.alarms.len(), 2);
    // What a vCalendar 1.0 server gets: local times with TZ / DAYLIGHT, never DURATION,
    // QUOTED-PRINTABLE UTF-8 text, `;` lists.
    assert!(vcal.contains("TZ:+01:00\r\n"), "{vcal}");
    assert!(
        vcal.contains("DAYLIGHT:TRUE;+02:00;20250330T010000Z;20251026T010000Z;CET;CEST\r\n"),
        "{vcal}"
    );
    assert!(vcal.contains("DTSTART:20250704T183000\r\n"), "{vcal}");
    assert!(vcal.contains("DTEND:20250704T200000\r\n"), "{vcal}");
    assert!(
        joined.contains(
            "SUMMARY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:R=C3=A9union\\; ordre du jour, budget\r\n"
        ),
        "{vcal}"
    );
    assert!(
        joined.contains(
            "DESCRIPTION;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Premi=C3=A8re ligne=0D=0A"
        ),
        "{vcal}"
    );
    assert!(
        joined.contains("CATEGORIES;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Travail;R=C3=A9unions, internes\r\n"),
        "{vcal}"
    );
    assert!(
        joined.contains("DALARM;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:20250704T161500Z;;;Rappel: r=C3=A9union\r\n"),
        "{vcal}"
    );
    assert!(vcal.contains("AALARM:20250704T161500Z;;;\r\n"), "{vcal}");
    assert!(vcal.contains("AALARM:20250703T163000Z;;;\r\n"), "{vcal}");
    assert!(vcal.contains("ATTENDEE;ROLE=ORGANIZER"), "{vcal}");
    assert!(vcal.contains("TRANSP:1\r\n"), "{vcal}");
    assert!(vcal.contains("X-CUSTOM-FLAG:keep me\r\n"), "{vcal}");
    assert!(!vcal.contains("DURATION"), "{vcal}");
    assert!(!vcal.contains(";TZID="), "{vcal}");
    // Lines stay short, except a long name and parameters before a QUOTED-PRINTABLE value.
    for l in vcal.split("\r\n").filter(|l| !l.ends_with(":=")) {
        assert!(l.len() <= 76, "{l}");
    }
}

#[test]
fn round_trip_all_day_yearly_with_exdate() {
    let (before, after, vcal) = round_trip("roundtrip-allday.ics");
    assert_eq!(before, after, "{vcal}");
    assert!(
        vcal.contains("DTSTART:20250818T000000\r\nDTEND:20250821T000000\r\n"),
        "{vcal}"
    );
    assert!(vcal.contains("RRULE:YM1 8 #3\r\n"), "{vcal}");
    assert!(vcal.contains("EXDATE:20260818T000000\r\n"), "{vcal}");
    assert!(!vcal.contains("TZ:"), "{vcal}");
}

#[test]
fn round_trip_weekly_until_with_exceptions() {
    let (before, after, vcal) = round_trip("roundtrip-weekly-until-exception.ics");
    assert_eq!(before.exceptions.len(), 2);
    assert_eq!(before, after, "{vcal}");
    assert!(
        vcal.contains("RRULE:W1 MO WE 20250630T235959Z\r\n"),
        "{vcal}"
    );
    // The master hides the moved and the cancelled instances; the exceptions follow it.
    assert!(vcal.contains("EXDATE:20250120T090000\r\n"), "{vcal}");
    assert!(
        vcal.contains("EXDATE:20250113T090000;20250115T090000\r\n"),
        "{vcal}"
    );
    assert!(
        vcal.contains("X-RECURRENCE-ID:20250113T090000\r\n"),
        "{vcal}"
    );
    assert_eq!(vcal.matches("BEGIN:VEVENT").count(), 3);
    assert!(
        vcal.contains("DAYLIGHT:TRUE;-04:00;20250309T070000Z;20251102T060000Z;EST;EDT"),
        "{vcal}"
    );
}

#[test]
fn round_trip_monthly_by_day_computes_dtend() {
    let (before, after, vcal) = round_trip("roundtrip-monthly-byday-utc.ics");
    assert_eq!(before, after, "{vcal}");
    assert!(vcal.contains("DTEND:20250131T163000Z\r\n"), "{vcal}");
    assert!(vcal.contains("RRULE:MP1 1- FR #6\r\n"), "{vcal}");
    assert!(
        vcal.contains("MALARM:20250131T143000Z;;;me@example.com;Prepare the numbers\r\n"),
        "{vcal}"
    );
}

#[test]
fn round_trip_windows_tzid_and_an_rrule_vcalendar_cannot_say() {
    let (before, after, vcal) = round_trip("roundtrip-windows-tzid-bysetpos.ics");
    assert_eq!(before, after, "{vcal}");
    assert!(!vcal.contains("\r\nRRULE:"), "{vcal}");
    assert!(
        vcal.contains("X-SYNCHRO-ICAL-RRULE:FREQ=MONTHLY\\;BYDAY=MO,TU,WE,TH,FR\\;BYSETPOS=-1"),
        "{vcal}"
    );
    // The zone's rules (Berlin's) are sent, with local times.
    assert!(vcal.contains("DTSTART:20250226T140000\r\n"), "{vcal}");
    assert!(vcal.contains("TZ:+01:00\r\n"), "{vcal}");
    // Without our hint the same rules still give a zone with those offsets.
    let stripped: String = vcal
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("X-SYNCHRO-TZID"))
        .collect();
    let e = vcal_to_event(&stripped).unwrap();
    assert_eq!(utc(&e.start), "2025-02-26 13:00");
    assert_eq!(
        e.start,
        EventTime::DateTime {
            local: NaiveDate::from_ymd_opt(2025, 2, 26)
                .unwrap()
                .and_hms_opt(14, 0, 0)
                .unwrap(),
            zone: Zone::Tzid("Europe/Berlin".into()),
        }
    );
}

#[test]
fn event_wrappers_round_trip() {
    for name in [
        "roundtrip-timed-zone.ics",
        "roundtrip-allday.ics",
        "roundtrip-weekly-until-exception.ics",
        "roundtrip-monthly-byday-utc.ics",
    ] {
        let e = ics_to_event(&fixture(name)).unwrap();
        let vcal = event_to_vcal(&e);
        assert!(
            vcal.starts_with("BEGIN:VCALENDAR\r\nVERSION:1.0\r\n"),
            "{vcal}"
        );
        assert_eq!(vcal_to_event(&vcal).unwrap(), e, "{name}\n{vcal}");
    }
    // Phone-style items survive vcal -> ical -> vcal -> ical.
    for name in [
        "nokia-s60-qp-aalarm.vcs",
        "sony-ericsson-weekly-tz.vcs",
        "funambol-allday-2359.vcs",
        "attendees-monthly-by-day-us.vcs",
        "nokia-memo-monthly.vcs",
    ] {
        let e = read(name);
        assert_eq!(vcal_to_event(&event_to_vcal(&e)).unwrap(), e, "{name}");
    }
}

#[test]
fn malformed_input_is_an_error_never_a_panic() {
    for bad in [
        "",
        "garbage",
        "BEGIN:VCALENDAR\r\nVERSION:1.0\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",
        "END:VCALENDAR\r\n",
        "BEGIN:VCARD\r\nEND:VCARD\r\n",
        "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nno colon here\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY;QUOTED-PRINTABLE:a=\r\nEND:VEVENT\r\n",
    ] {
        match vcal_to_ical(bad) {
            Err(Error::InvalidCalendar(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert!(vcal_to_ical(&"BEGIN:X\r\n".repeat(5000)).is_err());
    // Readable as vCalendar but no event the model can hold.
    let no_start = "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:x\r\n\
        DTSTART:yesterday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(matches!(
        vcal_to_event(no_start),
        Err(Error::InvalidCalendar(_))
    ));
    assert!(matches!(
        ical_to_vcal("nonsense"),
        Err(Error::InvalidCalendar(_))
    ));
    // Every prefix of every fixture: an answer, never a panic.
    let dir = format!("{}/tests/fixtures/vcal", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in text.char_indices() {
            let _ = vcal_to_ical(&text[..i]).map(|ics| ics_to_event(&ics));
            let _ = ical_to_vcal(&text[..i]);
            let _ = detect_version(&text[..i]);
        }
    }
}

#[test]
fn odd_but_real_values_do_not_break_the_item() {
    // Bad RRULE kept aside, bad alarm dropped, bad EXDATE item skipped, unknown charset read.
    let text = "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:odd\r\n\
        SUMMARY;CHARSET=KOI8-R;ENCODING=QUOTED-PRINTABLE:caf=C3=A9\r\n\
        DTSTART:20250101T100000Z\r\nDTEND:20250101T110000Z\r\n\
        RRULE:YM1 6 MP1 1+ SU #3\r\nDALARM:soon;;;x\r\n\
        EXDATE:20250108T100000Z;bogus\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let ics = vcal_to_ical(text).unwrap();
    let e = ics_to_event(&ics).unwrap();
    assert_eq!(e.summary.as_deref(), Some("café"));
    assert!(e.alarms.is_empty());
    let rec = e.recurrence.unwrap();
    assert_eq!(rec.rrule, None);
    assert_eq!(rec.exdates.len(), 1);
    assert!(
        ics.contains("X-SYNCHRO-VCAL-RRULE:YM1 6 MP1 1+ SU #3"),
        "{ics}"
    );
    // And the rule the phone wrote goes back to it as it was.
    let vcal = ical_to_vcal(&ics).unwrap();
    assert!(vcal.contains("\r\nRRULE:YM1 6 MP1 1+ SU #3\r\n"), "{vcal}");
}

#[test]
fn unknown_tzid_comes_back_through_our_hint() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\n\
        DTSTAMP:20250101T000000Z\r\nDTSTART;TZID=Custom Zone:20250301T100000\r\n\
        DTEND;TZID=Custom Zone:20250301T110000\r\nRRULE:FREQ=DAILY;COUNT=2\r\n\
        SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let vcal = ical_to_vcal(ics).unwrap();
    assert!(!vcal.contains("TZ:"), "{vcal}");
    assert!(vcal.contains("X-SYNCHRO-TZID:Custom Zone\r\n"), "{vcal}");
    assert!(vcal.contains("DTSTART:20250301T100000\r\n"), "{vcal}");
    assert_eq!(vcal_to_event(&vcal).unwrap(), ics_to_event(ics).unwrap());
    // A to-do only is no event for the model.
    assert!(matches!(
        vcal_to_event(&fixture("sony-ericsson-todo.vcs")),
        Err(Error::InvalidCalendar(_))
    ));
}
