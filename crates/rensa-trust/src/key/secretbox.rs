//! NaCl `crypto_secretbox` (XSalsa20-Poly1305), as Go's `golang.org/x/crypto/nacl/secretbox`
//! and cosign use it.
//!
//! The construction: the XSalsa20 key stream for (key, nonce) is generated from offset 0; its first
//! 32 bytes are the one-time Poly1305 key, the rest is XORed with the message. The box is the
//! 16-byte Poly1305 tag of the ciphertext followed by the ciphertext.

use poly1305::Poly1305;
use poly1305::universal_hash::KeyInit;
use salsa20::XSalsa20;
use salsa20::cipher::{KeyIvInit, StreamCipher};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Key length in bytes.
pub(crate) const KEY_LEN: usize = 32;
/// Nonce length in bytes.
pub(crate) const NONCE_LEN: usize = 24;
/// Tag length in bytes.
pub(crate) const TAG_LEN: usize = 16;

/// Runs XSalsa20 over `32 zero bytes || data`; returns the one-time Poly1305 key and leaves
/// `data` XORed with the key stream from offset 32.
fn keystream(key: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN], data: &mut [u8]) -> Zeroizing<[u8; 32]> {
    let mut cipher = XSalsa20::new_from_slices(key, nonce).expect("fixed key and nonce sizes");
    let mut poly_key = Zeroizing::new([0u8; 32]);
    cipher.apply_keystream(&mut poly_key[..]);
    cipher.apply_keystream(data);
    poly_key
}

fn tag(poly_key: &[u8; 32], ciphertext: &[u8]) -> [u8; TAG_LEN] {
    let mac = Poly1305::new_from_slice(poly_key).expect("fixed Poly1305 key size");
    let tag = mac.compute_unpadded(ciphertext);
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(tag.as_slice());
    out
}

/// Seals `plaintext`: returns `tag || ciphertext`.
pub(crate) fn seal(key: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; TAG_LEN + plaintext.len()];
    out[TAG_LEN..].copy_from_slice(plaintext);
    let poly_key = keystream(key, nonce, &mut out[TAG_LEN..]);
    let t = tag(&poly_key, &out[TAG_LEN..]);
    out[..TAG_LEN].copy_from_slice(&t);
    out
}

/// Opens a box made by [`seal`]; `None` when the tag does not match (wrong key or altered data).
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    sealed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < TAG_LEN {
        return None;
    }
    let (given_tag, ciphertext) = sealed.split_at(TAG_LEN);
    let mut cipher = XSalsa20::new_from_slices(key, nonce).expect("fixed key and nonce sizes");
    let mut poly_key = Zeroizing::new([0u8; 32]);
    cipher.apply_keystream(&mut poly_key[..]);
    let expected = tag(&poly_key, ciphertext);
    if !bool::from(expected.ct_eq(given_tag)) {
        return None;
    }
    let mut plaintext = Zeroizing::new(ciphertext.to_vec());
    cipher.apply_keystream(&mut plaintext[..]);
    Some(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips() {
        let key = [7u8; KEY_LEN];
        let nonce = [9u8; NONCE_LEN];
        for len in [0usize, 1, 31, 32, 33, 64, 65, 200] {
            let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = seal(&key, &nonce, &msg);
            assert_eq!(sealed.len(), TAG_LEN + len);
            assert_eq!(open(&key, &nonce, &sealed).unwrap().as_slice(), msg.as_slice());
        }
    }

    #[test]
    fn altered_box_or_key_does_not_open() {
        let key = [1u8; KEY_LEN];
        let nonce = [2u8; NONCE_LEN];
        let mut sealed = seal(&key, &nonce, b"secret message");
        assert!(open(&[3u8; KEY_LEN], &nonce, &sealed).is_none());
        assert!(open(&key, &[4u8; NONCE_LEN], &sealed).is_none());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(open(&key, &nonce, &sealed).is_none());
        assert!(open(&key, &nonce, &sealed[..10]).is_none());
    }

    /// XSalsa20 of an all-zero message is the raw key stream; the secretbox of zeros must hence
    /// carry the stream from offset 32, which ties the layout to the NaCl definition.
    #[test]
    fn ciphertext_is_keystream_from_offset_32() {
        let key = [5u8; KEY_LEN];
        let nonce = [6u8; NONCE_LEN];
        let sealed = seal(&key, &nonce, &[0u8; 40]);
        let mut stream = [0u8; 72];
        XSalsa20::new_from_slices(&key, &nonce)
            .unwrap()
            .apply_keystream(&mut stream);
        assert_eq!(&sealed[TAG_LEN..], &stream[32..]);
    }
}
