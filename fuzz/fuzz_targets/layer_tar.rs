//! Fuzzes the layer walk: arbitrary bytes as a (possibly compressed) layer stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_oci::walk::{Budget, Interest, Limits, Want, WalkContext, index_stream};

struct All;
impl Interest for All {
    fn want(&self, _: &str, _: u64, mode: u32) -> Want {
        if mode & 0o111 != 0 { Want::Inspect } else { Want::Content }
    }
    fn cache_key(&self) -> String {
        "fuzz".into()
    }
}

fuzz_target!(|data: &[u8]| {
    let budget = Budget::default();
    let ctx = WalkContext {
        location: "fuzz",
        layer: "layer".into(),
        limits: Limits { max_expanded_bytes: 64 << 20, max_file_bytes: 1 << 20 },
        budget: &budget,
        progress: None,
    };
    if let Ok(idx) = index_stream(Box::new(data), &All, &ctx) {
        let tree = rensa_oci::FileTree::from_layers(vec![idx]);
        for (p, _) in tree.iter() {
            let _ = tree.resolve(p);
        }
    }
});
