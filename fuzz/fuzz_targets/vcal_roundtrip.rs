//! vCalendar 1.0 -> iCalendar 2.0 -> vCalendar 1.0 -> iCalendar 2.0: every step that gets
//! input it produced itself must succeed; arbitrary input gives errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synchro_core::ical::{self, vcal};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = vcal::to_icalendar(text);
    let _ = vcal::ical_to_vcal(text);
    let _ = vcal::vcal_to_event(text);
    let Ok(ics) = vcal::vcal_to_ical(text) else {
        return;
    };
    ical::parse_calendar(&ics).expect("converted vCalendar is iCalendar");
    let back = vcal::ical_to_vcal(&ics).expect("converted iCalendar goes back to vCalendar");
    vcal::vcal_to_ical(&back).expect("our own vCalendar reads back");
});
