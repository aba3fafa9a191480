//! A SyncML message in XML from a server; what decodes must encode and decode again to the
//! same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synchro_core::remote::syncml::{self, Encoding};

fuzz_target!(|data: &[u8]| {
    let _ = syncml::decode_any(data, None);
    let Ok(msg) = syncml::decode(data, Encoding::Xml) else {
        return;
    };
    for enc in [Encoding::Xml, Encoding::Wbxml] {
        if let Ok(bytes) = syncml::encode(&msg, enc) {
            let _ = syncml::decode(&bytes, enc);
        }
    }
});
