//! Fuzzes every config rule at once (`config::check`) on a small image: the first byte picks which of
//! the config files below exist (one bit each), the rest is their contents in order, separated by NUL
//! bytes. An sshd binary and a shell are always present so the remote-login and password rules run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_checks::config::{self, Baseline};
use rensa_oci::{FileTree, Image, LayerIndex, SourceKind, walk::Entry};

const PATHS: &[&str] = &[
    "/etc/passwd",
    "/etc/shadow",
    "/etc/login.defs",
    "/etc/ssh/sshd_config",
    "/etc/pam.d/common-password",
    "/etc/sudoers",
    "/etc/security/pwquality.conf",
    "/etc/supervisor/conf.d/app.conf",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let mut contents = rest.split(|&b| b == 0);
    let mut entries = vec![Entry::file("/usr/sbin/sshd", b"\x7fELF"), Entry::file("/bin/sh", b"\x7fELF")];
    for (i, path) in PATHS.iter().enumerate() {
        if sel & (1 << i) != 0 {
            entries.push(Entry::file(path, contents.next().unwrap_or_default()));
        }
    }
    for e in &mut entries {
        if e.path == "/usr/sbin/sshd" || e.path == "/bin/sh" {
            e.mode = 0o755;
        }
    }
    let tree = FileTree::from_layers(vec![LayerIndex { entries, ..Default::default() }]);
    let image = Image {
        name: "fuzz".into(),
        kind: SourceKind::Rootfs,
        manifest_digest: None,
        config_digest: None,
        tags: vec![],
        config: Default::default(),
        layers: vec![],
    };
    let _ = config::check(&tree, &image, &Baseline::default());
});
