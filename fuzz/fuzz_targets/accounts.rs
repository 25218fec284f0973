//! Fuzzes the account database readers (passwd, shadow, shells) and the crypt(3) hash parser: the input is
//! passwd, shadow and shells separated by NUL bytes (a missing part is a missing file); every line is also
//! given to `CryptHash::parse` on its own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_checks::password::{AccountDb, CryptHash, PasswordField};

fn check_hash(hash: &CryptHash) {
    let _ = hash.scheme().name();
    let _ = hash.scheme().is_supported();
    let _ = hash.as_str();
    let _ = hash.cost();
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let passwd = parts.next().unwrap_or_default();
    let shadow = parts.next();
    let shells = parts.next();
    let db = AccountDb::parse(passwd, shadow, shells);
    for account in &db.accounts {
        let _ = account.password.kind();
        match &account.password {
            PasswordField::Hash(h) | PasswordField::Locked { hash: Some(h) } => check_hash(h),
            _ => {}
        }
        let _ = db.get(&account.name);
    }
    for line in String::from_utf8_lossy(data).lines() {
        if let Some(h) = CryptHash::parse(line) {
            check_hash(&h);
        }
        let _ = PasswordField::classify(line);
    }
});
