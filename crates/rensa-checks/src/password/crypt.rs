//! crypt(3) hashes as libxcrypt writes them: recognising the scheme, reading its work factor, and
//! checking a candidate password.
//!
//! Verified: yescrypt `$y$` (RustCrypto `yescrypt`), sha512crypt `$6$` and sha256crypt `$5$` with
//! `rounds=` (RustCrypto `sha-crypt`), bcrypt `$2b$`/`$2y$`/`$2a$`/`$2x$` (the `bcrypt` crate; `$2x$` is
//! checked like `$2a$`, which differs only for passwords with 8-bit characters), md5crypt `$1$` and
//! traditional DES (13 characters) (this module). Recognised but not verified: gost-yescrypt `$gy$`,
//! scrypt `$7$`, BSDi extended DES `_`, SunMD5 `$md5`, `$sha1$`, NT-hash `$3$`.

mod des;
mod md5;

use serde::Serialize;
use yescrypt::PasswordVerifier;

/// The crypt base-64 alphabet.
pub(crate) const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The largest yescrypt memory (`128 * N * r * p` bytes) rensa will spend on one guess.
pub const MAX_YESCRYPT_BYTES: u64 = 1 << 30;
/// The largest bcrypt cost (log2 of the rounds) rensa will try (cost 16 takes seconds per guess).
pub const MAX_BCRYPT_COST: u32 = 16;
/// The largest sha256crypt/sha512crypt `rounds=` rensa will try.
pub const MAX_SHA_ROUNDS: u64 = 10_000_000;

/// A crypt(3) hashing scheme, named by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// `$y$`: yescrypt (Debian 11+, Ubuntu 22.04+, Fedora 35+ default).
    Yescrypt,
    /// `$gy$`: gost-yescrypt.
    GostYescrypt,
    /// `$7$`: scrypt.
    Scrypt,
    /// `$6$`: sha512crypt.
    Sha512Crypt,
    /// `$5$`: sha256crypt.
    Sha256Crypt,
    /// `$2a$`, `$2b$`, `$2x$`, `$2y$`: bcrypt.
    Bcrypt,
    /// `$1$`: md5crypt.
    Md5Crypt,
    /// `$md5`: Sun MD5.
    SunMd5,
    /// `$sha1$`: NetBSD sha1crypt.
    Sha1Crypt,
    /// `$3$`: NT hash.
    NtHash,
    /// `_`: BSDi extended DES.
    BsdiDes,
    /// 13 characters of `./0-9A-Za-z`: traditional DES.
    Des,
    /// Another `$id$` scheme.
    Other,
}

impl Scheme {
    /// The name used in findings (`yescrypt`, `sha512crypt`, `bcrypt`, `des`, …).
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Yescrypt => "yescrypt",
            Scheme::GostYescrypt => "gost-yescrypt",
            Scheme::Scrypt => "scrypt",
            Scheme::Sha512Crypt => "sha512crypt",
            Scheme::Sha256Crypt => "sha256crypt",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Md5Crypt => "md5crypt",
            Scheme::SunMd5 => "sunmd5",
            Scheme::Sha1Crypt => "sha1crypt",
            Scheme::NtHash => "nthash",
            Scheme::BsdiDes => "bsdi-des",
            Scheme::Des => "des",
            Scheme::Other => "unknown-scheme",
        }
    }

    /// Whether rensa can check passwords against this scheme.
    pub fn is_supported(self) -> bool {
        matches!(
            self,
            Scheme::Yescrypt
                | Scheme::Sha512Crypt
                | Scheme::Sha256Crypt
                | Scheme::Bcrypt
                | Scheme::Md5Crypt
                | Scheme::Des
        )
    }

    /// Whether the scheme is slow by design (memory- or cost-hard), so a budget may run out.
    pub fn is_slow_by_design(self) -> bool {
        matches!(
            self,
            Scheme::Yescrypt | Scheme::GostYescrypt | Scheme::Scrypt | Scheme::Bcrypt
        )
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a hash cannot be checked: its scheme is not implemented, its string does not parse, or its
/// work factor is beyond the limits ([`MAX_YESCRYPT_BYTES`], [`MAX_BCRYPT_COST`], [`MAX_SHA_ROUNDS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unsupported {
    /// The scheme.
    pub scheme: Scheme,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.scheme, self.reason)
    }
}

/// A crypt(3) hash string with its scheme. Its `Debug` and serialized forms show the scheme only.
#[derive(Clone, PartialEq, Eq)]
pub struct CryptHash {
    scheme: Scheme,
    text: String,
}

impl std::fmt::Debug for CryptHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CryptHash({})", self.scheme)
    }
}

impl Serialize for CryptHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.scheme.serialize(serializer)
    }
}

