//! The built-in password candidates: defaults that container images really ship, and the 10,000 most
//! common passwords (`data/common-passwords.txt`, see `data/SOURCE.md` for its origin and license).

use std::sync::OnceLock;

/// The list file, most common first, one password a line.
static COMMON_TXT: &str = include_str!("../../data/common-passwords.txt");

/// Passwords that base images, appliances and tutorials set (tried before the common list).
const IMAGE_DEFAULTS: &[&str] = &[
    "root",
    "toor",
    "admin",
    "changeme",
    "password",
    "docker",
    "ubuntu",
    "debian",
    "alpine",
    "raspberry",
    "vagrant",
    "centos",
    "fedora",
    "kali",
    "pi",
    "test",
    "guest",
    "user",
    "default",
    "secret",
    "pass",
    "oracle",
    "postgres",
];

/// The 10,000 most common passwords, most common first: `common_passwords()[0]` has rank 1.
pub fn common_passwords() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        COMMON_TXT
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// The rank (1 = most common) of `password` in [`common_passwords`], if it is there.
pub fn common_rank(password: &str) -> Option<usize> {
    static INDEX: OnceLock<std::collections::HashMap<&'static str, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut map = std::collections::HashMap::new();
        for (i, p) in common_passwords().iter().enumerate() {
            map.entry(*p).or_insert(i + 1);
        }
        map
    });
    index.get(password).copied()
}

/// Default passwords that container images and appliances are known to ship (`root`, `toor`,
/// `changeme`, `raspberry`, `vagrant`, …), tried right after the guesses derived from the account name.
pub fn image_defaults() -> &'static [&'static str] {
    IMAGE_DEFAULTS
}
