//! Fuzzes the parsers of image JSON documents and references.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_oci::spec::{DockerArchiveEntry, ImageConfig, Index, Manifest};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<Index>(data);
    let _ = serde_json::from_slice::<Manifest>(data);
    let _ = serde_json::from_slice::<ImageConfig>(data);
    let _ = serde_json::from_slice::<Vec<DockerArchiveEntry>>(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = rensa_oci::RegistryRef::parse(s);
        let _ = rensa_oci::Digest::parse(s);
        let _ = rensa_oci::Platform::parse(s);
    }
});
