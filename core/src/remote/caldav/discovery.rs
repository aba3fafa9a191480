//! Finding the calendars of an account from a server URL: current-user-principal (on the
//! URL, `/.well-known/caldav`, then `/`), calendar-home-set, then the home's collections.

use log::{debug, info};
use url::Url;

use super::xml::{self, DavResponse, CALDAV, DAV, ICAL};
use super::{collection_url, href_key, parse_url, CalDavClient, CalendarInfo};
use crate::error::{Error, Result};

/// Properties asked on the start URL: enough to recognise a calendar, a home or a principal.
const PROPFIND_START: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:i="http://apple.com/ns/ical/">
<d:prop><d:resourcetype/><d:current-user-principal/><c:calendar-home-set/><d:displayname/><i:calendar-color/><c:supported-calendar-component-set/><d:current-user-privilege-set/><d:supported-report-set/></d:prop>
</d:propfind>"#;

const PROPFIND_PRINCIPAL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#;

const PROPFIND_HOME: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-home-set/></d:prop></d:propfind>"#;

const PROPFIND_CALENDARS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:i="http://apple.com/ns/ical/">
<d:prop><d:resourcetype/><d:displayname/><i:calendar-color/><c:supported-calendar-component-set/><d:current-user-privilege-set/><d:supported-report-set/></d:prop>
</d:propfind>"#;

impl CalDavClient {
    /// Finds the calendars reachable from `url` (a bare server URL, a principal, a calendar
    /// home or a calendar). A calendar URL gives just that calendar. Calendars that can hold
    /// events come first.
    pub fn discover(&mut self, url: &str) -> Result<Vec<CalendarInfo>> {
        let start = collection_url(url)?;
        self.remember(&start);

        let mut homes: Vec<Url> = Vec::new();
        let mut principal: Option<Url> = None;
        let mut start_is_collection = false;

        if let Some((r, base)) = self.propfind_depth0(&start, PROPFIND_START)? {
            if is_calendar(&r) {
                info!("discovery: the given URL is a calendar");
                return Ok(vec![calendar_info(&r, &base)?]);
            }
            homes = hrefs_of(&r, CALDAV, "calendar-home-set", &base);
            principal = hrefs_of(&r, DAV, "current-user-principal", &base)
                .into_iter()
                .next();
            start_is_collection = r
                .prop(DAV, "resourcetype")
                .is_some_and(|p| p.has_element(DAV, "collection"));
        }

        if homes.is_empty() && principal.is_none() {
            for path in ["/.well-known/caldav", "/"] {
                let candidate = start
                    .join(path)
                    .map_err(|_| Error::Config("invalid server URL".into()))?;
                if let Some((r, base)) = self.propfind_depth0(&candidate, PROPFIND_PRINCIPAL)? {
                    principal = hrefs_of(&r, DAV, "current-user-principal", &base)
                        .into_iter()
                        .next();
                    if principal.is_some() {
                        break;
                    }
                }
            }
        }

        if homes.is_empty() {
            if let Some(p) = &principal {
                debug!("discovery: principal {}", p.path());
                if let Some((r, base)) = self.propfind_depth0(p, PROPFIND_HOME)? {
                    homes = hrefs_of(&r, CALDAV, "calendar-home-set", &base);
                }
            }
        }

        if homes.is_empty() {
            if start_is_collection {
                // No principal support: list the given collection itself.
                homes.push(start.clone());
            } else {
                return Err(Error::Protocol(
                    "no CalDAV calendar home found at this URL".into(),
                ));
            }
        }

        let mut found: Vec<CalendarInfo> = Vec::new();
        for home in homes {
            debug!("discovery: home {}", home.path());
            let home = collection_url(home.as_str())?;
            let resp = self.propfind(&home, "1", PROPFIND_CALENDARS)?;
            let base = parse_url(&resp.url)?;
            let (responses, _) = xml::parse_all(&resp.body)?;
            for r in responses.iter().filter(|r| is_calendar(r)) {
                let info = calendar_info(r, &base)?;
                if !found.iter().any(|f| same_url(&f.url, &info.url)) {
                    found.push(info);
                }
            }
        }
        // Calendars that hold events first; otherwise keep the server's order.
        found.sort_by_key(|c| {
            !(c.components.is_empty() || c.components.iter().any(|x| x == "VEVENT"))
        });
        info!("discovery: {} calendars", found.len());
        Ok(found)
    }

