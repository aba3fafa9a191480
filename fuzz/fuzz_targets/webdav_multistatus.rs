//! WebDAV bodies from a server: a multistatus (PROPFIND, REPORT) read whole and as a stream
//! arriving in small reads (the two must agree), and a DAV:error body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{BufReader, Read};
use synchro_core::remote::caldav::xml;

/// Gives at most `step` bytes per read, as a slow network does.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = xml::parse_all(data);
    let mut whole = Vec::new();
    let whole_result = xml::parse_multistatus(data, &mut |r| {
        whole.push(r);
        Ok(())
    })
    .map_err(|e| e.to_string());
    let step = 1 + data.first().map_or(0, |b| usize::from(*b % 16));
    let reader = BufReader::with_capacity(7, Trickle { data, step });
    let mut streamed = Vec::new();
    let streamed_result = xml::parse_multistatus_from(reader, &mut |r| {
        streamed.push(r);
        Ok(())
    })
    .map_err(|e| e.to_string());
    assert_eq!(whole_result, streamed_result);
    assert_eq!(whole, streamed);
    let _ = xml::parse_error_body(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = xml::parse_status_line(s);
    }
});
