//! A SyncML message in WBXML from a server (with DevInf documents nested in opaque data);
//! what decodes must encode and decode again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synchro_core::remote::syncml::{self, wbxml, Encoding};

fuzz_target!(|data: &[u8]| {
    let _ = wbxml::peek_doc(data);
    let _ = wbxml::decode(data);
    let Ok(msg) = syncml::decode(data, Encoding::Wbxml) else {
        return;
    };
    for enc in [Encoding::Wbxml, Encoding::Xml] {
        if let Ok(bytes) = syncml::encode(&msg, enc) {
            let _ = syncml::decode(&bytes, enc);
        }
    }
});
