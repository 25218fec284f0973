//! Content digests (`sha256:HEX`) and a reader that checks them.

use std::fmt;
use std::io::{self, Read};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256, Sha512};

use crate::error::{Error, Result};

/// A content digest as used by OCI: `algorithm:lowercase-hex`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

/// The digest algorithms registered by the OCI image spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// SHA-256, the default everywhere.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }
    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

impl Digest {
    /// Parses `sha256:…` or `sha512:…`; the hex must be lowercase and of the right length.
    pub fn parse(s: &str) -> Result<Self> {
        let (algo, hex) = s
            .split_once(':')
            .ok_or_else(|| Error::InvalidDigest(s.to_string()))?;
        let algorithm = match algo {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            _ => return Err(Error::InvalidDigest(s.to_string())),
        };
        if hex.len() != algorithm.hex_len() || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(Error::InvalidDigest(s.to_string()));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }

    /// The SHA-256 digest of `data`.
    pub fn sha256_of(data: &[u8]) -> Self {
        Digest {
            algorithm: Algorithm::Sha256,
            hex: hex::encode(Sha256::digest(data)),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The algorithm's name as used in digests and blob paths (`sha256`).
    pub fn algorithm_name(&self) -> &'static str {
        self.algorithm.name()
    }

    /// The hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// A hasher for this digest's algorithm.
    pub fn hasher(&self) -> Hasher {
        Hasher::new(self.algorithm)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Digest::parse(s)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An incremental hasher for one of the supported algorithms.
#[derive(Clone)]
pub enum Hasher {
    /// SHA-256 state.
    Sha256(Sha256),
    /// SHA-512 state.
    Sha512(Sha512),
}

impl Hasher {
    /// A fresh hasher.
    pub fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }
    /// Adds data.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }
    /// The digest of everything added.
    pub fn finish(self) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest {
                algorithm: Algorithm::Sha256,
                hex: hex::encode(h.finalize()),
            },
            Hasher::Sha512(h) => Digest {
                algorithm: Algorithm::Sha512,
                hex: hex::encode(h.finalize()),
            },
        }
    }
}

/// Wraps a reader and fails with [`io::ErrorKind::InvalidData`] at the end of the stream when what was read
/// does not hash to the expected digest (or has a different size than expected, when a size is given).
///
/// The error's inner value is a [`DigestMismatch`], which callers can recover with `downcast_ref`.
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Option<Hasher>,
    expected: Digest,
    expected_size: Option<u64>,
    read: u64,
}

/// The payload of the I/O error a [`VerifyingReader`] returns on a mismatch.
#[derive(Debug, Clone)]
pub struct DigestMismatch {
    /// The digest that was expected.
    pub expected: Digest,
    /// The digest of what was read (or `None` when the size alone was wrong).
    pub actual: Option<Digest>,
    /// Bytes read.
    pub size: u64,
}

impl fmt::Display for DigestMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.actual {
            Some(a) => write!(
                f,
                "digest mismatch: expected {}, content hashes to {}",
                self.expected, a
            ),
            None => write!(
                f,
                "blob {} is larger than its descriptor says ({} bytes read)",
                self.expected, self.size
            ),
        }
    }
}

impl std::error::Error for DigestMismatch {}

impl<R: Read> VerifyingReader<R> {
    /// Checks `inner` against `expected` (and `expected_size` when known).
    pub fn new(inner: R, expected: Digest, expected_size: Option<u64>) -> Self {
        VerifyingReader {
            inner,
            hasher: Some(expected.hasher()),
            expected,
            expected_size,
            read: 0,
        }
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(size) = self.expected_size
            && self.read > size
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                DigestMismatch {
                    expected: self.expected.clone(),
                    actual: None,
                    size: self.read,
                },
            ));
        }
        match self.hasher.as_mut() {
            Some(h) if n > 0 => h.update(&buf[..n]),
            Some(_) => {
                let actual = self.hasher.take().map(Hasher::finish);
                if actual.as_ref() != Some(&self.expected) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        DigestMismatch {
                            expected: self.expected.clone(),
                            actual,
                            size: self.read,
                        },
                    ));
                }
            }
            None => {}
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let d = Digest::sha256_of(b"");
        assert_eq!(
            d.to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Digest::parse(&d.to_string()).unwrap(), d);
        assert!(Digest::parse("sha256:E3B0").is_err());
        assert!(Digest::parse("md5:abcd").is_err());
        assert!(Digest::parse("sha256:../../etc/passwd").is_err());
    }

    #[test]
    fn verifying_reader_detects_mismatch() {
        let good = Digest::sha256_of(b"hello");
        let mut out = Vec::new();
        VerifyingReader::new(&b"hello"[..], good.clone(), Some(5))
            .read_to_end(&mut out)
            .unwrap();
        let err = VerifyingReader::new(&b"hellO"[..], good.clone(), None)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(err.get_ref().unwrap().downcast_ref::<DigestMismatch>().is_some());
        let err = VerifyingReader::new(&b"hello!"[..], good, Some(5))
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
