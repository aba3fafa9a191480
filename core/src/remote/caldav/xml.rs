//! Streaming, namespace-aware parser of WebDAV `multistatus` bodies (quick-xml `NsReader`):
//! hands each `response` to a callback as soon as it is complete.

use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::error::{Error, Result};
use crate::remote::limits::{Budget, XmlLimits};

/// The WebDAV namespace.
pub const DAV: &str = "DAV:";
/// The CalDAV namespace.
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// The CalendarServer namespace (getctag).
pub const CS: &str = "http://calendarserver.org/ns/";
/// Apple's iCal namespace (calendar-color).
pub const ICAL: &str = "http://apple.com/ns/ical/";

/// An element name: namespace URI (empty when unbound) and local name.
pub type Name = (String, String);

/// The parsed value of one property.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropValue {
    /// All text inside the property, concatenated (not trimmed).
    pub text: String,
    /// Text of each `DAV:href` inside the property, trimmed.
    pub hrefs: Vec<String>,
    /// Every element nested inside the property, at any depth.
    pub elements: Vec<Name>,
    /// The `name` attribute of each CalDAV `comp` inside (supported-calendar-component-set).
    pub comp_names: Vec<String>,
    /// Some text inside was not UTF-8 (`text` holds it with replacement characters): the
    /// value must not be used, but the other properties and responses are fine.
    pub undecodable: bool,
}

impl PropValue {
    /// Whether an element `ns`:`local` occurs anywhere inside.
    pub fn has_element(&self, ns: &str, local: &str) -> bool {
        self.elements.iter().any(|(n, l)| n == ns && l == local)
    }
}

/// One `response` of a multistatus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DavResponse {
    /// The first href, trimmed, as the server wrote it.
    pub href: String,
    /// Further hrefs of the same response (RFC 4918 allows several with one status).
    pub extra_hrefs: Vec<String>,
    /// The response-level status code (set for deleted items, 507, multiget misses).
    pub status: Option<u16>,
    /// Properties found (propstat status 2xx or absent).
    pub props: Vec<(Name, PropValue)>,
    /// Properties reported with a non-2xx propstat status, with that status.
    pub missing: Vec<(Name, u16)>,
}

impl DavResponse {
    /// A found property.
    pub fn prop(&self, ns: &str, local: &str) -> Option<&PropValue> {
        self.props
            .iter()
            .find(|((n, l), _)| n == ns && l == local)
            .map(|(_, v)| v)
    }

    /// Takes a found property out of the response (its text is not copied).
    pub fn take_prop(&mut self, ns: &str, local: &str) -> Option<PropValue> {
        let i = self
            .props
            .iter()
            .position(|((n, l), _)| n == ns && l == local)?;
        Some(self.props.swap_remove(i).1)
    }