    /// PROPFIND Depth:0, returning the response about the URL itself and the final URL, or
    /// `None` when the server does not answer with a multistatus (404, 405, 403, ...).
    fn propfind_depth0(&mut self, url: &Url, body: &str) -> Result<Option<(DavResponse, Url)>> {
        let resp = self.http.request(
            "PROPFIND",
            url.as_str(),
            &[
                ("Depth", "0"),
                ("Content-Type", "application/xml; charset=utf-8"),
            ],
            Some(body.as_bytes()),
        )?;
        if resp.status != 207 {
            debug!("discovery: PROPFIND {} -> {}", url.path(), resp.status);
            return Ok(None);
        }
        let base = parse_url(&resp.url)?;
        let (responses, _) = match xml::parse_all(&resp.body) {
            Ok(x) => x,
            Err(e) => {
                debug!("discovery: unusable answer from {}: {e}", url.path());
                return Ok(None);
            }
        };
        let key = href_key(&base, base.path());
        let pick = responses
            .iter()
            .position(|r| href_key(&base, &r.href) == key)
            .unwrap_or(0);
        Ok(responses.into_iter().nth(pick).map(|r| (r, base)))
    }
}

fn is_calendar(r: &DavResponse) -> bool {
    r.prop(DAV, "resourcetype")
        .is_some_and(|p| p.has_element(CALDAV, "calendar"))
}

fn hrefs_of(r: &DavResponse, ns: &str, local: &str, base: &Url) -> Vec<Url> {
    r.prop(ns, local)
        .map(|p| {
            p.hrefs
                .iter()
                .filter(|h| !h.is_empty())
                .filter_map(|h| base.join(h).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn same_url(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(ua), Ok(ub)) => ua.origin() == ub.origin() && href_key(&ua, a) == href_key(&ua, b),
        _ => a == b,
    }
}

/// Builds a [`CalendarInfo`] from a PROPFIND response about a calendar collection.
pub(crate) fn calendar_info(r: &DavResponse, base: &Url) -> Result<CalendarInfo> {
    let url = base
        .join(&r.href)
        .map_err(|_| Error::Protocol("invalid calendar href".into()))?;
    let url = collection_url(url.as_str())?;
    let read_only = r.prop(DAV, "current-user-privilege-set").is_some_and(|p| {
        !(p.has_element(DAV, "write")
            || p.has_element(DAV, "write-content")
            || p.has_element(DAV, "all"))
    });
    let components = r
        .prop(CALDAV, "supported-calendar-component-set")
        .map(|p| {
            p.comp_names
                .iter()
                .map(|c| c.to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    let supports_sync_collection = r
        .prop(DAV, "supported-report-set")
        .is_some_and(|p| p.has_element(DAV, "sync-collection"));
    Ok(CalendarInfo {
        url: url.to_string(),
        display_name: r.prop_text(DAV, "displayname"),
        color: r.prop_text(ICAL, "calendar-color"),
        read_only,
        components,
        supports_sync_collection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_infos_from_radicale_fixture() {
        let body = std::fs::read(format!(
            "{}/tests/fixtures/caldav/radicale-propfind-home.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let base = Url::parse("http://127.0.0.1:5232/test/").unwrap();
        let (rs, _) = xml::parse_all(&body).unwrap();
        let cals: Vec<_> = rs
            .iter()
            .filter(|r| is_calendar(r))
            .map(|r| calendar_info(r, &base).unwrap())
            .collect();
        assert_eq!(cals.len(), 2);
        assert_eq!(cals[0].url, "http://127.0.0.1:5232/test/cal/");
        assert_eq!(cals[0].display_name.as_deref(), Some("Work & play"));
        assert!(!cals[0].read_only);
        assert!(cals[0].supports_sync_collection);
        assert_eq!(cals[1].components, ["VTODO"]);
        assert!(!cals[1].supports_sync_collection);
    }
}
