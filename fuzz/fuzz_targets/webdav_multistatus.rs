//! WebDAV bodies from a server: a multistatus (PROPFIND, REPORT) and a DAV:error body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synchro_core::remote::caldav::xml;

fuzz_target!(|data: &[u8]| {
    let _ = xml::parse_all(data);
    let _ = xml::parse_error_body(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = xml::parse_status_line(s);
    }
});
