//! Pairing by content: events new on both sides that did not pair by UID (a phone calendar
//! filled before the first sync, a re-installed app whose store is gone) are paired when
//! their summary, start, end, all-day flag and recurrence agree, instead of being copied
//! across as duplicates. Events that are duplicates within one side are reported and stay
//! as many as they were.

use super::detect::DeviceEvent;
use super::plan::{Action, ServerItem};
use crate::ical;
use crate::model::{Event, EventTime};
use std::collections::{HashMap, HashSet, VecDeque};

/// What identifies an event for pairing: normalised summary, start, end, all-day and
/// recurrence rule.
pub fn content_key(event: &Event) -> String {
    let time = |t: &EventTime| match t {
        EventTime::Date(d) => d.format("%Y%m%d").to_string(),
        other => ical::to_utc(other)
            .map(|u| u.format("%Y%m%dT%H%M%SZ").to_string())
            .unwrap_or_else(|| format!("{other:?}")),
    };
    let summary = event
        .summary
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let end = event.end.as_ref().map(time).unwrap_or_default();
    let rrule = event
        .recurrence
        .as_ref()
        .and_then(|r| r.rrule.as_deref())
        .map(|r| {
            let mut parts: Vec<&str> = r.split(';').collect();
            parts.sort_unstable();
            parts.join(";").to_uppercase()
        })
        .unwrap_or_default();
    format!(
        "{summary}\u{1f}{}\u{1f}{end}\u{1f}{}\u{1f}{rrule}",
        time(&event.start),
        event.start.is_all_day()
    )
}

/// Whether a device event paired by [`content_key`] with a server event (an `Adopt`) says
/// anything the server's does not: compared under the server's UID, since another UID is
/// what such a pair has by definition. Only then is the device's version kept as a conflict
/// copy when the server's replaces it.
pub fn adopted_copy_differs(device: &DeviceEvent, item: &ServerItem) -> bool {
    if device.event.uid == item.uid {
        return device.fp != item.event_fp;
    }
    let mut event = (*device.event).clone();
    event.uid = item.uid.clone();
    ical::event_fingerprint(&event) != item.event_fp
}

/// Replaces pairs of `CreateOnDevice` / `CreateOnServer` (new on both sides) that have the
/// same [`content_key`] by one `Adopt`. Returns warnings about duplicates within a side.
pub fn pair_by_content(actions: Vec<Action>) -> (Vec<Action>, Vec<String>) {
    let mut out = actions;
    // Each new server item's key, computed here where the download did not; an item left
    // without one cannot be read and stays a creation.
    for a in out.iter_mut() {
        if let Action::CreateOnDevice { row: None, item } = a {
            if item.pair_key.is_none() {
                item.pair_key = item.event().ok().map(|e| content_key(&e));
            }
        }
    }
    let device_keys: Vec<String> = out
        .iter()
        .filter_map(|a| match a {
            Action::CreateOnServer { row: None, device } => Some(content_key(&device.event)),
            _ => None,
        })
        .collect();
    let server_keys = out.iter().filter_map(|a| match a {
        Action::CreateOnDevice { row: None, item } => item.pair_key.as_ref(),
        _ => None,
    });
    let warnings = duplicate_warnings(server_keys, device_keys.iter());
    if device_keys.is_empty() {
        // Nothing new on the device (a first download into an empty calendar): the plan
        // stays as it is, without moving an action.
        return (out, warnings);
    }
    // The creations are taken out of the plan, which then takes the result back: no second
    // vector of actions.
    let mut from_server: Vec<(String, ServerItem)> = Vec::new();
    let mut from_device: Vec<(String, DeviceEvent)> = Vec::with_capacity(device_keys.len());
    let mut unreadable: Vec<ServerItem> = Vec::new();
    let mut device_keys = device_keys.into_iter();
    let taken = out.extract_if(.., |a| {
        matches!(
            a,
            Action::CreateOnDevice { row: None, .. } | Action::CreateOnServer { row: None, .. }
        )
    });
    for a in taken {
        match a {
            // Taken, not copied: pairing is the key's last use.
            Action::CreateOnDevice {
                row: None,
                mut item,
            } => match item.pair_key.take() {
                Some(key) => from_server.push((key, item)),
                None => unreadable.push(item),
            },
            Action::CreateOnServer { row: None, device } => {
                // In the order they were computed above.
                let key = device_keys
                    .next()
                    .unwrap_or_else(|| content_key(&device.event));
                from_device.push((key, device))
            }
            _ => {}
        }
    }
    for item in unreadable {
        out.push(Action::CreateOnDevice { row: None, item });
    }
    // Only server items that a device event could pair with go into the map (a first
    // download into an empty calendar puts none there, and holds no queue per event).
    let device_keys: HashSet<&str> = from_device.iter().map(|(k, _)| k.as_str()).collect();
    let mut server_by_key: HashMap<String, VecDeque<ServerItem>> = HashMap::new();
    let mut unpaired: Vec<ServerItem> = Vec::new();
    for (k, item) in from_server {
        if device_keys.contains(k.as_str()) {
            server_by_key.entry(k).or_default().push_back(item);
        } else {
            unpaired.push(item);
        }
    }
    drop(device_keys);
    for (k, device) in from_device {
        match server_by_key.get_mut(&k).and_then(VecDeque::pop_front) {
            Some(item) => out.push(Action::Adopt { device, item }),
            None => out.push(Action::CreateOnServer { row: None, device }),
        }
    }
    for item in server_by_key.into_values().flatten().chain(unpaired) {
        out.push(Action::CreateOnDevice { row: None, item });
    }
    (out, warnings)
}

