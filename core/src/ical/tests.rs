//! Tests of the iCalendar module as a whole, on golden fixtures written in the style of real
//! producers (core/tests/fixtures/ical/) and on generated events.

use super::*;
use crate::model::{
    AccessClass, Alarm, AlarmAction, AlarmTrigger, Attendee, AttendeeRole, Availability,
    EventStatus, EventTime, Exception, ParticipationStatus, Recurrence, Zone,
};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};

const FIXTURES: &[&str] = &[
    "google.ics",
    "outlook.ics",
    "zimbra.ics",
    "apple.ics",
    "thunderbird.ics",
    "nextcloud.ics",
    "orphan-exceptions.ics",
    "calendar-file.ics",
    "python-icalendar.ics",
];

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/ical/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ndt(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    date(y, mo, d).and_hms_opt(h, mi, 0).unwrap()
}

fn at(local: NaiveDateTime, zone: Zone) -> EventTime {
    EventTime::DateTime { local, zone }
}

fn tzid(s: &str) -> Zone {
    Zone::Tzid(s.into())
}

fn props_named<'a>(c: &'a Component, name: &str) -> Vec<&'a Property> {
    c.properties.iter().filter(|p| p.name == name).collect()
}

fn vevents(cal: &Component) -> Vec<&Component> {
    cal.components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect()
}

// ---- generic properties, on every fixture ----