    /// The trimmed text of a found property, if not empty.
    pub fn prop_text(&self, ns: &str, local: &str) -> Option<String> {
        self.prop(ns, local)
            .map(|p| p.text.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

/// Parses a status line (`HTTP/1.1 404 Not Found`) into its code.
pub fn parse_status_line(s: &str) -> Option<u16> {
    let mut parts = s.split_whitespace();
    let first = parts.next()?;
    let code = if first.starts_with("HTTP/") {
        parts.next()?
    } else {
        first
    };
    code.parse().ok().filter(|c| (100..600).contains(c))
}

/// Bytes a kept name costs: its text and its two strings.
fn name_cost(name: &Name) -> usize {
    name.0.len() + name.1.len() + std::mem::size_of::<Name>()
}

fn name_of(ns: &ResolveResult<'_>, local: &[u8]) -> Name {
    let ns = match ns {
        ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
        _ => String::new(),
    };
    (ns, String::from_utf8_lossy(local).into_owned())
}

fn is(name: &Name, ns: &str, local: &str) -> bool {
    name.0 == ns && name.1 == local
}

fn xml_err(e: impl std::fmt::Display) -> Error {
    Error::Protocol(format!("invalid XML in multistatus: {e}"))
}

/// Parses a multistatus body, calling `on_response` for each `response` as soon as its end
/// tag is read. Returns the top-level `sync-token`, wherever it appears (Xandikos puts it
/// after the responses). An error from `on_response` stops the parse and is returned.
/// [`XmlLimits::DAV`] holds while reading: too deep, too many elements or too many bytes
/// kept for one response is a protocol error.
pub fn parse_multistatus(
    body: &[u8],
    on_response: &mut dyn FnMut(DavResponse) -> Result<()>,
) -> Result<Option<String>> {
    parse_multistatus_from(body, on_response)
}

/// [`parse_multistatus`] over a body that is still arriving (an HTTP body reader): only
/// the response being read is held, never the whole body. A failure of the reader is a
/// protocol error here; [`crate::remote::http::HttpClient::request_streamed`] replaces it
/// with the failure of the stream (a timeout, a cut connection).
pub fn parse_multistatus_from<R: BufRead>(
    body: R,
    on_response: &mut dyn FnMut(DavResponse) -> Result<()>,
) -> Result<Option<String>> {
    let mut budget = Budget::new(XmlLimits::DAV, "multistatus");
    let mut reader = NsReader::from_reader(body);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<Name> = Vec::new();
    let mut saw_root = false;
    let mut sync_token: Option<String> = None;

    let mut cur = Current::default();
    let mut prop: Option<(Name, PropValue)> = None;
    let mut text = String::new(); // text of the current leaf of interest
    let mut href_text = String::new();

    loop {
        let (ns, event) = reader.read_resolved_event_into(&mut buf).map_err(xml_err)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let depth = stack.len();
                budget.depth(depth)?;
                budget.open_tag(e)?;
                let name = name_of(&ns, e.local_name().as_ref());
                if depth == 1 && is(&name, DAV, "response") {
                    budget.next_unit();
                }
                budget.element()?;
                budget.keep(name_cost(&name))?;
                if depth == 0 {
                    if !is(&name, DAV, "multistatus") {
                        return Err(Error::Protocol(format!(
                            "expected a DAV:multistatus, found <{}>",
                            name.1
                        )));
                    }
                    saw_root = true;
                } else if depth == 1 && is(&name, DAV, "response") {
                    cur.response = Some(DavResponse::default());
                } else if depth == 2 && is(&stack[1], DAV, "response") && is(&name, DAV, "propstat")
                {
                    cur.ps_props.clear();
                    cur.ps_status = None;
                } else if depth == 4 && is(&stack[3], DAV, "prop") {
                    prop = Some((name.clone(), PropValue::default()));
                } else if depth > 4 {
                    if let Some((_, p)) = prop.as_mut() {
                        if is(&name, CALDAV, "comp") {
                            if let Ok(Some(a)) = e.try_get_attribute("name") {
                                if let Ok(v) = a.unescape_value() {
                                    budget.keep(v.len())?;
                                    p.comp_names.push(v.into_owned());
                                }
                            }
                        }
                        if is(&name, DAV, "href") {
                            href_text.clear();
                        }
                        budget.keep(name_cost(&name))?;
                        p.elements.push(name.clone());
                    }
                }
                text.clear();
                if !empty {
                    stack.push(name);
                } else {
                    // An empty element: run its end handling right away.
                    stack.push(name);
                    budget.close();
                    end_element(
                        &mut stack,
                        &mut cur,
                        &mut prop,
                        &mut text,
                        &mut href_text,
                        &mut sync_token,
                        on_response,
                    )?;
                }
            }
            Event::End(_) => {
                budget.close();
                end_element(
                    &mut stack,
                    &mut cur,
                    &mut prop,
                    &mut text,
                    &mut href_text,
                    &mut sync_token,
                    on_response,
                )?;
            }
            Event::Text(ref t) => {
                budget.keep(2 * t.len())?;
                match t.xml10_content() {
                    Ok(s) => push_text(&s, &mut text, &mut href_text, &mut prop, &stack),
                    Err(e) => undecodable_text(t, e, &mut text, &mut href_text, &mut prop, &stack)?,
                }
            }
            Event::CData(ref c) => {
                budget.keep(2 * c.len())?;
                match c.decode() {
                    Ok(s) => push_text(&s, &mut text, &mut href_text, &mut prop, &stack),
                    Err(e) => undecodable_text(c, e, &mut text, &mut href_text, &mut prop, &stack)?,
                }
            }
            Event::GeneralRef(ref r) => {
                let s: String = if let Some(c) = r.resolve_char_ref().map_err(xml_err)? {
                    c.to_string()
                } else {
                    let n = r.decode().map_err(xml_err)?;
                    quick_xml::escape::resolve_predefined_entity(&n)
                        .ok_or_else(|| Error::Protocol(format!("unknown XML entity &{n};")))?
                        .to_string()
                };
                budget.keep(2 * s.len())?;
                push_text(&s, &mut text, &mut href_text, &mut prop, &stack);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(Error::Protocol(
            "empty response where a DAV:multistatus was expected".into(),
        ));
    }
    if !stack.is_empty() {
        return Err(Error::Protocol("truncated multistatus body".into()));
    }
    Ok(sync_token)
}

/// Text that is not UTF-8: inside a property value (a calendar-data, a display name) it
/// spoils that value only, marked [`PropValue::undecodable`]; anywhere else (an href, a
/// status) the body is unusable.
fn undecodable_text(
    raw: &[u8],
    e: impl std::fmt::Display,
    text: &mut String,
    href_text: &mut String,
    prop: &mut Option<(Name, PropValue)>,
    stack: &[Name],
) -> Result<()> {
    match prop.as_mut() {
        Some((_, p)) if !stack.last().is_some_and(|n| is(n, DAV, "href")) => {
            p.undecodable = true;
            let lossy = String::from_utf8_lossy(raw);
            push_text(&lossy, text, href_text, prop, stack);
            Ok(())
        }
        _ => Err(xml_err(e)),
    }
}

fn push_text(
    s: &str,
    text: &mut String,
    href_text: &mut String,
    prop: &mut Option<(Name, PropValue)>,
    stack: &[Name],
) {
    if let Some((_, p)) = prop.as_mut() {
        p.text.push_str(s);
        if stack.last().is_some_and(|n| is(n, DAV, "href")) {
            href_text.push_str(s);
        }
    } else {
        text.push_str(s);
    }
}

/// The response being read: its current propstat's properties and status.
#[derive(Default)]
struct Current {
    response: Option<DavResponse>,
    ps_props: Vec<(Name, PropValue)>,
    ps_status: Option<u16>,
}

fn end_element(
    stack: &mut Vec<Name>,
    cur: &mut Current,
    prop: &mut Option<(Name, PropValue)>,
    text: &mut String,
    href_text: &mut String,
    sync_token: &mut Option<String>,
    on_response: &mut dyn FnMut(DavResponse) -> Result<()>,
) -> Result<()> {
    let Current {
        response,
        ps_props,
        ps_status,
    } = cur;
    let Some(name) = stack.pop() else {
        return Ok(());
    };
    let depth = stack.len(); // depth of the element that just ended
    let in_response = depth >= 2 && is(&stack[1], DAV, "response");
    if depth == 1 && is(&name, DAV, "sync-token") {
        let t = text.trim();
        if !t.is_empty() {
            *sync_token = Some(t.to_string());
        }
    } else if depth == 1 && is(&name, DAV, "response") {
        if let Some(r) = response.take() {
            if r.href.is_empty() {
                return Err(Error::Protocol("a DAV:response without an href".into()));
            }
            on_response(r)?;
        }
    } else if depth == 2 && in_response {
        if let Some(r) = response.as_mut() {
            if is(&name, DAV, "href") {
                let h = text.trim().to_string();
                if r.href.is_empty() {
                    r.href = h;
                } else {
                    r.extra_hrefs.push(h);
                }
            } else if is(&name, DAV, "status") {
                r.status = parse_status_line(text.trim());
            } else if is(&name, DAV, "propstat") {
                let ok = ps_status.is_none_or(|s| (200..300).contains(&s));
                for (n, v) in ps_props.drain(..) {
                    if ok {
                        r.props.push((n, v));
                    } else {
                        r.missing.push((n, ps_status.unwrap_or(0)));
                    }
                }
            }
        }
    } else if depth == 3 && in_response && is(&stack[2], DAV, "propstat") {
        if is(&name, DAV, "status") {
            *ps_status = parse_status_line(text.trim());
        }
    } else if depth == 4 && in_response && is(&stack[3], DAV, "prop") {
        if let Some(p) = prop.take() {
            ps_props.push(p);
        }
    } else if depth > 4 && is(&name, DAV, "href") {
        if let Some((_, p)) = prop.as_mut() {
            p.hrefs.push(href_text.trim().to_string());
            href_text.clear();
        }
    }
    text.clear();
    Ok(())
}

/// Parses a whole multistatus into a vector (for small bodies: PROPFIND answers). What all
/// responses keep together is bounded by [`XmlLimits::DAV`]'s bytes per response too.
pub fn parse_all(body: &[u8]) -> Result<(Vec<DavResponse>, Option<String>)> {
    let mut out = Vec::new();
    let mut kept = 0usize;
    let token = parse_multistatus(body, &mut |r| {
        kept = kept.saturating_add(kept_size(&r));
        if kept > XmlLimits::DAV.max_kept_bytes {
            return Err(Error::Protocol(format!(
                "multistatus: more than {} bytes kept",
                XmlLimits::DAV.max_kept_bytes
            )));
        }
        out.push(r);
        Ok(())
    })?;
    Ok((out, token))
}

/// About how many bytes a parsed response holds.
fn kept_size(r: &DavResponse) -> usize {
    let strings = |v: &[String]| v.iter().map(|s| s.len() + 24).sum::<usize>();
    let names = |v: &[Name]| v.iter().map(name_cost).sum::<usize>();
    std::mem::size_of::<DavResponse>()
        + r.href.len()
        + strings(&r.extra_hrefs)
        + r.props
            .iter()
            .map(|(n, v)| {
                name_cost(n)
                    + std::mem::size_of::<PropValue>()
                    + v.text.len()
                    + strings(&v.hrefs)
                    + names(&v.elements)
                    + strings(&v.comp_names)
            })
            .sum::<usize>()
        + r.missing
            .iter()
            .map(|(n, _)| name_cost(n) + 8)
            .sum::<usize>()
}

/// What a `DAV:error` body says: the precondition elements it names, and the hrefs inside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DavError {
    /// Every element inside `DAV:error`.
    pub conditions: Vec<Name>,
    /// Every `DAV:href` text inside.
    pub hrefs: Vec<String>,
}

impl DavError {
    /// Whether the body names precondition `ns`:`local`.
    pub fn has(&self, ns: &str, local: &str) -> bool {
        self.conditions.iter().any(|n| is(n, ns, local))
    }
}

/// Reads a `DAV:error` body leniently: `None` when the body is not XML or not an error.
pub fn parse_error_body(body: &[u8]) -> Option<DavError> {
    let mut budget = Budget::new(XmlLimits::DAV, "DAV:error");
    let mut reader = NsReader::from_reader(body);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut out = DavError::default();
    let mut saw_root = false;
    let mut in_href = false;
    let mut href = String::new();
    loop {
        let (ns, event) = reader.read_resolved_event_into(&mut buf).ok()?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                budget.depth(depth).ok()?;
                budget.open_tag(e).ok()?;
                if matches!(event, Event::Empty(_)) {
                    budget.close();
                }
                budget.element().ok()?;
                let name = name_of(&ns, e.local_name().as_ref());
                budget.keep(name_cost(&name)).ok()?;
                if depth == 0 {
                    if !is(&name, DAV, "error") {
                        return None;
                    }
                    saw_root = true;
                }
                if depth > 0 {
                    if is(&name, DAV, "href") && matches!(event, Event::Start(_)) {
                        in_href = true;
                        href.clear();
                    }
                    out.conditions.push(name);
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => {
                budget.close();
                if in_href {
                    out.hrefs.push(href.trim().to_string());
                    in_href = false;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(ref t) if in_href => {
                let s = t.xml10_content().ok()?;
                budget.keep(s.len()).ok()?;
                href.push_str(&s);
            }
            Event::GeneralRef(ref r) if in_href => {
                let n = r.decode().ok()?;
                if let Some(c) = r.resolve_char_ref().ok()? {
                    href.push(c);
                } else {
                    href.push_str(quick_xml::escape::resolve_predefined_entity(&n)?);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return None;
    }
    Some(out)
}

/// Escapes text for inclusion in an XML element or attribute.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/caldav/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(parse_status_line(" HTTP/1.0 404 Not Found "), Some(404));
        assert_eq!(parse_status_line("507"), Some(507));
        assert_eq!(parse_status_line("garbage"), None);
    }

    #[test]
    fn radicale_propfind_depth1() {
        let (rs, token) = parse_all(&fixture("radicale-propfind-home.xml")).unwrap();
        assert_eq!(token, None);
        assert_eq!(rs.len(), 3);
        assert_eq!(rs[0].href, "/test/");
        let cal = &rs[1];
        assert_eq!(cal.href, "/test/cal/");
        let rt = cal.prop(DAV, "resourcetype").unwrap();
        assert!(rt.has_element(CALDAV, "calendar"));
        assert_eq!(
            cal.prop_text(DAV, "displayname").as_deref(),
            Some("Work & play")
        );
        assert_eq!(
            cal.prop_text(ICAL, "calendar-color").as_deref(),
            Some("#ff0000ff")
        );
        let comps = &cal
            .prop(CALDAV, "supported-calendar-component-set")
            .unwrap()
            .comp_names;
        assert_eq!(comps, &["VEVENT", "VJOURNAL", "VTODO"]);
        assert!(cal
            .prop(DAV, "supported-report-set")
            .unwrap()
            .has_element(DAV, "sync-collection"));
        assert!(cal
            .missing
            .iter()
            .any(|((_, l), s)| l == "getctag" && *s == 404));
        assert_eq!(rs[2].href, "/test/tasks/");
    }

    #[test]
    fn xandikos_sync_token_after_responses_and_default_namespace() {
        let mut seen = Vec::new();
        let token = parse_multistatus(&fixture("xandikos-sync.xml"), &mut |r| {
            seen.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(token.as_deref(), Some("http://xandikos.example/sync/42"));
        assert_eq!(seen.len(), 3);
        assert_eq!(
            seen[0].prop_text(DAV, "getetag").as_deref(),
            Some("\"abc\"")
        );
        assert_eq!(seen[2].status, Some(404));
        assert!(seen[2].props.is_empty());
    }

    #[test]
    fn nextcloud_prefixes_full_urls_and_404_propstat() {
        let (rs, token) = parse_all(&fixture("nextcloud-multiget.xml")).unwrap();
        assert_eq!(token, None);
        assert_eq!(rs.len(), 2);
        assert_eq!(
            rs[0].href,
            "https://cloud.example.org/remote.php/dav/calendars/alice/personal/a%20b.ics"
        );
        let ics = rs[0].prop_text(CALDAV, "calendar-data").unwrap();
        assert!(ics.starts_with("BEGIN:VCALENDAR"));
        assert!(ics.contains("SUMMARY:Tom & Jerry <3"));
        assert!(ics.contains("\r\n"), "char refs for CR are kept");
        assert_eq!(rs[1].missing.len(), 2);
        assert!(rs[1].props.is_empty());
    }

    #[test]
    fn zimbra_ctag_and_cdata() {
        let (rs, _) = parse_all(&fixture("zimbra-calendar-query.xml")).unwrap();
        assert_eq!(rs.len(), 3);
        assert_eq!(rs[0].href, "/dav/alice@uni.edu/Calendar/");
        assert_eq!(rs[0].prop_text(CS, "getctag").as_deref(), Some("1234"));
        assert_eq!(rs[1].prop_text(DAV, "getetag").as_deref(), Some("\"7-7\""));
        assert!(rs[2]
            .prop_text(CALDAV, "calendar-data")
            .unwrap()
            .contains("UID:a/b"));
    }

    #[test]
    fn streaming_stops_on_callback_error() {
        let mut n = 0;
        let e = parse_multistatus(&fixture("xandikos-sync.xml"), &mut |_| {
            n += 1;
            Err(Error::Interrupted)
        })
        .unwrap_err();
        assert!(matches!(e, Error::Interrupted));
        assert_eq!(n, 1);
    }

    #[test]
    fn malformed_bodies_are_protocol_errors() {
        for body in [
            &b""[..],
            b"<html><body>Login</body></html>",
            b"<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>/x</D:href>",
            b"<D:multistatus xmlns:D=\"DAV:\"><D:response></D:wrong></D:multistatus>",
            b"not xml at all",
            b"<multistatus><response><href>/x</href></response></multistatus>",
        ] {
            let e = parse_all(body).unwrap_err();
            assert!(matches!(e, Error::Protocol(_)), "{e:?}");
        }
        let e = parse_all(&fixture("malformed.xml")).unwrap_err();
        assert!(matches!(e, Error::Protocol(_)), "{e:?}");
    }

    #[test]
    fn error_bodies() {
        let b = br#"<?xml version="1.0"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict><D:href>/dav/a%40b/Calendar/x.ics</D:href></C:no-uid-conflict></D:error>"#;
        let e = parse_error_body(b).unwrap();
        assert!(e.has(CALDAV, "no-uid-conflict"));
        assert_eq!(e.hrefs, ["/dav/a%40b/Calendar/x.ics"]);
        let e = parse_error_body(br#"<error xmlns="DAV:"><valid-sync-token/></error>"#).unwrap();
        assert!(e.has(DAV, "valid-sync-token"));
        assert!(parse_error_body(b"<html/>").is_none());
        assert!(parse_error_body(b"oops").is_none());
    }

    #[test]
    fn bytes_that_are_not_utf8_spoil_one_value_only() {
        let mut body =
            b"<d:multistatus xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">\
            <d:response><d:href>/c/a.ics</d:href><d:propstat><d:prop><d:getetag>\"1\"</d:getetag>\
            <c:calendar-data>BEGIN:VCALENDAR\r\nSUMMARY:"
                .to_vec();
        body.extend_from_slice(b"\xff\xfe");
        body.extend_from_slice(
            b"\r\nEND:VCALENDAR\r\n</c:calendar-data></d:prop></d:propstat></d:response>\
            <d:response><d:href>/c/b.ics</d:href><d:propstat><d:prop>\
            <c:calendar-data>BEGIN:VCALENDAR</c:calendar-data></d:prop></d:propstat></d:response>\
            </d:multistatus>",
        );
        let (rs, _) = parse_all(&body).unwrap();
        assert_eq!(rs.len(), 2);
        assert!(rs[0].prop(CALDAV, "calendar-data").unwrap().undecodable);
        assert_eq!(rs[0].prop_text(DAV, "getetag").as_deref(), Some("\"1\""));
        assert!(!rs[1].prop(CALDAV, "calendar-data").unwrap().undecodable);
        // In an href it leaves nothing to go on: the body is an error.
        let bad = b"<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/\xff</d:href>\
            </d:response></d:multistatus>";
        assert!(parse_all(bad).is_err());
    }

    /// A reader that gives at most `step` bytes per read, as a slow network does.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Every response and the token, or the error's text.
    fn parsed_whole(
        body: &[u8],
    ) -> std::result::Result<(Vec<DavResponse>, Option<String>), String> {
        let mut out = Vec::new();
        parse_multistatus(body, &mut |r| {
            out.push(r);
            Ok(())
        })
        .map(|t| (out, t))
        .map_err(|e| e.to_string())
    }

    /// The same through a buffered reader of `capacity` bytes over reads of `step` bytes.
    fn parsed_streamed(
        body: &[u8],
        capacity: usize,
        step: usize,
    ) -> std::result::Result<(Vec<DavResponse>, Option<String>), String> {
        let reader = std::io::BufReader::with_capacity(capacity, Trickle { data: body, step });
        let mut out = Vec::new();
        parse_multistatus_from(reader, &mut |r| {
            out.push(r);
            Ok(())
        })
        .map(|t| (out, t))
        .map_err(|e| e.to_string())
    }

    const FIXTURES: [&str; 5] = [
        "radicale-propfind-home.xml",
        "xandikos-sync.xml",
        "nextcloud-multiget.xml",
        "zimbra-calendar-query.xml",
        "malformed.xml",
    ];

    #[test]
    fn streamed_bodies_give_the_same_responses_whatever_the_chunks() {
        for name in FIXTURES {
            let body = fixture(name);
            let whole = parsed_whole(&body);
            if name != "malformed.xml" {
                let (responses, _) = whole.as_ref().expect(name);
                assert!(!responses.is_empty(), "{name}");
            }
            for (capacity, step) in [(1, 1), (2, 1), (7, 3), (16, 64), (64, 5), (8192, 8192)] {
                assert_eq!(
                    parsed_streamed(&body, capacity, step),
                    whole,
                    "{name} in reads of {step} bytes, buffer {capacity}"
                );
            }
        }
    }

    #[test]
    fn streamed_truncated_bodies_are_errors() {
        for name in FIXTURES {
            let body = fixture(name);
            let end = body
                .windows(b"multistatus>".len())
                .rposition(|w| w == b"multistatus>")
                .map_or(body.len(), |i| i + b"multistatus>".len());
            // Any cut before the root's end tag is complete.
            for cut in (0..end).step_by(3) {
                let e = parsed_streamed(&body[..cut], 8, 5).expect_err(name);
                assert_eq!(
                    Err(e),
                    parsed_whole(&body[..cut]).map(|_| ()),
                    "{name} cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn streamed_garbage_fails_as_the_whole_parse_does() {
        // Bodies made of fixture pieces, markup and random bytes: the stream and the slice
        // agree on every one, and neither panics.
        let pieces: Vec<Vec<u8>> = FIXTURES.iter().map(|n| fixture(n)).collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let tokens: [&[u8]; 8] = [
            b"<d:response>",
            b"</d:response>",
            b"<d:href>/c/x.ics</d:href>",
            b"&amp;",
            b"<![CDATA[x]]>",
            b"\xff",
            b"<d:multistatus xmlns:d=\"DAV:\">",
            b"</d:multistatus>",
        ];
        let mut failed = 0;
        for _ in 0..400 {
            let piece = &pieces[(next() % pieces.len() as u64) as usize];
            let mut body = piece.clone();
            for _ in 0..(next() % 4) {
                let at = (next() % (body.len() as u64 + 1)) as usize;
                match next() % 3 {
                    0 => {
                        let t = tokens[(next() % tokens.len() as u64) as usize];
                        body.splice(at..at, t.iter().copied());
                    }
                    1 => body.truncate(at),
                    _ => {
                        if at < body.len() {
                            body[at] = next() as u8;
                        }
                    }
                }
            }
            let whole = parsed_whole(&body);
            failed += usize::from(whole.is_err());
            assert_eq!(parsed_streamed(&body, 5, 3), whole);
        }
        assert!(failed > 0, "the garbage was all valid");
    }
}