/// Warnings about events that are duplicates within one side (the same key more than once).
fn duplicate_warnings<'k>(
    server: impl Iterator<Item = &'k String>,
    device: impl Iterator<Item = &'k String>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for (side, keys) in [
        ("server", server.collect::<Vec<_>>()),
        ("local calendar", device.collect()),
    ] {
        let mut count: HashMap<&String, usize> = HashMap::new();
        for k in keys {
            *count.entry(k).or_default() += 1;
        }
        let dups: usize = count.values().filter(|&&n| n > 1).map(|n| n - 1).sum();
        if dups > 0 {
            warnings.push(format!(
                "the {side} holds {dups} duplicate event(s) (same title and time, another UID): \
                 they are kept as they are, not multiplied"
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::DeviceEntry;
    use crate::model::{Etag, Href, Uid};

    fn ics(uid: &str, summary: &str, start: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
             DTSTAMP:20250101T000000Z\r\nDTSTART:{start}\r\nDTEND:20251005T100000Z\r\n\
             SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    fn server(uid: &str, summary: &str, start: &str) -> Action {
        Action::CreateOnDevice {
            row: None,
            item: ServerItem {
                href: Href::new(format!("/c/{uid}.ics")),
                etag: Etag::new("1"),
                ics: ics(uid, summary, start).into(),
                uid: Uid::new(uid),
                fp: uid.into(),
                event_fp: uid.into(),
                event: None,
                pair_key: None,
            },
        }
    }

    fn device(uid: &str, summary: &str, start: &str) -> Action {
        let event = ical::ics_to_event(&ics(uid, summary, start)).unwrap();
        Action::CreateOnServer {
            row: None,
            device: DeviceEvent {
                entry: DeviceEntry {
                    id: format!("{uid}.ics"),
                    version: "1".into(),
                },
                fp: ical::event_fingerprint(&event),
                event: Box::new(event),
            },
        }
    }

    /// A server item whose fingerprints are those of its text, as a download makes them.
    fn downloaded(uid: &str, summary: &str, start: &str) -> ServerItem {
        let text = ics(uid, summary, start);
        let event = ical::ics_to_event(&text).unwrap();
        ServerItem {
            href: Href::new(format!("/c/{uid}.ics")),
            etag: Etag::new("1"),
            fp: ical::fingerprint(&text).unwrap(),
            event_fp: ical::event_fingerprint(&event),
            ics: text.into(),
            uid: Uid::new(uid),
            event: None,
            pair_key: None,
        }
    }

    fn device_event(action: Action) -> DeviceEvent {
        match action {
            Action::CreateOnServer { device, .. } => device,
            other => panic!("not a device event: {other:?}"),
        }
    }

    #[test]
    fn an_adopted_copy_differs_only_by_more_than_its_uid() {
        let item = downloaded("s1", "Cours", "20251005T090000Z");
        let same = device_event(device("phone-1", "Cours", "20251005T090000Z"));
        assert!(!adopted_copy_differs(&same, &item));
        let same_uid = device_event(device("s1", "Cours", "20251005T090000Z"));
        assert!(!adopted_copy_differs(&same_uid, &item));
        // Paired by normalised title: the phone's spelling is a difference worth keeping.
        let other_case = device_event(device("phone-1", "cours", "20251005T090000Z"));
        assert!(adopted_copy_differs(&other_case, &item));
        let mut more = device_event(device("phone-1", "Cours", "20251005T090000Z"));
        more.event.location = Some("Amphi B".into());
        more.fp = ical::event_fingerprint(&more.event);
        assert!(adopted_copy_differs(&more, &item));
    }

    #[test]
    fn same_title_and_time_pair_across_uids() {
        let (out, warnings) = pair_by_content(vec![
            server("s1", "Réunion  d'équipe", "20251005T090000Z"),
            device("d1", "réunion d'équipe", "20251005T090000Z"),
            server("s2", "Other", "20251006T090000Z"),
            device("d2", "Mine", "20251007T090000Z"),
        ]);
        assert!(warnings.is_empty());
        assert_eq!(
            out.iter()
                .filter(|a| matches!(a, Action::Adopt { .. }))
                .count(),
            1
        );
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn a_different_time_is_another_event() {
        let (out, _) = pair_by_content(vec![
            server("s1", "Cours", "20251005T090000Z"),
            device("d1", "Cours", "20251005T100000Z"),
        ]);
        assert!(!out.iter().any(|a| matches!(a, Action::Adopt { .. })));
    }

    #[test]
    fn duplicates_within_a_side_are_reported_not_multiplied() {
        let (out, warnings) = pair_by_content(vec![
            server("s1", "Cours", "20251005T090000Z"),
            device("d1", "Cours", "20251005T090000Z"),
            device("d2", "Cours", "20251005T090000Z"),
        ]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        // One pair, one copy of the device's own duplicate: two on each side, as on the
        // device before; never three.
        assert_eq!(
            out.iter()
                .filter(|a| matches!(a, Action::Adopt { .. }))
                .count(),
            1
        );
        assert_eq!(
            out.iter()
                .filter(|a| matches!(a, Action::CreateOnServer { .. }))
                .count(),
            1
        );
    }

    #[test]
    fn a_key_computed_at_download_pairs_without_the_event() {
        // A downloaded item keeps its key, not its event: pairing uses the key as it is.
        let event = ical::ics_to_event(&ics("s1", "Cours", "20251005T090000Z")).unwrap();
        let mut keyed = server("s1", "Cours", "20251005T090000Z");
        if let Action::CreateOnDevice { item, .. } = &mut keyed {
            item.pair_key = Some(content_key(&event));
            item.ics = "not read again".into();
        }
        let (out, _) = pair_by_content(vec![keyed, device("d1", "Cours", "20251005T090000Z")]);
        assert_eq!(out.len(), 1);
        assert!(matches!(out[0], Action::Adopt { .. }), "{out:?}");
    }
}
