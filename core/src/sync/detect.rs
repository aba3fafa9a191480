//! Device change detection: which events were added, changed or deleted on the device since
//! the last sync. Versions first (cheap); a changed version is confirmed by the content
//! fingerprint, so a touched-but-identical event is not a change.

use crate::device::{DeviceCalendar, DeviceEntry};
use crate::ical;
use crate::model::Event;
use crate::store::ItemRecord;
use crate::Result;
use std::collections::HashMap;

/// Events read from the device are fetched this many at a time.
const FETCH_BATCH: usize = 200;

/// A device event with its fingerprint.
#[derive(Debug, Clone)]
pub struct DeviceEvent {
    /// Id and version on the device.
    pub entry: DeviceEntry,
    /// Content (boxed: a plan holds one action per event, each no larger than it must be).
    pub event: Box<Event>,
    /// [`ical::event_fingerprint`] of `event`.
    pub fp: String,
}

/// What changed on the device, against the store.
#[derive(Debug, Default)]
pub struct DeviceScan {
    /// Store rows whose device event changed.
    pub changed: HashMap<i64, DeviceEvent>,
    /// Store rows whose device event is gone.
    pub deleted: Vec<i64>,
    /// Events the store does not know.
    pub new: Vec<DeviceEvent>,
    /// Store rows whose version changed without a content change: the new version.
    pub touched: Vec<(i64, DeviceEntry)>,
    /// Number of events on the device.
    pub total: usize,
    /// Events that could not be read (id, error).
    pub unreadable: Vec<(String, String)>,
}

impl DeviceScan {
    /// True when nothing changed on the device.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.deleted.is_empty() && self.new.is_empty()
    }
}

/// Compares the device's events with the store rows of one calendar.
pub fn scan_device(device: &dyn DeviceCalendar, items: &[ItemRecord]) -> Result<DeviceScan> {
    scan_listed(device, device.list()?, items)
}

/// [`scan_device`] from the device's listing `listed`, made already.
pub fn scan_listed(
    device: &dyn DeviceCalendar,
    listed: Vec<DeviceEntry>,
    items: &[ItemRecord],
) -> Result<DeviceScan> {
    let by_device_id: HashMap<&str, (usize, &ItemRecord)> = items
        .iter()
        .enumerate()
        .filter_map(|(n, i)| i.device_id.as_deref().map(|d| (d, (n, i))))
        .collect();
    let mut scan = DeviceScan {
        total: listed.len(),
        ..Default::default()
    };
    let mut to_fetch: Vec<String> = Vec::new();
    // Rows not met in the listing are the deleted ones.
    let mut listed_rows = vec![false; items.len()];
    for entry in &listed {
        match by_device_id.get(entry.id.as_str()) {
            Some(&(n, item)) => {
                listed_rows[n] = true;
                if item.device_version.as_deref() != Some(entry.version.as_str()) {
                    to_fetch.push(entry.id.clone());
                }
            }
            None => to_fetch.push(entry.id.clone()),
        }
    }
    for (item, listed) in items.iter().zip(&listed_rows) {
        if item.device_id.is_some() && !listed {
            scan.deleted.push(item.id);
        }
    }
    for chunk in to_fetch.chunks(FETCH_BATCH) {
        let fetched = device.fetch(chunk)?;
        let mut got = std::collections::HashSet::new();
        for (entry, event) in fetched {
            got.insert(entry.id.clone());
            let fp = ical::event_fingerprint(&event);
            match by_device_id.get(entry.id.as_str()).map(|&(_, item)| item) {
                Some(item) if item.device_fp.as_deref() == Some(fp.as_str()) => {
                    scan.touched.push((item.id, entry));
                }
                Some(item) => {
                    scan.changed.insert(
                        item.id,
                        DeviceEvent {
                            entry,
                            event: Box::new(event),
                            fp,
                        },
                    );
                }
                None => scan.new.push(DeviceEvent {
                    entry,
                    event: Box::new(event),
                    fp,
                }),
            }
        }
        for id in chunk {
            if !got.contains(id) {
                // Listed but not readable (invalid content): never treat it as deleted.
                scan.unreadable
                    .push((id.clone(), "could not be read from the device".into()));
            }
        }
    }
    Ok(scan)
}
