//! A DevInf document on its own, in XML and in WBXML; what decodes must encode again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synchro_core::remote::syncml::{self, Encoding, SyncMlVersion};

fuzz_target!(|data: &[u8]| {
    for enc in [Encoding::Xml, Encoding::Wbxml] {
        if let Ok(d) = syncml::decode_devinf(data, enc) {
            let _ = d.data_store("./calendar");
            let _ = d.receives("text/calendar");
            for out in [Encoding::Xml, Encoding::Wbxml] {
                if let Ok(bytes) = syncml::encode_devinf(&d, SyncMlVersion::V1_2, out) {
                    let _ = syncml::decode_devinf(&bytes, out);
                }
            }
        }
    }
});
