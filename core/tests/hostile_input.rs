//! Inputs that once panicked a parser or converter (reported defects and fuzzing finds): each
//! must now give a result or an error for that item, never a panic.

use synchro_core::ical::{self, vcal};

/// A content line whose first four bytes end inside a multi-byte character.
#[test]
fn a_line_cut_inside_a_multibyte_character_is_no_panic() {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    // More than one batch of events, so that the batching scan reads every line.
    for i in 0..40 {
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTART:20250101T090000Z\r\nX-Aé:1\r\nEND:VEVENT\r\n"
        ));
    }
    text.push_str("X-Aé:1\r\nEND:VCALENDAR\r\n");
    let cal = ical::parse_calendar(&text).expect("parses");
    assert_eq!(cal.components.len(), 40);
    assert_eq!(cal.components[0].properties[2].name, "X-Aé");
}

/// An alarm so far before its event that the date arithmetic overflows.
#[test]
fn an_alarm_offset_beyond_any_date_is_no_panic() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n\
               DTSTART:20250101T090000Z\r\nSUMMARY:x\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n\
               TRIGGER:-P396761521D\r\nEND:VALARM\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n\
               TRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let event = ical::ics_to_event(ics).expect("the event reads");
    let vcs = vcal::ical_to_vcal(ics).expect("converts");
    // The ringing alarm is kept; the one no date can hold is left out.
    assert_eq!(vcs.matches("DALARM:").count(), 1, "{vcs}");
    assert!(vcs.contains("DALARM:20250101T085500Z"), "{vcs}");
    let _ = vcal::event_to_vcal(&event);
}

/// What parses must write to text that parses to the same tree.
fn assert_round_trip_stable(text: &str) {
    if let Ok(first) = ical::parse_calendar(text) {
        let written = ical::write_calendar(&first);
        let second = ical::parse_calendar(&written).expect("written calendar parses again");
        assert_eq!(first, second);
        assert_eq!(written, ical::write_calendar(&second));
    }
}

/// Fuzzing find (ical_roundtrip): a line without ':' was read on into the next line, its
/// parameters holding a line break; written back, the two lines became one property.
#[test]
fn a_line_without_colon_is_an_error_not_a_merged_property() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n\
                URL;VALUE=Uexample.com/?a=1\r\nX-APPLE-LOC;VALUE=URI;X-TITLE=Blue:geo:1,2\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(ical::parse_calendar(text).is_err());
    assert_round_trip_stable(text);
}

/// Fuzzing find (vcal_roundtrip): a vCalendar parameter whose name iCalendar cannot hold was
/// written into the iCalendar text, which then did not parse.
#[test]
fn a_vcalendar_parameter_name_icalendar_cannot_hold_is_dropped() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:u\r\n\
                DTSTART:20250101T090000Z\r\nATTENDEE;CN=Rechenzentrum;X-'''ENCE=:mailto:a@b.c\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    let ics = vcal::vcal_to_ical(text).expect("converts");
    ical::parse_calendar(&ics).expect("the conversion is iCalendar");
    assert!(
        ics.contains("ATTENDEE;CN=Rechenzentrum:mailto:a@b.c"),
        "{ics}"
    );
}

/// Fuzzing find (ical_roundtrip): a DQUOTE inside a parameter value that is no quoted list
/// was written as `'`, so the value changed between the first and the second parse.
#[test]
fn a_quote_inside_a_parameter_value_reads_as_it_is_written() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n\
                ATTENDEE;CN=Nina;PARTSTAT=At\",\"mailto:y@example.net\";ROLE=OPT:urn:uuid:5a\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_round_trip_stable(text);
}

/// Fuzzing find (vcal_roundtrip): a vCalendar value holding a lone CR and NULs was written
/// into iCalendar as it was: the CR broke the line and the result did not parse.
#[test]
fn control_characters_in_a_vcalendar_value_give_parsable_icalendar() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:ev-2@peer\0\0\0x\r\n\
                DTSTART:20250101T090000Z\r\nSUMMARY:Ser\0\0ver\rtest\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let ics = vcal::vcal_to_ical(text).expect("converts");
    let cal = ical::parse_calendar(&ics).expect("the conversion is iCalendar");
    let event = &cal.components[0];
    assert!(
        event.properties.iter().any(|p| p.value == "ev-2@peerx"),
        "{ics}"
    );
    assert_round_trip_stable(&ics);
}

/// Fuzzing find (ical_roundtrip): `END` alone on a line was read as a property named END;
/// written back as `END:` it closed the event early and the text no longer parsed.
#[test]
fn end_alone_on_a_line_is_an_error() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\nEND\r\n\
                BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(ical::parse_calendar(text).is_err());
    assert_round_trip_stable(text);
}

/// Fuzzing find (ical_roundtrip): a parameter value the parser left in its quotes was
/// written as a quoted list and read back without them.
#[test]
fn a_parameter_value_left_in_its_quotes_reads_as_it_is_written() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n\
                ATTENDEE;CN=\"\"Doe, Jane\"\";ROLE=REQ-PARTICIPANT:mailto:\r\n\
                ATTENDEE;CN=\"Doe, Jane\";MEMBER=\"mailto:a@b.c\",\"mailto:d@e.f\":mailto:x\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_round_trip_stable(text);
}
