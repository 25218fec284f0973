//! Fuzzes every advisory reader (OSV JSON/YAML, Debian tracker JSON and DSA/DLA lists, Alpine secdb,
//! RustSec) and the CVSS parser: the first byte picks the reader, the rest is the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_vulndb::feed::{ImportBatch, alpine, debian, rustsec};
use rensa_vulndb::{osv, severity};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut batch = ImportBatch::new("fuzz");
    match sel % 8 {
        0 => osv::read_json(text, "fuzz", &mut batch),
        1 => osv::read_json_array(text, "fuzz", &mut batch),
        2 => osv::read_yaml(text, "fuzz", &mut batch),
        3 => debian::read_tracker_json(text, "fuzz", &mut batch),
        4 => debian::read_list(text, "fuzz", &mut batch),
        5 => alpine::read_secdb(text, "fuzz", sel & 0x80 != 0, &mut batch),
        6 => rustsec::read_advisory(text, "fuzz", std::path::Path::new("fuzz.md"), &mut batch),
        _ => {
            let _ = severity::parse(text);
        }
    }
});
