//! Fuzzes the in-toto 1.x metadata readers (layouts, links, securesystemslib key files) and the
//! verifier on whatever parses.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use rensa_trust::intoto::layout::{SignedLayout, SignedLink, SslibKey, verify};

fuzz_target!(|data: &[u8]| {
    let _ = SignedLink::from_json(data);
    let _ = SslibKey::from_key_file(data);
    if let Ok(layout) = SignedLayout::from_json(data) {
        let keys: Vec<SslibKey> = layout.layout.keys.values().cloned().collect();
        let links = BTreeMap::from([("build.00000000.link".to_owned(), data.to_vec())]);
        let _ = verify(&layout, &keys, &links, std::time::SystemTime::UNIX_EPOCH);
    }
});
