//! Fuzzes the sshd_config reader (keywords, quoting, `Match` blocks, `Include` with globs) and the settings
//! it derives: the input is `/etc/ssh/sshd_config` and two drop-in files under `/etc/ssh/sshd_config.d/`,
//! separated by NUL bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_checks::config::sshd::{self, Connection, SshdConfig};
use rensa_oci::{FileTree, LayerIndex, walk::Entry};

const PATHS: &[&str] = &[
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/10-fuzz.conf",
    "/etc/ssh/sshd_config.d/20-fuzz.conf",
];

fuzz_target!(|data: &[u8]| {
    let entries: Vec<Entry> = PATHS
        .iter()
        .zip(data.splitn(PATHS.len(), |&b| b == 0))
        .map(|(path, content)| Entry::file(path, content))
        .collect();
    let tree = FileTree::from_layers(vec![LayerIndex { entries, ..Default::default() }]);
    let (cfg, _warnings) = SshdConfig::parse(&tree, PATHS[0]);
    let Some(cfg) = cfg else { return };
    let conn = Connection {
        user: Some("root".into()),
        host: Some("fuzz.example".into()),
        addr: Some("192.0.2.1".into()),
        laddr: Some("198.51.100.1".into()),
        lport: Some(22),
        rdomain: None,
    };
    let _ = cfg.effective(None);
    let _ = cfg.effective(Some(&conn));
    for keyword in ["permitrootlogin", "passwordauthentication", "logingracetime", "maxauthtries", "port"] {
        if let Some(d) = cfg.decisive(keyword, Some(&conn)) {
            for arg in &d.args {
                let _ = sshd::seconds(arg);
            }
        }
    }
});
