//! Fuzzes opening and reading image archives (docker-archive / OCI archive) from arbitrary tar bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_oci::{ImageRef, Interest, Limits, OpenOptions, ReadOptions, Want};

struct Etc;
impl Interest for Etc {
    fn want(&self, p: &str, _: u64, _: u32) -> Want {
        if p.starts_with("/etc/") { Want::Content } else { Want::Skip }
    }
    fn cache_key(&self) -> String {
        "fuzz".into()
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    std::fs::write(&path, data).unwrap();
    for r in [
        ImageRef::DockerArchive { path: path.clone(), name: None },
        ImageRef::OciArchive { path: path.clone(), tag: None },
    ] {
        if let Ok(src) = rensa_oci::open(&r, &OpenOptions::default()) {
            let opts = ReadOptions { limits: Limits { max_expanded_bytes: 64 << 20, max_file_bytes: 1 << 20 }, ..Default::default() };
            let _ = rensa_oci::read_tree(src.as_ref(), &Etc, &opts);
        }
    }
});