#[test]
fn every_fixture_round_trips_losslessly() {
    for name in FIXTURES {
        let text = fixture(name);
        let cal = parse_calendar(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = write_calendar(&cal);
        assert_eq!(parse_calendar(&written).unwrap(), cal, "{name}");
        for line in written.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{name}: {line}");
            assert!(!line.contains('\n') && !line.contains('\r'), "{name}");
        }
        assert!(written.ends_with("END:VCALENDAR\r\n"));
        // Writing is stable.
        assert_eq!(write_calendar(&parse_calendar(&written).unwrap()), written);
        assert_eq!(
            fingerprint(&written).unwrap(),
            fingerprint(&text).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn unknown_properties_params_and_components_survive() {
    let cal = parse_calendar(&fixture("calendar-file.ics")).unwrap();
    let text = write_calendar(&cal);
    assert!(text.contains("BEGIN:VAVAILABILITY\r\nUID:avail-1@example.at"));
    assert!(text.contains("BEGIN:AVAILABLE\r\n"));
    assert!(text.contains("BEGIN:VTODO\r\n"));
    assert!(text.contains("X-ZIMBRA-FOO;X-A=\"a:b;c,d\":bar\r\n"));
    let apple =
        write_calendar(&parse_calendar(&fixture("apple.ics")).unwrap()).replace("\r\n ", "");
    assert!(apple.contains(
        "X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS=\"131 W 3rd St, New York, NY 10012, \
         United States\";X-APPLE-RADIUS=70.58;X-APPLE-REFERENCEFRAME=1;X-TITLE=Blue Note:\
         geo:40.730995,-74.000640"
    ));
    let nc =
        write_calendar(&parse_calendar(&fixture("nextcloud.ics")).unwrap()).replace("\r\n ", "");
    assert!(nc.contains("DELEGATED-TO=\"mailto:x@example.net\",\"mailto:y@example.net\""));
}

#[test]
fn truncated_or_damaged_fixtures_never_panic() {
    for name in FIXTURES {
        let text = fixture(name);
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                let part = &text[..cut];
                if let Err(e) = parse_calendar(part) {
                    assert!(matches!(e, Error::InvalidCalendar(_)));
                }
                let _ = ics_to_event(part);
                let _ = fingerprint(part);
            }
            cut += 37;
        }
        let damaged = text.replace("END:VEVENT", "END:VEVENTX");
        assert!(ics_to_event(&damaged).is_err(), "{name}");
        let damaged = text.replace(":", "");
        let _ = ics_to_event(&damaged);
    }
}

#[test]
fn event_model_round_trips_through_event_to_ics_on_fixtures() {
    for name in FIXTURES {
        let e = ics_to_event(&fixture(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
        let ics = event_to_ics(&e);
        assert_eq!(ics_to_event(&ics).unwrap(), e, "{name}\n{ics}");
    }
}

#[test]
fn merging_an_unchanged_event_keeps_the_fingerprint() {
    for name in FIXTURES {
        let text = fixture(name);
        let e = ics_to_event(&text).unwrap();
        let merged = merge_event(&text, &e).unwrap();
        assert_eq!(
            fingerprint(&merged).unwrap(),
            fingerprint(&text).unwrap(),
            "{name}\n{merged}"
        );
        assert_eq!(ics_to_event(&merged).unwrap(), e);
    }
}

/// Edits a device could make.
fn mutations(e: &Event) -> Vec<(&'static str, Event)> {
    let mut out = Vec::new();
    let mut m = e.clone();
    m.summary = Some("Neuer Titel, mit Komma; und \\ Backslash\nzweite Zeile".into());
    out.push(("summary", m));
    let mut m = e.clone();
    m.description = None;
    m.location = Some(String::new());
    out.push(("description", m));
    let mut m = e.clone();
    m.start = at(ndt(2024, 9, 2, 8, 0), tzid("Europe/Berlin"));
    m.end = Some(at(ndt(2024, 9, 2, 9, 0), tzid("Europe/Berlin")));
    out.push(("times", m));
    let mut m = e.clone();
    m.start = EventTime::Date(date(2024, 12, 24));
    m.end = Some(EventTime::Date(date(2024, 12, 27)));
    out.push(("all-day", m));
    let mut m = e.clone();
    m.recurrence = Some(Recurrence {
        rrule: Some("FREQ=DAILY;COUNT=3".into()),
        rdates: vec![],
        exdates: vec![at(ndt(2024, 1, 2, 0, 0), Zone::Utc)],
    });
    out.push(("recurrence", m));
    let mut m = e.clone();
    m.recurrence = None;
    m.exceptions.clear();
    out.push(("not recurring", m));
    let mut m = e.clone();
    m.alarms.clear();
    m.alarms.push(Alarm {
        trigger: AlarmTrigger::BeforeStart(10),
        action: AlarmAction::Display,
        description: Some("Gleich!".into()),
    });
    out.push(("alarms", m));
    let mut m = e.clone();
    m.attendees.reverse();
    if let Some(a) = m.attendees.first_mut() {
        a.status = Some(ParticipationStatus::Declined);
        a.name = None;
    }
    m.attendees.push(Attendee {
        email: "new.person@example.org".into(),
        name: Some("New, Person".into()),
        role: Some(AttendeeRole::Optional),
        status: None,
    });
    out.push(("attendees", m));
    let mut m = e.clone();
    m.organizer = None;
    m.attendees.clear();
    out.push(("no people", m));
    let mut m = e.clone();
    m.status = Some(EventStatus::Cancelled);
    m.availability = Availability::Free;
    m.access = Some(AccessClass::Confidential);
    m.url = Some("https://example.org/x?a=1;b=2".into());
    m.categories = vec!["Eins, Zwei".into(), "Drei".into()];
    m.color = Some("#ff8800".into());
    m.sequence += 1;
    out.push(("misc", m));
    let mut m = e.clone();
    if let Some(x) = m.exceptions.first_mut() {
        x.summary = Some("Geändert".into());
        x.start = at(ndt(2030, 1, 1, 7, 0), Zone::Utc);
        x.end = None;
    }
    m.exceptions.push(Exception {
        recurrence_id: at(ndt(2031, 1, 1, 10, 0), tzid("Asia/Tokyo")),
        start: at(ndt(2031, 1, 1, 12, 0), tzid("Asia/Tokyo")),
        end: Some(at(ndt(2031, 1, 1, 13, 0), tzid("Asia/Tokyo"))),
        summary: Some("Neue Ausnahme".into()),
        description: None,
        location: Some("Tokio".into()),
        status: Some(EventStatus::Confirmed),
    });
    out.push(("exceptions", m));
    let mut m = e.clone();
    m.exceptions.clear();
    out.push(("exceptions dropped", m));
    out
}

#[test]
fn merged_objects_read_back_as_the_device_event() {
    for name in FIXTURES {
        let text = fixture(name);
        let e = ics_to_event(&text).unwrap();
        for (what, m) in mutations(&e) {
            let merged =
                merge_event(&text, &m).unwrap_or_else(|err| panic!("{name} {what}: {err}"));
            let back = ics_to_event(&merged).unwrap();
            assert_eq!(back, m, "{name} / {what}\n{merged}");
            if m != e && what != "times" && what != "all-day" {
                assert_ne!(
                    fingerprint(&merged).unwrap(),
                    fingerprint(&text).unwrap(),
                    "{name} {what}"
                );
            }
            // Whatever the edit, vendor properties and other components stay.
            let before = parse_calendar(&text).unwrap();
            let after = parse_calendar(&merged).unwrap();
            let count =
                |c: &Component, n: &str| c.components.iter().filter(|s| s.name == n).count();
            for kind in ["VTIMEZONE", "VTODO", "VAVAILABILITY", "X-ZIMBRA-CUSTOM"] {
                assert!(
                    count(&after, kind) >= count(&before, kind),
                    "{name} {what} {kind}"
                );
            }
            let m_before = &before.components[event::master_index(&before).unwrap()];
            let m_after = &after.components[event::master_index(&after).unwrap()];
            for p in m_before
                .properties
                .iter()
                .filter(|p| p.name.starts_with("X-"))
            {
                assert!(
                    m_after.properties.contains(p),
                    "{name} {what} lost {}",
                    p.name
                );
            }
        }
    }
}

// ---- what each producer's object reads as ----

#[test]
fn google_object() {
    let e = ics_to_event(&fixture("google.ics")).unwrap();
    assert_eq!(e.uid.as_str(), "4qk9b1f6h0j3m2n5p8r7s6t4u1@google.com");
    assert_eq!(e.summary.as_deref(), Some("Jour fixe – AG Kalender 📅"));
    let d = e.description.as_deref().unwrap();
    assert!(d.starts_with(
        "Wöchentliches Treffen der Arbeitsgruppe; Agenda: 1. Rückblick, 2. Planung\n\nBitte"
    ));
    assert!(d.contains("folien?a=1&b=2\n-::~"));
    assert_eq!(
        e.location.as_deref(),
        Some("Raum 3.14, Gebäude B, Universitätsstraße 1, 10117 Berlin")
    );
    assert_eq!(e.start, at(ndt(2024, 1, 8, 10, 0), tzid("Europe/Berlin")));
    assert_eq!(
        e.end,
        Some(at(ndt(2024, 1, 8, 11, 0), tzid("Europe/Berlin")))
    );
    let r = e.recurrence.as_ref().unwrap();
    assert_eq!(
        r.rrule.as_deref(),
        Some("FREQ=WEEKLY;WKST=MO;UNTIL=20240624T215959Z;BYDAY=MO")
    );
    assert_eq!(
        r.exdates,
        vec![
            at(ndt(2024, 4, 1, 10, 0), tzid("Europe/Berlin")),
            at(ndt(2024, 5, 20, 10, 0), tzid("Europe/Berlin"))
        ]
    );
    assert_eq!(e.exceptions.len(), 1);
    let x = &e.exceptions[0];
    assert_eq!(
        x.recurrence_id,
        at(ndt(2024, 2, 12, 10, 0), tzid("Europe/Berlin"))
    );
    assert_eq!(x.start, at(ndt(2024, 2, 12, 14, 0), tzid("Europe/Berlin")));
    assert_eq!(
        x.summary.as_deref(),
        Some("Jour fixe – AG Kalender (verschoben)")
    );
    assert_eq!(
        e.alarms,
        vec![
            Alarm {
                trigger: AlarmTrigger::BeforeStart(30),
                action: AlarmAction::Display,
                description: Some("This is an event reminder".into())
            },
            Alarm {
                trigger: AlarmTrigger::BeforeStart(1440),
                action: AlarmAction::Email,
                description: Some("This is an event reminder".into())
            }
        ]
    );
    assert_eq!(
        e.organizer.as_ref().unwrap().email,
        "juergen.mueller@example.org"
    );
    assert_eq!(
        e.organizer.as_ref().unwrap().name.as_deref(),
        Some("Jürgen Müller")
    );
    assert_eq!(e.attendees.len(), 3);
    assert_eq!(
        e.attendees[1].status,
        Some(ParticipationStatus::NeedsAction)
    );
    assert_eq!(e.attendees[2].role, Some(AttendeeRole::Optional));
    assert_eq!(e.attendees[2].name.as_deref(), Some("Raum 3.14, Gebäude B"));
    assert_eq!(
        e.attendees[2].email,
        "c_1888raum314@resource.calendar.google.com"
    );
    assert_eq!(e.status, Some(EventStatus::Confirmed));
    assert_eq!(e.availability, Availability::Busy);
    assert_eq!(e.sequence, 2);
}

#[test]
fn outlook_object_with_windows_zones() {
    let text = fixture("outlook.ics");
    let e = ics_to_event(&text).unwrap();
    // The master comes second in the file.
    assert_eq!(e.summary.as_deref(), Some("Quarterly review"));
    assert_eq!(
        e.start,
        at(ndt(2024, 7, 1, 14, 0), tzid("W. Europe Standard Time"))
    );
    assert_eq!(e.uid.as_str().len(), 112);
    assert_eq!(
        e.description.as_deref(),
        Some("Quarterly review.\n\nPlease bring the figures.\n")
    );
    let x = &e.exceptions[0];
    assert_eq!(
        x.recurrence_id,
        at(ndt(2024, 10, 7, 14, 0), tzid("W. Europe Standard Time"))
    );
    assert_eq!(
        x.start,
        at(ndt(2024, 10, 8, 15, 0), tzid("Romance Standard Time"))
    );
    assert_eq!(
        tz::to_utc(&x.start).unwrap(),
        Utc.with_ymd_and_hms(2024, 10, 8, 13, 0, 0).unwrap()
    );
    let org = e.organizer.as_ref().unwrap();
    assert_eq!(
        (org.email.as_str(), org.name.as_deref()),
        ("Marie.Dupont@contoso.com", Some("Dupont, Marie"))
    );
    assert_eq!(e.attendees[1].email, "team-paris@contoso.com");
    assert_eq!(e.attendees[0].name.as_deref(), Some("Schmidt, Klaus"));
    assert_eq!(e.access, Some(AccessClass::Public));
    assert_eq!(e.alarms[0].trigger, AlarmTrigger::BeforeStart(15));
    assert_eq!(uid_of(&text).unwrap(), e.uid);

    // A Windows TZID written by Synchro gets a VTIMEZONE with that TZID and Berlin's rules.
    let ics = event_to_ics(&e);
    let cal = parse_calendar(&ics).unwrap();
    let tzids: Vec<&str> = cal
        .components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .map(|c| props_named(c, "TZID")[0].value.as_str())
        .collect();
    assert_eq!(
        tzids,
        vec!["W. Europe Standard Time", "Romance Standard Time"]
    );
    assert!(ics.contains("DTSTART;TZID=W. Europe Standard Time:20240701T140000\r\n"));
}

#[test]
fn zimbra_all_day_and_non_iana_tzid() {
    let text = fixture("zimbra.ics");
    let e = ics_to_event(&text).unwrap();
    assert_eq!(e.start, EventTime::Date(date(2024, 5, 20)));
    assert_eq!(e.end, Some(EventTime::Date(date(2024, 5, 23))));
    assert_eq!(e.availability, Availability::Free);
    assert_eq!(e.attendees[1].role, Some(AttendeeRole::NonParticipant));
    assert_eq!(
        e.description.as_deref(),
        Some("Anreise am Vortag. Hotel: siehe Anhang.\nKosten übernimmt die Abteilung.")
    );
    let objects = split_calendar(&text).unwrap();
    assert_eq!(objects.len(), 2);
    let second = ics_to_event(&objects[1]).unwrap();
    let z = "(GMT+01.00) Amsterdam / Berlin / Bern / Rome / Stockholm / Vienna";
    assert_eq!(second.start, at(ndt(2024, 5, 2, 14, 0), tzid(z)));
    assert_eq!(second.recurrence.as_ref().unwrap().exdates.len(), 2);
    assert_eq!(second.categories, vec!["Lehre", "Sprechstunde"]);
    assert_eq!(second.access, Some(AccessClass::Private));
    assert_eq!(second.sequence, 4);
    assert!(objects[1].contains("BEGIN:VTIMEZONE"));
    assert!(!objects[0].contains("BEGIN:VTIMEZONE"));
    // The TZID is kept verbatim (it needs no quotes), and reads back the same.
    let ics = event_to_ics(&second);
    assert!(ics
        .replace("\r\n ", "")
        .contains(&format!("DTSTART;TZID={z}:20240502T140000")));
    assert!(
        !ics.contains("BEGIN:VTIMEZONE"),
        "no IANA zone known for a display name"
    );
    assert_eq!(ics_to_event(&ics).unwrap(), second);
}

#[test]
fn apple_object() {
    let e = ics_to_event(&fixture("apple.ics")).unwrap();
    assert_eq!(
        e.location.as_deref(),
        Some("Blue Note\n131 W 3rd St, New York, NY 10012, United States")
    );
    assert_eq!(
        e.url.as_deref(),
        Some("https://www.bluenotejazz.com/nyc/shows/?event=1234&day=15")
    );
    // ACTION:NONE (Apple's placeholder) is not a model alarm.
    assert_eq!(
        e.alarms,
        vec![Alarm {
            trigger: AlarmTrigger::BeforeStart(60),
            action: AlarmAction::Audio,
            description: None
        }]
    );
    // ... but it survives a merge that changes the alarms.
    let mut m = e.clone();
    m.alarms[0].trigger = AlarmTrigger::BeforeStart(5);
    let merged = merge_event(&fixture("apple.ics"), &m).unwrap();
    assert!(merged.contains("ACTION:NONE"));
    assert!(merged.contains("TRIGGER:-PT5M"));
    assert!(
        !merged.contains("X-APPLE-DEFAULT-ALARM"),
        "the replaced alarm is gone"
    );
}

#[test]
fn thunderbird_object() {
    let e = ics_to_event(&fixture("thunderbird.ics")).unwrap();
    assert_eq!(e.categories, vec!["Sport", "Santé", "Personnel"]);
    let r = e.recurrence.as_ref().unwrap();
    assert_eq!(r.rrule.as_deref(), Some("FREQ=DAILY;COUNT=10"));
    assert_eq!(r.rdates.len(), 2);
    assert_eq!(
        r.exdates,
        vec![
            at(ndt(2024, 9, 11, 18, 30), tzid("Europe/Paris")),
            at(ndt(2024, 9, 12, 18, 30), tzid("Europe/Paris")),
            at(ndt(2024, 9, 14, 18, 30), tzid("Europe/Paris")),
        ]
    );
    assert_eq!(e.alarms[0].trigger, AlarmTrigger::BeforeEnd(-5));
    assert_eq!(e.alarms[1].trigger, AlarmTrigger::BeforeStart(90));
    assert_eq!(e.access, Some(AccessClass::Private));
    assert_eq!(e.availability, Availability::Free);
    assert_eq!(e.status, Some(EventStatus::Tentative));
    assert_eq!(e.color.as_deref(), Some("mediumseagreen"));
    assert_eq!(
        e.description.as_deref(),
        Some("Apporter un tapis.\nNiveau : débutant; intermédiaire bienvenu.")
    );
}

#[test]
fn nextcloud_duration_floating_and_uri_attendee() {
    let text = fixture("nextcloud.ics");
    let e = ics_to_event(&text).unwrap();
    assert_eq!(e.start, at(ndt(2024, 6, 15, 10, 0), Zone::Floating));
    assert_eq!(e.end, Some(at(ndt(2024, 6, 15, 12, 30), Zone::Floating)));
    assert_eq!(e.attendees[2].email, "urn:uuid:5a4b3c2d-1e0f");
    assert_eq!(e.attendees[2].status, Some(ParticipationStatus::Delegated));
    assert_eq!(e.attendees[0].role, Some(AttendeeRole::Chair));
    assert_eq!(e.color.as_deref(), Some("khaki"));
    assert_eq!(tz::to_utc(&e.start), None);

    // Moving the start of a DURATION event keeps its end: DURATION becomes DTEND.
    let mut m = e.clone();
    m.start = at(ndt(2024, 6, 15, 9, 0), Zone::Floating);
    let merged = merge_event(&text, &m).unwrap();
    assert!(!merged.contains("DURATION"));
    assert!(merged.contains("DTEND:20240615T123000\r\n"));
    assert_eq!(ics_to_event(&merged).unwrap(), m);
    // Unchanged times keep DURATION as the server wrote it.
    let mut m = e.clone();
    m.summary = Some("Flohmarkt".into());
    assert!(merge_event(&text, &m)
        .unwrap()
        .contains("DURATION:PT2H30M\r\n"));
}

#[test]
fn object_with_only_overridden_instances() {
    let text = fixture("orphan-exceptions.ics");
    let e = ics_to_event(&text).unwrap();
    assert_eq!(e.start, at(ndt(2024, 5, 6, 12, 0), Zone::Utc));
    assert_eq!(e.summary.as_deref(), Some("Standup (moved one hour)"));
    assert_eq!(e.exceptions.len(), 1);
    assert_eq!(e.exceptions[0].status, Some(EventStatus::Cancelled));
    let mut m = e.clone();
    m.summary = Some("Standup".into());
    let merged = merge_event(&text, &m).unwrap();
    // The master-ish VEVENT keeps its RECURRENCE-ID.
    assert_eq!(merged.matches("RECURRENCE-ID").count(), 2);
    assert_eq!(ics_to_event(&merged).unwrap(), m);
}

#[test]
fn python_icalendar_object() {
    let e = ics_to_event(&fixture("python-icalendar.ics")).unwrap();
    assert_eq!(
        e.summary.as_deref(),
        Some("Board meeting; budget, hiring & \"plans\"")
    );
    assert_eq!(
        e.end,
        Some(at(ndt(2024, 3, 28, 10, 45), tzid("Australia/Sydney")))
    );
    assert_eq!(e.categories, vec!["Board", "Finance, Budget"]);
    assert_eq!(e.access, Some(AccessClass::Confidential));
    let org = e.organizer.as_ref().unwrap();
    assert_eq!(
        (org.email.as_str(), org.name.as_deref()),
        ("chair@example.com", Some("Chair, The"))
    );
    assert_eq!(e.alarms[0].trigger, AlarmTrigger::BeforeStart(2880));
    assert!(e.description.as_deref().unwrap().ends_with("ünïcödé ✓"));
}

// ---- merge behaviour in detail ----

#[test]
fn merge_keeps_attendee_params_and_vendor_properties() {
    let text = fixture("google.ics");
    let e = ics_to_event(&text).unwrap();
    let mut m = e.clone();
    m.attendees.remove(0);
    m.attendees[0].status = Some(ParticipationStatus::Accepted);
    m.summary = Some("Jour fixe".into());
    let merged = merge_event(&text, &m).unwrap();
    let cal = parse_calendar(&merged).unwrap();
    let master = vevents(&cal)[0];
    let atts = props_named(master, "ATTENDEE");
    assert_eq!(atts.len(), 2);
    let alice = atts[0];
    assert_eq!(alice.value, "mailto:alice@example.org");
    for kept in ["CUTYPE", "RSVP", "X-NUM-GUESTS", "CN"] {
        assert!(alice.params.iter().any(|(k, _)| k == kept), "{kept}");
    }
    assert!(alice
        .params
        .contains(&("PARTSTAT".into(), "ACCEPTED".into())));
    // The resource's params are kept verbatim, quoted CN included.
    assert!(merged
        .replace("\r\n ", "")
        .contains("CN=\"Raum 3.14, Gebäude B\";X-NUM-GUESTS=0"));
    assert_eq!(props_named(master, "X-GOOGLE-CONFERENCE").len(), 1);
    assert_eq!(props_named(master, "SUMMARY")[0].value, "Jour fixe");
    // DTSTAMP is renewed; unchanged properties are untouched.
    assert_ne!(props_named(master, "DTSTAMP")[0].value, "20240105T081512Z");
    assert_eq!(props_named(master, "CREATED")[0].value, "20231220T091011Z");
    // The exception VEVENT and the VTIMEZONE are still there.
    assert_eq!(vevents(&cal).len(), 2);
    assert!(merged.contains("X-LIC-LOCATION:Europe/Berlin"));
}

#[test]
fn merge_alarms_keeps_matching_server_alarms_with_their_extras() {
    let text = fixture("google.ics");
    let e = ics_to_event(&text).unwrap();
    let mut m = e.clone();
    m.alarms.remove(0); // drop the 30-minute popup, keep the e-mail one
    m.alarms.push(Alarm {
        trigger: AlarmTrigger::At(Utc.with_ymd_and_hms(2024, 1, 8, 8, 0, 0).unwrap()),
        action: AlarmAction::Display,
        description: None,
    });
    let merged = merge_event(&text, &m).unwrap();
    assert!(!merged.contains("TRIGGER:-P0DT0H30M0S"));
    assert!(merged.contains(
        "SUMMARY:Alarm notification\r\nATTENDEE:mailto:juergen.mueller@example.org\r\nTRIGGER:-P1D"
    ));
    assert!(merged.contains("TRIGGER;VALUE=DATE-TIME:20240108T080000Z"));
    assert_eq!(ics_to_event(&merged).unwrap().alarms, m.alarms);
}

#[test]
fn merge_exceptions_update_drop_and_add() {
    let text = fixture("google.ics");
    let e = ics_to_event(&text).unwrap();

    let mut m = e.clone();
    m.exceptions[0].location = Some("Online".into());
    let merged = merge_event(&text, &m).unwrap();
    let cal = parse_calendar(&merged).unwrap();
    let x = vevents(&cal)[1];
    assert_eq!(props_named(x, "LOCATION")[0].value, "Online");
    assert_eq!(
        props_named(x, "DESCRIPTION")[0].value,
        "Verschoben wegen Rosenmontag"
    );
    assert_eq!(props_named(x, "ATTENDEE").len(), 1);

    let mut m = e.clone();
    m.exceptions.clear();
    let merged = merge_event(&text, &m).unwrap();
    assert!(!merged.contains("RECURRENCE-ID"));

    let mut m = e.clone();
    m.exceptions.push(Exception {
        recurrence_id: at(ndt(2024, 3, 4, 10, 0), tzid("Europe/Berlin")),
        start: at(ndt(2024, 3, 4, 11, 0), tzid("Europe/Berlin")),
        end: Some(at(ndt(2024, 3, 4, 12, 0), tzid("Europe/Berlin"))),
        summary: Some("Später".into()),
        description: None,
        location: None,
        status: None,
    });
    let merged = merge_event(&text, &m).unwrap();
    let cal = parse_calendar(&merged).unwrap();
    let added = vevents(&cal)[2];
    assert_eq!(
        props_named(added, "RECURRENCE-ID")[0].value,
        "20240304T100000"
    );
    // It inherits the master's attendees (with params) and vendor properties, not its RRULE.
    assert_eq!(props_named(added, "ATTENDEE").len(), 3);
    assert_eq!(props_named(added, "X-GOOGLE-CONFERENCE").len(), 1);
    assert!(props_named(added, "RRULE").is_empty());
    assert!(props_named(added, "LOCATION").is_empty());
    assert_eq!(ics_to_event(&merged).unwrap(), m);
}

#[test]
fn merge_adds_a_vtimezone_for_a_new_tzid_only() {
    let text = fixture("nextcloud.ics");
    let mut e = ics_to_event(&text).unwrap();
    e.start = at(ndt(2024, 6, 15, 10, 0), tzid("Pacific Standard Time"));
    e.end = Some(at(ndt(2024, 6, 15, 11, 0), tzid("Pacific Standard Time")));
    let merged = merge_event(&text, &e).unwrap();
    assert_eq!(merged.matches("BEGIN:VTIMEZONE").count(), 1);
    assert!(merged.contains("TZID:Pacific Standard Time\r\n"));
    assert!(merged.contains("TZOFFSETTO:-0700"));
    // An object whose TZID has no VTIMEZONE does not get one when nothing changed.
    let bare = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n\
                DTSTART;TZID=Europe/Rome:20240101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let merged = merge_event(bare, &ics_to_event(bare).unwrap()).unwrap();
    assert!(!merged.contains("VTIMEZONE"));
}

#[test]
fn merge_rejects_bad_server_data() {
    let e = Event::new("x", EventTime::Date(date(2024, 1, 1)));
    assert!(matches!(
        merge_event("", &e),
        Err(Error::InvalidCalendar(_))
    ));
    assert!(merge_event("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", &e).is_err());
}

// ---- event_to_ics on many generated shapes ----

/// A small deterministic generator (xorshift), so shapes vary without a dependency.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn coin(&mut self) -> bool {
        self.below(2) == 0
    }
    fn text(&mut self) -> String {
        let parts = [
            "Meeting",
            "ä ö ü ß",
            "a,b",
            "x;y",
            "back\\slash",
            "line\nbreak",
            "日本語のテキスト",
            "😀🎉",
            "colon: here",
            "  spaced  ",
            "\"quoted\"",
            "tab\there",
            "long text that goes on and on and on",
        ];
        let n = 1 + self.below(6);
        (0..n)
            .map(|_| *self.pick(&parts))
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn time(&mut self, date_only: bool) -> EventTime {
        let d = date(
            2000 + self.below(40) as i32,
            1 + self.below(12) as u32,
            1 + self.below(28) as u32,
        );
        if date_only {
            return EventTime::Date(d);
        }
        let local = d
            .and_hms_opt(
                self.below(24) as u32,
                self.below(60) as u32,
                self.below(60) as u32,
            )
            .unwrap();
        let zone = self
            .pick(&[
                Zone::Utc,
                Zone::Floating,
                tzid("Europe/Berlin"),
                tzid("W. Europe Standard Time"),
                tzid("America/Argentina/Buenos_Aires"),
                tzid("Custom; zone: with, specials"),
                tzid("Australia/Lord_Howe"),
            ])
            .clone();
        EventTime::DateTime { local, zone }
    }
    fn opt_text(&mut self) -> Option<String> {
        self.coin().then(|| self.text())
    }
    fn person(&mut self) -> Attendee {
        Attendee {
            email: self
                .pick(&[
                    "a@example.org",
                    "B.Person@Example.COM",
                    "urn:uuid:1234",
                    "x+tag@ex.net",
                ])
                .to_string(),
            name: self
                .coin()
                .then(|| self.pick(&["Doe, Jane", "Ünal; Ö", "Plain"]).to_string()),
            role: *self.pick(&[
                None,
                Some(AttendeeRole::Chair),
                Some(AttendeeRole::Optional),
                Some(AttendeeRole::NonParticipant),
            ]),
            status: *self.pick(&[
                None,
                Some(ParticipationStatus::Accepted),
                Some(ParticipationStatus::Tentative),
                Some(ParticipationStatus::Delegated),
            ]),
        }
    }
    fn event(&mut self) -> Event {
        let all_day = self.below(4) == 0;
        let mut e = Event::new(
            format!("uid-{}@synchro.test", self.next()),
            self.time(all_day),
        );
        e.summary = self.opt_text();
        e.description = self.opt_text();
        e.location = self.opt_text();
        e.end = self.coin().then(|| self.time(all_day));
        if self.coin() {
            e.recurrence = Some(Recurrence {
                rrule: self.coin().then(|| {
                    self.pick(&[
                        "FREQ=WEEKLY;BYDAY=MO,WE",
                        "FREQ=DAILY;COUNT=5",
                        "FREQ=YEARLY",
                    ])
                    .to_string()
                }),
                rdates: (0..self.below(3)).map(|_| self.time(all_day)).collect(),
                exdates: (0..self.below(4)).map(|_| self.time(all_day)).collect(),
            });
            if e.recurrence == Some(Recurrence::default()) {
                e.recurrence = None;
            }
            for _ in 0..self.below(3) {
                let date_start = self.coin();
                e.exceptions.push(Exception {
                    recurrence_id: self.time(all_day),
                    start: self.time(date_start),
                    end: self.coin().then(|| self.time(false)),
                    summary: self.opt_text(),
                    description: self.opt_text(),
                    location: self.opt_text(),
                    status: *self.pick(&[
                        None,
                        Some(EventStatus::Cancelled),
                        Some(EventStatus::Tentative),
                    ]),
                });
            }
        }
        for _ in 0..self.below(4) {
            let trigger = match self.below(3) {
                0 => AlarmTrigger::BeforeStart(self.below(20_000) as i64 - 100),
                1 => AlarmTrigger::BeforeEnd(self.below(200) as i64 - 100),
                _ => AlarmTrigger::At(
                    Utc.timestamp_opt(1_700_000_000 + self.below(10_000_000) as i64, 0)
                        .unwrap(),
                ),
            };
            e.alarms.push(Alarm {
                trigger,
                action: *self.pick(&[AlarmAction::Display, AlarmAction::Audio, AlarmAction::Email]),
                description: self.opt_text(),
            });
        }
        e.organizer = self.coin().then(|| self.person());
        e.attendees = (0..self.below(4)).map(|_| self.person()).collect();
        e.status = *self.pick(&[
            None,
            Some(EventStatus::Confirmed),
            Some(EventStatus::Tentative),
            Some(EventStatus::Cancelled),
        ]);
        e.availability = *self.pick(&[Availability::Busy, Availability::Free]);
        e.access = *self.pick(&[
            None,
            Some(AccessClass::Public),
            Some(AccessClass::Private),
            Some(AccessClass::Confidential),
        ]);
        e.url = self
            .coin()
            .then(|| "https://example.org/e?a=1,2;b=3".to_string());
        e.categories = (0..self.below(4))
            .map(|_| {
                self.pick(&["Work", "A, B", "Semi;colon", "Ünicode"])
                    .to_string()
            })
            .collect();
        e.color = self
            .coin()
            .then(|| self.pick(&["#aabbcc", "tomato"]).to_string());
        e.sequence = self.below(5) as u32;
        e
    }
}

#[test]
fn generated_events_round_trip_through_event_to_ics() {
    let mut g = Gen(0x5eed_1234_abcd_0001);
    for i in 0..400 {
        let e = g.event();
        let ics = event_to_ics(&e);
        let back = ics_to_event(&ics).unwrap_or_else(|err| panic!("#{i}: {err}\n{ics}"));
        assert_eq!(back, e, "#{i}\n{ics}");
        assert_eq!(uid_of(&ics).unwrap(), e.uid);
        assert!(ics.starts_with(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Synchro//Synchro 0.1//EN\r\n"
        ));
        for line in ics.split_terminator("\r\n") {
            assert!(line.len() <= 75);
        }
        // Merging into its own output changes nothing but DTSTAMP.
        let merged = merge_event(&ics, &e).unwrap();
        assert_eq!(
            fingerprint(&merged).unwrap(),
            fingerprint(&ics).unwrap(),
            "#{i}"
        );
        assert_eq!(
            event_fingerprint(&ics_to_event(&merged).unwrap()),
            event_fingerprint(&e)
        );
        // Merging a different event into it gives exactly that event.
        let other = Event {
            uid: e.uid.clone(),
            ..g.event()
        };
        assert_eq!(
            ics_to_event(&merge_event(&ics, &other).unwrap()).unwrap(),
            other,
            "#{i}"
        );
    }
}

#[test]
fn vtimezones_are_written_for_known_zones_only() {
    let mut e = Event::new("tz@test", at(ndt(2024, 3, 1, 9, 0), tzid("Europe/Berlin")));
    e.end = Some(at(ndt(2024, 3, 1, 10, 0), tzid("America/New_York")));
    e.recurrence = Some(Recurrence {
        rrule: None,
        rdates: vec![],
        exdates: vec![at(ndt(2024, 3, 8, 9, 0), tzid("Nowhere/Special"))],
    });
    let cal = parse_calendar(&event_to_ics(&e)).unwrap();
    let zones: Vec<&str> = cal
        .components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .map(|c| props_named(c, "TZID")[0].value.as_str())
        .collect();
    assert_eq!(zones, vec!["Europe/Berlin", "America/New_York"]);
    assert_eq!(props_named(vevents(&cal)[0], "TRANSP")[0].value, "OPAQUE");
}

// ---- fingerprints ----

#[test]
fn fingerprint_ignores_order_folding_and_volatile_properties() {
    let a = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:a\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20240101T000000Z\r\n\
             SUMMARY:Hello world\r\nATTENDEE;cn=X;ROLE=CHAIR:mailto:x@y\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:1\r\n\
             RECURRENCE-ID:20240102T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let b = "BEGIN:VCALENDAR\nPRODID:b\nVERSION:2.0\nBEGIN:VEVENT\nUID:1\nRECURRENCE-ID:20240102T000000Z\n\
             END:VEVENT\nBEGIN:VEVENT\nSUMMARY:Hello\n  world\nATTENDEE;ROLE=CHAIR;CN=X:mailto:x@y\nUID:1\n\
             DTSTAMP:20250101T000000Z\nLAST-MODIFIED:20250101T000000Z\nEND:VEVENT\nEND:VCALENDAR\n";
    assert_eq!(fingerprint(a).unwrap(), fingerprint(b).unwrap());
    assert_eq!(fingerprint(a).unwrap().len(), 64);
    let c = a.replace("Hello world", "Hello World");
    assert_ne!(fingerprint(a).unwrap(), fingerprint(&c).unwrap());
    let d = a.replace("ROLE=CHAIR", "ROLE=OPT-PARTICIPANT");
    assert_ne!(fingerprint(a).unwrap(), fingerprint(&d).unwrap());
    let e = a.replace(
        "BEGIN:VEVENT\r\nUID:1\r\nRECURRENCE-ID",
        "BEGIN:VEVENT\r\nUID:1\r\nX-NEW:1\r\nRECURRENCE-ID",
    );
    assert_ne!(fingerprint(a).unwrap(), fingerprint(&e).unwrap());
    assert!(fingerprint("nonsense").is_err());
}

#[test]
fn event_fingerprint_equal_for_what_a_phone_shows_the_same() {
    let e = ics_to_event(&fixture("google.ics")).unwrap();
    let mut same = e.clone();
    same.attendees.reverse();
    same.categories = vec!["b".into(), "a".into()];
    let mut e2 = e.clone();
    e2.categories = vec!["a".into(), "b".into(), "".into()];
    assert_eq!(
        event_fingerprint(&same.clone()),
        event_fingerprint(&{
            let mut s = same.clone();
            s.categories = e2.categories.clone();
            s.alarms.reverse();
            s
        })
    );
    same.categories = e.categories.clone();
    assert_eq!(event_fingerprint(&same), event_fingerprint(&e));

    let mut windows = e.clone();
    windows.start = at(ndt(2024, 1, 8, 10, 0), tzid("W. Europe Standard Time"));
    windows.end = Some(at(ndt(2024, 1, 8, 11, 0), tzid("europe/berlin")));
    assert_eq!(event_fingerprint(&windows), event_fingerprint(&e));

    let mut cased = e.clone();
    cased.attendees[0].email = cased.attendees[0].email.to_uppercase();
    cased.location = cased.location.map(|l| format!("{l}\n"));
    assert_eq!(event_fingerprint(&cased), event_fingerprint(&e));

    let mut empty = Event::new("u", EventTime::Date(date(2024, 1, 1)));
    let mut with_defaults = empty.clone();
    with_defaults.summary = Some(String::new());
    with_defaults.end = Some(EventTime::Date(date(2024, 1, 2)));
    with_defaults.recurrence = Some(Recurrence::default());
    assert_eq!(event_fingerprint(&empty), event_fingerprint(&with_defaults));
    empty.summary = Some("x".into());
    assert_ne!(event_fingerprint(&empty), event_fingerprint(&with_defaults));

    let mut moved = e.clone();
    moved.start = at(ndt(2024, 1, 8, 10, 30), tzid("Europe/Berlin"));
    assert_ne!(event_fingerprint(&moved), event_fingerprint(&e));
    let mut declined = e.clone();
    declined.attendees[1].status = Some(ParticipationStatus::Declined);
    assert_ne!(event_fingerprint(&declined), event_fingerprint(&e));
}

// ---- split / join, uid_of ----

#[test]
fn split_groups_by_uid_with_the_zones_each_uses() {
    let text = fixture("calendar-file.ics");
    let objects = split_calendar(&text).unwrap();
    let uids: Vec<String> = objects
        .iter()
        .map(|o| {
            let cal = parse_calendar(o).unwrap();
            cal.components
                .iter()
                .find(|c| c.name != "VTIMEZONE")
                .and_then(|c| props_named(c, "UID").first().map(|p| p.value.clone()))
                .unwrap()
        })
        .collect();
    assert_eq!(
        uids,
        vec![
            "event-vienna@example.at",
            "todo-1@example.at",
            "event-tokyo@example.at",
            "avail-1@example.at"
        ]
    );
    let vienna = ics_to_event(&objects[0]).unwrap();
    assert_eq!(vienna.exceptions.len(), 1);
    assert!(objects[0].contains("TZID:Europe/Vienna") && !objects[0].contains("TZID:Asia/Tokyo"));
    assert!(objects[0].contains("X-WR-CALNAME:Privat"));
    assert!(!objects[1].contains("VTIMEZONE"));
    assert!(objects[2].contains("TZID:Asia/Tokyo") && !objects[2].contains("TZID:Europe/Vienna"));
    assert!(
        objects[3].contains("TZID:Europe/Vienna"),
        "zones used by sub-components count"
    );
    assert!(matches!(
        ics_to_event(&objects[1]),
        Err(Error::InvalidCalendar(_))
    ));
    assert!(!objects.iter().any(|o| o.contains("Ohne UID")));

    let joined = join_calendars(&objects).unwrap();
    let cal = parse_calendar(&joined).unwrap();
    assert_eq!(
        cal.components
            .iter()
            .filter(|c| c.name == "VTIMEZONE")
            .count(),
        2
    );
    assert_eq!(vevents(&cal).len(), 3);
    assert!(joined.contains("X-WR-CALNAME:Privat"));
    assert_eq!(split_calendar(&joined).unwrap(), objects);
    let empty = join_calendars::<String>(&[]).unwrap();
    assert!(parse_calendar(&empty).is_ok());
    assert!(join_calendars(&["junk".to_string()]).is_err());
}

#[test]
fn uid_of_and_missing_parts() {
    assert_eq!(
        uid_of(&fixture("calendar-file.ics")).unwrap().as_str(),
        "event-vienna@example.at"
    );
    let no_event =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
    assert!(matches!(uid_of(no_event), Err(Error::InvalidCalendar(_))));
    assert!(matches!(
        ics_to_event(no_event),
        Err(Error::InvalidCalendar(_))
    ));
    let no_uid = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20240101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(uid_of(no_uid).is_err());
    assert!(ics_to_event(no_uid).is_err());
    let no_start = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(ics_to_event(no_start).is_err());
    assert!(ics_to_event("").is_err());
}

#[test]
fn lenient_on_case_and_blank_lines() {
    let text = "begin:vcalendar\r\n\r\nversion:2.0\r\nbegin:vevent\r\nuid:1\r\n\
                dtstart;value=date:20240101\r\nsummary;x-a=b:Hi\r\n\r\nend:vevent\r\nend:vcalendar\r\n";
    assert_eq!(
        write_calendar(&parse_calendar(text).unwrap()),
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=date:20240101\r\n\
         SUMMARY;X-A=b:Hi\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let e = ics_to_event(text).unwrap();
    assert_eq!(e.start, EventTime::Date(date(2024, 1, 1)));
    assert_eq!(e.summary.as_deref(), Some("Hi"));
}

/// What `join_calendars` gave when it parsed every object: the first object's calendar
/// properties, each time zone once (by TZID), every other component in order.
fn join_by_tree(objects: &[&str]) -> Component {
    let mut joined = Component {
        name: "VCALENDAR".into(),
        properties: Vec::new(),
        components: Vec::new(),
    };
    let mut zones: Vec<Component> = Vec::new();
    let mut others = Vec::new();
    let tzid = |c: &Component| {
        c.properties
            .iter()
            .find(|p| p.name == "TZID")
            .map(|p| p.value.clone())
    };
    for (n, object) in objects.iter().enumerate() {
        let cal = parse_calendar(object).unwrap();
        if n == 0 {
            joined.properties = cal.properties;
        }
        for c in cal.components {
            if c.name != "VTIMEZONE" {
                others.push(c);
            } else if !zones.iter().any(|z| tzid(z) == tzid(&c)) {
                zones.push(c);
            }
        }
    }
    joined.components = zones.into_iter().chain(others).collect();
    joined
}

#[test]
fn joining_at_text_level_gives_what_the_parser_gives() {
    let texts: Vec<String> = FIXTURES.iter().map(|f| fixture(f)).collect();
    // Whole files as they came from their producers, and the objects split from them.
    let mut objects: Vec<String> = texts.clone();
    for t in &texts {
        objects.extend(split_calendar(t).unwrap());
    }
    // Shapes the text level must read as the parser does: LF line ends, a BOM, lower-case
    // names, blank lines, a fold inside BEGIN and inside TZID, parameters on TZID.
    let odd = [
        "\u{feff}BEGIN:VCALENDAR\nVERSION:2.0\nbegin:vevent\nUID:lf\nSUMMARY:x\nend:VEVENT\nEND:VCALENDAR\n",
        "BEGIN:VCALENDAR\r\n\r\nBEGIN:VTIME\r\n ZONE\r\nTZI\r\n D:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:fold\r\nDTSTART;TZID=Europe/Paris:20260101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR",
        "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID;X-A=\"b:c\":Europe/Paris\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:p\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\rBEGIN:VEVENT\rUID:cr\rEND:VEVENT\rEND:VCALENDAR\r",
    ];
    objects.extend(odd.iter().map(|s| s.to_string()));
    // All but the last (lone CR line ends) are read at text level.
    for o in &objects[..objects.len() - 1] {
        assert!(split::text_parts(o).is_some(), "{o}");
    }
    assert!(split::text_parts(odd[3]).is_none());
    let refs: Vec<&str> = objects.iter().map(String::as_str).collect();
    for n in 0..refs.len() {
        // Each object alone, then each with all that follow it.
        for set in [&refs[n..=n], &refs[n..]] {
            let joined = parse_calendar(&join_calendars(set).unwrap()).unwrap();
            let mut expected = join_by_tree(set);
            for (name, value) in [("VERSION", "2.0"), ("PRODID", super::PRODID)] {
                if !expected.properties.iter().any(|p| p.name == name) {
                    let at = usize::from(name == "PRODID");
                    expected
                        .properties
                        .insert(at, super::event::prop(name, value));
                }
            }
            assert_eq!(joined, expected, "objects from {n}");
        }
    }
    // Objects the parser refuses are refused, not copied.
    for bad in [
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\n:no name\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nX-A;B=\"open:x\r\nEND:VCALENDAR\r\n",
        "BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n",
    ] {
        let first = refs[0];
        assert!(join_calendars(&[first, bad]).is_err(), "{bad:?}");
    }
}

/// Stores keep fingerprints from one version to the next: a change in how they are computed
/// would make every stored event look changed once.
#[test]
fn fingerprints_are_stable_across_versions() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\n\
                UID:pinned@example.org\r\nDTSTAMP:20260101T000000Z\r\n\
                DTSTART;TZID=Europe/Paris:20260105T100000\r\nDTEND;TZID=Europe/Paris:20260105T110000\r\n\
                SUMMARY:Réunion\r\nATTENDEE;CN=\"A, B\";ROLE=REQ-PARTICIPANT:mailto:a@example.org\r\n\
                BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let a = analyse(text).unwrap();
    assert_eq!(a.fp, fingerprint(text).unwrap());
    assert_eq!(
        a.fp,
        "550feb7afd5333deeefe77767b962e83c0c9c8a3cbab9e0ea83d94166503931b"
    );
    assert_eq!(
        a.event_fp,
        "1df28f41cf5020d6c61241e967406169dc3d674f65020945e2022bd710cb1b3c"
    );
}
