//! A CalDAV calendar collection in memory behind the scripted HTTP server: enough of
//! RFC 4791 for the engine (ctag, calendar-query, calendar-multiget, GET, conditional PUT
//! and DELETE), plus faults: a status for the next request of a method, or another client's
//! edit just before it.

use crate::remote::testserver::{answer, header, serve_with, Seen};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What happens at the next request of a method.
enum Fault {
    /// Answer this status instead.
    Status(u16),
    /// Another client writes item `name` first.
    EditFirst(String, String),
}

#[derive(Default)]
struct State {
    /// name → (etag number, iCalendar)
    items: BTreeMap<String, (u64, String)>,
    counter: u64,
    faults: Vec<(String, Fault)>,
    /// Request lines seen.
    requests: Vec<String>,
}

impl State {
    fn write(&mut self, name: &str, ics: &str) -> u64 {
        self.counter += 1;
        let n = self.counter;
        self.items.insert(name.to_string(), (n, ics.to_string()));
        n
    }
}

/// The fake server; clones share it.
#[derive(Clone)]
pub struct FakeCalDav {
    state: Arc<Mutex<State>>,
    base: String,
}

const MS: &str = r#"<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">"#;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl FakeCalDav {
    /// A new empty calendar at `<base>/cal/`.
    pub fn start() -> FakeCalDav {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let base = serve_with(move |seen| {
            let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
            handle(&mut s, seen)
        });
        FakeCalDav { state, base }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The server root.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The calendar collection's URL.
    pub fn calendar_url(&self) -> String {
        format!("{}/cal/", self.base)
    }

    /// Another client writes item `name`.
    pub fn put(&self, name: &str, ics: &str) {
        self.lock().write(name, ics);
    }

    /// Another client deletes item `name`.
    pub fn remove(&self, name: &str) {
        self.lock().items.remove(name);
    }

    /// The iCalendar of every item.
    pub fn items(&self) -> Vec<String> {
        self.lock().items.values().map(|(_, i)| i.clone()).collect()
    }

    /// The next request of `method` is answered with `status`.
    pub fn fail_next(&self, method: &str, status: u16) {
        self.lock()
            .faults
            .push((method.to_string(), Fault::Status(status)));
    }

    /// Just before the next request of `method`, another client writes item `name`.
    pub fn edit_before_next(&self, method: &str, name: &str, ics: &str) {
        self.lock().faults.push((
            method.to_string(),
            Fault::EditFirst(name.to_string(), ics.to_string()),
        ));
    }

    /// How many requests of `method` were seen.
    pub fn count(&self, method: &str) -> usize {
        let prefix = format!("{method} ");
        self.lock()
            .requests
            .iter()
            .filter(|r| r.starts_with(&prefix))
            .count()
    }
}

fn handle(s: &mut State, seen: &Seen) -> String {
    s.requests.push(seen.request_line.clone());
    let mut parts = seen.request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    if let Some(i) = s.faults.iter().position(|(m, _)| *m == method) {
        match s.faults.remove(i).1 {
            Fault::Status(code) => return answer(&format!("{code} Fault"), &[], ""),
            Fault::EditFirst(name, ics) => {
                s.write(&name, &ics);
            }
        }
    }
    let name = path.strip_prefix("/cal/").unwrap_or_default().to_string();
    let body = String::from_utf8_lossy(&seen.body).into_owned();
    let etag = |n: u64| format!("\"{n}\"");
    match method.as_str() {
        "PROPFIND" => answer(
            "207 Multi-Status",
            &[],
            &format!(
                "{MS}<d:response><d:href>/cal/</d:href><d:propstat><d:prop><cs:getctag>{}\
                 </cs:getctag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>\
                 </d:response></d:multistatus>",
                s.counter
            ),
        ),
        "REPORT" if body.contains("calendar-multiget") => {
            let mut out = String::from(MS);
            for href in body.split("<d:href>").skip(1) {
                let href = href.split("</d:href>").next().unwrap_or_default();
                let key = href.strip_prefix("/cal/").unwrap_or_default();
                match s.items.get(key) {
                    Some((n, ics)) => out.push_str(&format!(
                        "<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>{}\
                         </d:getetag><c:calendar-data>{}</c:calendar-data></d:prop>\
                         <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
                        escape(&etag(*n)),
                        escape(ics)
                    )),
                    None => out.push_str(&format!(
                        "<d:response><d:href>{href}</d:href><d:status>HTTP/1.1 404 Not Found\
                         </d:status></d:response>"
                    )),
                }
            }
            out.push_str("</d:multistatus>");
            answer("207 Multi-Status", &[], &out)
        }
        "REPORT" => {
            let mut out = String::from(MS);
            for (name, (n, _)) in &s.items {
                out.push_str(&format!(
                    "<d:response><d:href>/cal/{name}</d:href><d:propstat><d:prop><d:getetag>{}\
                     </d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>\
                     </d:response>",
                    escape(&etag(*n))
                ));
            }
            out.push_str("</d:multistatus>");
            answer("207 Multi-Status", &[], &out)
        }
        "GET" => match s.items.get(&name) {
            Some((n, ics)) => answer("200 OK", &[&format!("ETag: {}", etag(*n))], ics),
            None => answer("404 Not Found", &[], ""),
        },
        "PUT" => {
            let current = s.items.get(&name).map(|(n, _)| etag(*n));
            let refused = match (header(seen, "if-none-match"), header(seen, "if-match")) {
                (Some("*"), _) => current.is_some(),
                (_, Some(m)) => current.as_deref() != Some(m),
                _ => false,
            };
            if refused {
                return answer("412 Precondition Failed", &[], "");
            }
            let n = s.write(&name, &body);
            let status = if current.is_some() {
                "204 No Content"
            } else {
                "201 Created"
            };
            answer(status, &[&format!("ETag: {}", etag(n))], "")
        }
        "DELETE" => {
            let current = s.items.get(&name).map(|(n, _)| etag(*n));
            match (current, header(seen, "if-match")) {
                (None, _) => answer("404 Not Found", &[], ""),
                (Some(c), Some(m)) if m != "*" && c != m => {
                    answer("412 Precondition Failed", &[], "")
                }
                _ => {
                    s.items.remove(&name);
                    s.counter += 1;
                    answer("204 No Content", &[], "")
                }
            }
        }
        _ => answer("405 Method Not Allowed", &[], ""),
    }
}
