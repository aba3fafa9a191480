//! Tests of the engine below any front end: each module against the in-memory device
//! calendar, and the CalDAV driver against a fake calendar collection on 127.0.0.1.

mod apply;
mod backup;
mod caldav;
mod detect;
mod fake_caldav;
mod fake_syncml;
mod syncml;

use crate::model::Event;
use crate::store::{Account, AccountSettings, Protocol, SqliteStore};
use crate::testing::conformance::event;
use std::collections::BTreeSet;

/// An account named `t` in a new store, syncing the calendar at `calendar_url`.
fn store_with_account(server_url: &str, calendar_url: &str) -> (SqliteStore, Account) {
    let store = SqliteStore::open_in_memory().unwrap();
    let mut account = Account {
        id: 0,
        name: "t".into(),
        protocol: Protocol::CalDav,
        server_url: server_url.into(),
        username: "u".into(),
        local: "memory".into(),
        past_days: None,
        settings: AccountSettings {
            allow_insecure_http: true,
            ..AccountSettings::default()
        },
    };
    account.id = store
        .read()
        .add_account(&account, Some(calendar_url))
        .unwrap();
    (store, account)
}

/// An event on 10 March 2025 with this UID and summary, as iCalendar.
fn ics(uid: &str, summary: &str) -> String {
    crate::ical::event_to_ics(&event(uid, summary))
}

/// The summaries of these events, sorted.
fn summaries<'a>(events: impl IntoIterator<Item = &'a Event>) -> BTreeSet<String> {
    events
        .into_iter()
        .filter_map(|e| e.summary.clone())
        .collect()
}

/// The summaries of these iCalendar objects, sorted.
fn ics_summaries(items: &[String]) -> BTreeSet<String> {
    let events: Vec<Event> = items
        .iter()
        .map(|i| crate::ical::ics_to_event(i).unwrap())
        .collect();
    summaries(&events)
}

/// A sorted set of these words.
fn set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| w.to_string()).collect()
}
