//! A file in the device folder or the single calendar file, read as the sync reads them
//! (list, then fetch every entry).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use synchro_core::device::DeviceCalendar;
use synchro_core::local::{IcsFileDevice, VdirDevice};

/// A scratch folder of this process, removed by the OS's temp cleaning.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("synchro-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    })
}

fn read_all(device: &dyn DeviceCalendar) {
    if let Ok(entries) = device.list() {
        let ids: Vec<String> = entries.into_iter().map(|e| e.id).collect();
        let _ = device.fetch(&ids);
    }
}

fuzz_target!(|data: &[u8]| {
    let vdir = scratch().join("vdir");
    let _ = std::fs::remove_dir_all(&vdir);
    std::fs::create_dir_all(&vdir).expect("vdir");
    std::fs::write(vdir.join("event.ics"), data).expect("write event");
    if let Ok(device) = VdirDevice::open(&vdir) {
        read_all(&device);
    }
    let file = scratch().join("calendar.ics");
    std::fs::write(&file, data).expect("write calendar");
    if let Ok(device) = IcsFileDevice::open(&file) {
        read_all(&device);
    }
});
