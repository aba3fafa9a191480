//! iCalendar parse -> write -> parse is stable: what parses once writes to text that parses
//! to the same tree, and writing that tree again gives the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synchro_core::ical;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(first) = ical::parse_calendar(text) else {
        return;
    };
    let written = ical::write_calendar(&first);
    let second = ical::parse_calendar(&written).expect("written calendar parses again");
    assert_eq!(first, second, "tree changed through write and parse");
    assert_eq!(
        written,
        ical::write_calendar(&second),
        "writing is not stable"
    );
});
