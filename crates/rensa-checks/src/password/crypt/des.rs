//! Traditional DES-based crypt(3) (13 characters: 2 salt + 11 hash), written from the algorithm's
//! description: FIPS 46-3 (DES tables) and the 7th Edition Unix `crypt` (salt perturbs the E
//! expansion, 7 bits of each of the first 8 characters form the key, 25 encryptions of a zero block).
//! Slow bit-by-bit code: fine for checking a few thousand candidates, not for bulk cracking.

use super::ITOA64;

// FIPS 46-3 tables; entries are 1-based bit positions counted from the most significant bit.
const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48,
    40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21,
    13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const E: [u8; 48] = [
    32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18, 19, 20,
    21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6,
    22, 11, 4, 25,
];
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44,
    36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20,
    12, 4,
];
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37,
    47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const S: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5,
        3, 8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14,
        10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9,
        11, 5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12,
        0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11,
        15, 1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3,
        11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10,
        14, 9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11,
        12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9,
        8, 6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9,
        10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11,
        3, 8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7,
        6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15,
        8, 6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15,
        14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14,
        9, 2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0,
        3, 5, 6, 11,
    ],
];

/// Permutes the `in_bits`-bit value `x` (bit 1 = most significant) by `table`.
fn permute(x: u64, in_bits: u32, table: &[u8]) -> u64 {
    table.iter().fold(0u64, |acc, &pos| {
        (acc << 1) | ((x >> (in_bits - u32::from(pos))) & 1)
    })
}

/// The 16 round keys of `key` (FIPS 46-3 key schedule).
fn round_keys(key: u64) -> [u64; 16] {
    let cd = permute(key, 64, &PC1);
    let (mut c, mut d) = ((cd >> 28) & 0x0fff_ffff, cd & 0x0fff_ffff);
    let mut keys = [0u64; 16];
    for (k, &s) in keys.iter_mut().zip(SHIFTS.iter()) {
        c = ((c << s) | (c >> (28 - s))) & 0x0fff_ffff;
        d = ((d << s) | (d >> (28 - s))) & 0x0fff_ffff;
        *k = permute((c << 28) | d, 56, &PC2);
    }
    keys
}

/// DES encryption of `block` with expansion table `e` (the standard `E`, or one perturbed by a salt).
fn encrypt(block: u64, keys: &[u64; 16], e: &[u8; 48]) -> u64 {
    let ip = permute(block, 64, &IP);
    let (mut l, mut r) = (ip >> 32, ip & 0xffff_ffff);
    for k in keys {
        let x = permute(r, 32, e) ^ k;
        let mut s_out = 0u64;
        for (i, sbox) in S.iter().enumerate() {
            let six = (x >> (42 - 6 * i)) & 0x3f;
            let row = ((six >> 4) & 2) | (six & 1);
            let col = (six >> 1) & 0xf;
            s_out = (s_out << 4) | u64::from(sbox[(row * 16 + col) as usize]);
        }
        let f = permute(s_out, 32, &P);
        (l, r) = (r, l ^ f);
    }
    // Final permutation = inverse of IP, applied to R16 L16.
    let pre = (r << 32) | l;
    let mut out = 0u64;
    for (i, &pos) in IP.iter().enumerate() {
        let bit = (pre >> (63 - i)) & 1;
        out |= bit << (64 - u32::from(pos));
    }
    out
}

/// The 6-bit value of a crypt salt/hash character, if it is one of `./0-9A-Za-z`.
fn char_value(c: u8) -> Option<u8> {
    ITOA64.iter().position(|&x| x == c).map(|p| p as u8)
}

/// The 13-character traditional DES crypt of `password` with the 2-character salt at the start of
/// `salt`, or `None` if the salt characters are not in `./0-9A-Za-z` (libxcrypt rejects those too).
pub(crate) fn des_crypt(password: &[u8], salt: &[u8]) -> Option<String> {
    let (s0, s1) = (char_value(*salt.first()?)?, char_value(*salt.get(1)?)?);
    let mut e = E;
    for (i, value) in [s0, s1].into_iter().enumerate() {
        for j in 0..6 {
            if (value >> j) & 1 == 1 {
                e.swap(6 * i + j, 6 * i + j + 24);
            }
        }
    }
    let mut key = 0u64;
    for i in 0..8 {
        let c = password.get(i).copied().unwrap_or(0);
        key = (key << 8) | u64::from(c << 1);
    }
    let keys = round_keys(key);
    let mut block = 0u64;
    for _ in 0..25 {
        block = encrypt(block, &keys, &e);
    }
    let mut out = String::with_capacity(13);
    out.push(char::from(salt[0]));
    out.push(char::from(salt[1]));
    for i in 0..11 {
        // 66 bits: the 64-bit block followed by two zero bits, 6 at a time from the top.
        let shift = 58i32 - 6 * i;
        let six = if shift >= 0 {
            (block >> shift) & 0x3f
        } else {
            (block << -shift) & 0x3f
        };
        out.push(char::from(ITOA64[six as usize]));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_known_answer() {
        // The classic worked example (J. Orlin Grabbe, "The DES Algorithm Illustrated"):
        // key 133457799BBCDFF1, plaintext 0123456789ABCDEF -> 85E813540F0AB405.
        let keys = round_keys(0x1334_5779_9BBC_DFF1);
        assert_eq!(encrypt(0x0123_4567_89AB_CDEF, &keys, &E), 0x85E8_1354_0F0A_B405);
    }

    #[test]
    fn rejects_bad_salt() {
        assert_eq!(des_crypt(b"x", b"!a"), None);
        assert_eq!(des_crypt(b"x", b"a"), None);
    }
}
