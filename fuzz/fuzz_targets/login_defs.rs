//! Fuzzes the login.defs reader (`KEY VALUE` lines, comments) and its numeric values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_checks::config::login_defs::LoginDefs;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let defs = LoginDefs::parse("/etc/login.defs", 0, text);
    for key in ["PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE", "PASS_MIN_LEN", "ENCRYPT_METHOD", "UMASK"] {
        let _ = defs.number(key);
    }
    for key in defs.values.keys() {
        let _ = defs.number(key);
    }
});
