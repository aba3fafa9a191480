//! Events that share a UID within one side, set aside before planning so that they never
//! block a sync: a second event on the device with the UID of one already synced (an
//! invitation imported twice, a calendar app that copies an event), or two new items of the
//! server with one UID. One of them is synced; the others stay where they are, untouched,
//! and the report says how many were set aside.

use std::collections::{HashMap, HashSet};

use super::detect::DeviceScan;
use super::plan::ServerScan;
use crate::model::Uid;
use crate::store::ItemRecord;

/// How many events each side held with a UID another event of that side already has.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SetAside {
    /// Device events left out of the sync (they stay on the device).
    pub device: usize,
    /// Server items left out of the sync (they stay on the server).
    pub server: usize,
}

impl SetAside {
    /// Warnings for the report, one per side that had duplicates.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.device > 0 {
            out.push(format!(
                "the local calendar holds {} event(s) with the UID of another event (a copy): \
                 kept on the device only, not sent to the server",
                self.device
            ));
        }
        if self.server > 0 {
            out.push(format!(
                "the server holds {} event(s) with the UID of another event: kept on the \
                 server only, not copied to the device",
                self.server
            ));
        }
        out
    }
}

/// Removes from the scans the new events whose UID is already taken on their side: by an
/// event the store pairs with that side (and that is still there), or by another new event
/// of that side (the one with the smaller id or href is kept).
pub fn set_aside(
    items: &[ItemRecord],
    device: &mut DeviceScan,
    server: &mut ServerScan,
) -> SetAside {
    if device.new.is_empty() && server.new.is_empty() {
        // Nothing new on either side: nothing to compare with the calendar's UIDs.
        return SetAside::default();
    }
    let device_gone: HashSet<i64> = device.deleted.iter().copied().collect();
    let on_device: HashSet<&Uid> = items
        .iter()
        .filter(|i| i.device_id.is_some() && !device_gone.contains(&i.id))
        .map(|i| &i.uid)
        .collect();
    let mut counts = SetAside::default();

    // Device: the smallest id of each new UID is the one synced.
    let mut first_new: HashMap<Uid, String> = HashMap::new();
    for d in &device.new {
        let slot = first_new
            .entry(d.event.uid.clone())
            .or_insert_with(|| d.entry.id.clone());
        if d.entry.id < *slot {
            *slot = d.entry.id.clone();
        }
    }
    let before = device.new.len();
    device.new.retain(|d| {
        first_new.get(&d.event.uid) == Some(&d.entry.id) && !on_device.contains(&d.event.uid)
    });
    counts.device = before - device.new.len();

    // Server: two new hrefs with one UID in one scan.
    let mut first_href: HashMap<&Uid, &str> = HashMap::new();
    for item in &server.new {
        let slot = first_href
            .entry(&item.uid)
            .or_insert_with(|| item.href.as_str());
        if item.href.as_str() < *slot {
            *slot = item.href.as_str();
        }
    }
    let keep: HashSet<String> = first_href.values().map(|h| h.to_string()).collect();
    let before = server.new.len();
    server.new.retain(|i| keep.contains(i.href.as_str()));
    counts.server = before - server.new.len();
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::DeviceEntry;
    use crate::model::{Etag, Event, EventTime, Href};
    use crate::sync::detect::DeviceEvent;
    use crate::sync::plan::ServerItem;

    fn row(id: i64, uid: &str, device_id: Option<&str>) -> ItemRecord {
        ItemRecord {
            id,
            calendar_id: 1,
            uid: Uid::new(uid),
            href: Some(Href::new(format!("/cal/{uid}.ics"))),
            etag: Some(Etag::new("1")),
            server_ics: None,
            server_fp: None,
            device_id: device_id.map(str::to_string),
            device_version: Some("1".into()),
            device_fp: None,
        }
    }

    fn dev(id: &str, uid: &str) -> DeviceEvent {
        let start = EventTime::Date(chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
        DeviceEvent {
            entry: DeviceEntry {
                id: id.into(),
                version: "1".into(),
            },
            event: Box::new(Event::new(uid, start)),
            fp: id.into(),
        }
    }

    fn srv(href: &str, uid: &str) -> ServerItem {
        ServerItem {
            href: Href::new(href),
            etag: Etag::new("1"),
            ics: String::new().into(),
            uid: Uid::new(uid),
            fp: href.into(),
            event_fp: href.into(),
            event: None,
            pair_key: None,
        }
    }

    fn ids(scan: &DeviceScan) -> Vec<&str> {
        scan.new.iter().map(|d| d.entry.id.as_str()).collect()
    }

    #[test]
    fn a_copy_of_a_synced_event_is_set_aside() {
        let items = [row(1, "a", Some("a.ics")), row(2, "b", None)];
        let mut device = DeviceScan {
            new: vec![dev("a-copy.ics", "a"), dev("b.ics", "b"), dev("c.ics", "c")],
            ..DeviceScan::default()
        };
        let mut server = ServerScan::default();
        let n = set_aside(&items, &mut device, &mut server);
        // b's row lacks its device side (an interrupted sync): b.ics is that side, not a copy.
        assert_eq!(ids(&device), ["b.ics", "c.ics"]);
        assert_eq!(
            n,
            SetAside {
                device: 1,
                server: 0
            }
        );
        assert_eq!(n.warnings().len(), 1);
    }

    #[test]
    fn the_original_deleted_lets_its_copy_through() {
        let items = [row(1, "a", Some("a.ics"))];
        let mut device = DeviceScan {
            new: vec![dev("a-copy.ics", "a")],
            deleted: vec![1],
            ..DeviceScan::default()
        };
        let n = set_aside(&items, &mut device, &mut ServerScan::default());
        assert_eq!(ids(&device), ["a-copy.ics"]);
        assert_eq!(n, SetAside::default());
        assert!(n.warnings().is_empty());
    }

    #[test]
    fn two_new_with_one_uid_keep_the_smallest_id_on_each_side() {
        let mut device = DeviceScan {
            new: vec![dev("z.ics", "x"), dev("m.ics", "x"), dev("q.ics", "y")],
            ..DeviceScan::default()
        };
        let mut server = ServerScan {
            new: vec![
                srv("/cal/2.ics", "x"),
                srv("/cal/1.ics", "x"),
                srv("/cal/3.ics", "w"),
            ],
            ..ServerScan::default()
        };
        let n = set_aside(&[], &mut device, &mut server);
        assert_eq!(ids(&device), ["m.ics", "q.ics"]);
        let hrefs: Vec<&str> = server.new.iter().map(|i| i.href.as_str()).collect();
        assert_eq!(hrefs, ["/cal/1.ics", "/cal/3.ics"]);
        assert_eq!(
            n,
            SetAside {
                device: 1,
                server: 1
            }
        );
        assert_eq!(n.warnings().len(), 2);
    }
}
