//! Walks an image's layers with a small interest and prints what was read: a quick way to time the layer
//! walk on its own (`cargo run --release -p rensa-oci --example walk -- IMAGE`).

use rensa_oci::{ImageRef, Interest, OpenOptions, ReadOptions, Want};

struct Packages;
impl Interest for Packages {
    fn want(&self, path: &str, _size: u64, mode: u32) -> Want {
        if path.starts_with("/var/lib/dpkg/") || path.ends_with("/METADATA") || path == "/etc/os-release" {
            Want::Content
        } else if mode & 0o111 != 0 {
            Want::Inspect
        } else {
            Want::Skip
        }
    }
    fn accept(&self, _path: &str, head: &[u8]) -> bool {
        head.starts_with(b"\x7fELF")
    }
    fn cache_key(&self) -> String {
        "example-walk".into()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reference = std::env::args().nth(1).ok_or("usage: walk IMAGE")?;
    let source = rensa_oci::open(&ImageRef::parse(&reference)?, &OpenOptions::default())?;
    let start = std::time::Instant::now();
    let tree = rensa_oci::read_tree(source.as_ref(), &Packages, &ReadOptions::default())?;
    let kept: usize = tree
        .iter()
        .filter_map(|(_, n)| n.content.as_ref())
        .map(Vec::len)
        .sum();
    println!("{} paths, {} bytes kept, {:?}", tree.len(), kept, start.elapsed());
    Ok(())
}
