//! iCalendar text through every reader the sync uses on a server's or a device's object:
//! parse, analyse (UID, fingerprints, event), split, join, merge and re-export. Any panic is a
//! bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synchro_core::ical;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ical::parse_calendar(text);
    let _ = ical::uid_of(text);
    let _ = ical::fingerprint(text);
    let _ = ical::split_calendar(text);
    let _ = ical::vcal::detect_version(text);
    // A backup joins objects at text level where it can: what it joins must read back.
    if let Ok(joined) = ical::join_calendars(&[text, text]) {
        assert!(
            ical::parse_calendar(&joined).is_ok(),
            "a joined calendar must read back"
        );
    }
    if let Ok(a) = ical::analyse(text) {
        // What the sync does next with a server object: write the event to a device, and
        // merge the device's version back into the server's copy.
        let ics = ical::event_to_ics(&a.event);
        let _ = ical::merge_event(text, &a.event);
        let _ = ical::vcal::event_to_vcal(&a.event);
        assert!(
            ical::ics_to_event(&ics).is_ok(),
            "our own export must read back"
        );
    }
});