impl CryptHash {
    /// Recognises a crypt hash string; `None` if it is in no format libxcrypt knows.
    pub fn parse(text: &str) -> Option<CryptHash> {
        let scheme = if text.starts_with("$y$") {
            Scheme::Yescrypt
        } else if text.starts_with("$gy$") {
            Scheme::GostYescrypt
        } else if text.starts_with("$7$") {
            Scheme::Scrypt
        } else if text.starts_with("$6$") {
            Scheme::Sha512Crypt
        } else if text.starts_with("$5$") {
            Scheme::Sha256Crypt
        } else if ["$2a$", "$2b$", "$2x$", "$2y$"]
            .iter()
            .any(|p| text.starts_with(p))
        {
            Scheme::Bcrypt
        } else if text.starts_with("$1$") {
            Scheme::Md5Crypt
        } else if text.starts_with("$md5") {
            Scheme::SunMd5
        } else if text.starts_with("$sha1$") {
            Scheme::Sha1Crypt
        } else if text.starts_with("$3$") {
            Scheme::NtHash
        } else if text.len() == 20
            && text.starts_with('_')
            && text.bytes().skip(1).all(|b| ITOA64.contains(&b))
        {
            Scheme::BsdiDes
        } else if text.len() == 13 && text.bytes().all(|b| ITOA64.contains(&b)) {
            Scheme::Des
        } else if text.starts_with('$') && text[1..].contains('$') {
            Scheme::Other
        } else {
            return None;
        };
        Some(CryptHash {
            scheme,
            text: text.to_string(),
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The hash string (a secret-ish value: do not print it in reports).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The work factor in words (`yescrypt N=4096 r=32 p=1 (16 MiB per guess)`, `bcrypt cost 12`,
    /// `sha512crypt rounds=5000`), or why the hash will not be checked.
    pub fn cost(&self) -> Result<String, Unsupported> {
        let unsupported = |reason: String| Unsupported {
            scheme: self.scheme,
            reason,
        };
        let field = |i: usize| self.text.split('$').nth(i).unwrap_or("");
        match self.scheme {
            Scheme::Yescrypt => {
                let params: yescrypt::Params = field(2)
                    .parse()
                    .map_err(|_| unsupported(format!("parameters {:?} do not parse", field(2))))?;
                let bytes =
                    128u128 * u128::from(params.n()) * u128::from(params.r()) * u128::from(params.p());
                if bytes > u128::from(MAX_YESCRYPT_BYTES) {
                    return Err(unsupported(format!(
                        "N={} r={} p={} needs {} MiB per guess, more than the {} MiB limit",
                        params.n(),
                        params.r(),
                        params.p(),
                        bytes >> 20,
                        MAX_YESCRYPT_BYTES >> 20
                    )));
                }
                Ok(format!(
                    "yescrypt N={} r={} p={} ({} MiB per guess)",
                    params.n(),
                    params.r(),
                    params.p(),
                    (bytes >> 20).max(1)
                ))
            }
            Scheme::Sha512Crypt | Scheme::Sha256Crypt => {
                let rounds = match field(2).strip_prefix("rounds=") {
                    Some(r) => r
                        .parse::<u64>()
                        .map_err(|_| unsupported(format!("rounds {r:?} is not a number")))?,
                    None => 5000,
                };
                if rounds > MAX_SHA_ROUNDS {
                    return Err(unsupported(format!(
                        "rounds={rounds} is more than the limit of {MAX_SHA_ROUNDS}"
                    )));
                }
                Ok(format!("{} rounds={}", self.scheme, rounds.max(1000)))
            }
            Scheme::Bcrypt => {
                let cost = field(2)
                    .parse::<u32>()
                    .map_err(|_| unsupported(format!("cost {:?} is not a number", field(2))))?;
                if cost > MAX_BCRYPT_COST {
                    return Err(unsupported(format!(
                        "cost {cost} is more than the limit of {MAX_BCRYPT_COST}"
                    )));
                }
                Ok(format!("bcrypt cost {cost} ({} rounds)", 1u64 << cost.min(63)))
            }
            Scheme::Md5Crypt => Ok("md5crypt (1000 rounds)".to_string()),
            Scheme::Des => Ok("des (25 DES encryptions, first 8 characters only)".to_string()),
            other => Err(unsupported(format!(
                "{other} hashes are recognised but rensa cannot verify them"
            ))),
        }
    }

    /// Whether `password` matches. `Err` when the hash cannot be checked (see [`CryptHash::cost`]).
    pub fn verify(&self, password: &str) -> Result<bool, Unsupported> {
        self.cost()?;
        let unparsable = |e: &dyn std::fmt::Display| Unsupported {
            scheme: self.scheme,
            reason: format!("the hash string does not parse ({e})"),
        };
        let pw = password.as_bytes();
        match self.scheme {
            Scheme::Yescrypt => match yescrypt::Yescrypt::default().verify_password(pw, self.text.as_str()) {
                Ok(()) => Ok(true),
                Err(yescrypt::password_hash::Error::PasswordInvalid) => Ok(false),
                Err(e) => Err(unparsable(&e)),
            },
            Scheme::Sha512Crypt | Scheme::Sha256Crypt => {
                match sha_crypt::ShaCrypt::default().verify_password(pw, self.text.as_str()) {
                    Ok(()) => Ok(true),
                    Err(sha_crypt::password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(e) => Err(unparsable(&e)),
                }
            }
            Scheme::Bcrypt => bcrypt::verify(pw, &self.text).map_err(|e| unparsable(&e)),
            Scheme::Md5Crypt => {
                let salt = self.text.get(3..).unwrap_or("");
                Ok(md5::md5_crypt(pw, salt.as_bytes()) == self.text)
            }
            Scheme::Des => match des::des_crypt(pw, self.text.as_bytes()) {
                Some(h) => Ok(h == self.text),
                None => Err(unparsable(&"salt characters outside ./0-9A-Za-z")),
            },
            other => Err(Unsupported {
                scheme: other,
                reason: "not verifiable".to_string(),
            }),
        }
    }
}
