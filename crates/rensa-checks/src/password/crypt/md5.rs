//! md5crypt (`$1$`), written from Poul-Henning Kamp's description of the FreeBSD scheme: an MD5 of
//! password, magic and salt, mixed with an alternate MD5 and the password length, then 1000 rounds.

use md5::{Digest, Md5};

use super::ITOA64;

/// The `$1$SALT$HASH` string of `password` with `salt` (at most 8 characters are used; the salt ends
/// at the first `$`).
pub(crate) fn md5_crypt(password: &[u8], salt: &[u8]) -> String {
    let salt = salt.split(|&b| b == b'$').next().unwrap_or(salt);
    let salt = &salt[..salt.len().min(8)];

    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut ctx = Md5::new();
    ctx.update(password);
    ctx.update(b"$1$");
    ctx.update(salt);
    let mut remaining = password.len();
    while remaining > 0 {
        let n = remaining.min(16);
        ctx.update(&alternate[..n]);
        remaining -= n;
    }
    let mut i = password.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&password[..1]);
        }
        i >>= 1;
    }
    let mut digest: [u8; 16] = ctx.finalize().into();

    for round in 0..1000 {
        let mut c = Md5::new();
        if round & 1 == 1 {
            c.update(password);
        } else {
            c.update(digest);
        }
        if round % 3 != 0 {
            c.update(salt);
        }
        if round % 7 != 0 {
            c.update(password);
        }
        if round & 1 == 1 {
            c.update(digest);
        } else {
            c.update(password);
        }
        digest = c.finalize().into();
    }

    let mut out = String::with_capacity(34);
    out.push_str("$1$");
    out.push_str(&String::from_utf8_lossy(salt));
    out.push('$');
    let groups: [(usize, usize, usize); 5] = [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)];
    for (a, b, c) in groups {
        let v = (u32::from(digest[a]) << 16) | (u32::from(digest[b]) << 8) | u32::from(digest[c]);
        push_b64(&mut out, v, 4);
    }
    push_b64(&mut out, u32::from(digest[11]), 2);
    out
}

/// Appends `n` crypt-base64 characters of `v`, least significant 6 bits first.
fn push_b64(out: &mut String, mut v: u32, n: usize) {
    for _ in 0..n {
        out.push(char::from(ITOA64[(v & 0x3f) as usize]));
        v >>= 6;
    }
}
