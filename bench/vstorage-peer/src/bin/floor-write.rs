//! `floor-write [--durable] DIR`: the second half of the benchmark's floor. Reads a CalDAV
//! multistatus (one `calendar-query` REPORT with `calendar-data`, as `curl` printed it) from
//! stdin and writes each event's iCalendar into `DIR/<last href segment>`, without fsync: the
//! least work any client must do to hold a copy of the calendar. With `--durable`, every
//! 1,000 files are made durable at once (one `syncfs`, then one `fsync` of the folder), as a
//! client that must survive a crash needs at the least before it records a batch.

use std::io::Read;

/// Files made durable at once with `--durable`.
const BATCH: usize = 1000;

/// Makes every file written in `dir` so far durable: one flush of its file system, then
/// one of the folder.
fn make_durable(dir: &str) -> std::io::Result<()> {
    let folder = std::fs::File::open(dir)?;
    rustix::fs::syncfs(&folder)?;
    folder.sync_all()
}

/// The text between the first `:NAME>` (or `<NAME>`) opening tag and its closing tag.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = [format!(":{name}>"), format!("<{name}>")]
        .into_iter()
        .filter_map(|tag| xml.find(&tag).map(|i| i + tag.len()))
        .min()?;
    let rest = &xml[open..];
    Some(&rest[..rest.find("</")?])
}

/// Undoes the XML escapes Radicale and other servers write.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#13;", "\r")
        .replace("&#xD;", "\r")
        .replace("&amp;", "&")
}

fn main() -> std::io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let durable = args.first().is_some_and(|a| a == "--durable");
    if durable {
        args.remove(0);
    }
    let dir = args
        .pop()
        .expect("usage: floor-write [--durable] DIR < multistatus.xml");
    std::fs::create_dir_all(&dir)?;
    let mut xml = String::new();
    std::io::stdin().read_to_string(&mut xml)?;
    let mut written = 0usize;
    for response in xml
        .split("response>")
        .filter(|r| r.contains("calendar-data"))
    {
        let (Some(href), Some(data)) = (
            element(response, "href"),
            element(response, "calendar-data"),
        ) else {
            continue;
        };
        let name = href
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(href);
        std::fs::write(format!("{dir}/{name}"), unescape(data))?;
        written += 1;
        if durable && written.is_multiple_of(BATCH) {
            make_durable(&dir)?;
        }
    }
    if durable && !written.is_multiple_of(BATCH) {
        make_durable(&dir)?;
    }
    println!("{written} files");
    Ok(())
}
