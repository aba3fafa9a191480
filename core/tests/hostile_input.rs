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
