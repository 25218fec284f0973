//! Fuzzes the Node.js Security WG reader and its node-semver range parser: the first byte picks an
//! advisory record, or a `vulnerable_versions` / `patched_versions` pair separated by a newline whose
//! sets must obey the set algebra and translate to events without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_vulndb::feed::ImportBatch;
use rensa_vulndb::feed::nodejs::{self, range};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if sel % 2 == 0 {
        let mut batch = ImportBatch::new("fuzz");
        nodejs::read_advisory(text, "fuzz", None, &mut batch);
        return;
    }
    let (vulnerable, patched) = text.split_once('\n').unwrap_or((text, ""));
    let (Ok(v), Ok(p)) = (range::parse(vulnerable), range::parse(patched)) else { return };
    assert_eq!(v.complement().complement(), v);
    assert!(v.intersect(&v.complement()).is_empty());
    let affected = v.minus(&p);
    assert!(affected.intersect(&p).is_empty());
    let _ = nodejs::events(&affected, &p);
});
