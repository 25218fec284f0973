//! The server certificate: loaded from PEM files, checked (the key must match the certificate), and
//! swapped atomically on reload so new handshakes use the new pair while connections in flight keep theirs.

use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::{Error, Result};

/// The ring crypto provider (no aws-lc, no OpenSSL).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses a certificate chain and its private key (PEM) into a checked pair.
pub fn certified_key(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_path: &Path,
    key_path: &Path,
) -> Result<CertifiedKey> {
    let tls_error = |path: &Path, message: String| Error::Tls {
        location: path.display().to_string(),
        message,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| tls_error(cert_path, format!("not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(tls_error(cert_path, "no certificate (PEM) in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| tls_error(key_path, format!("not a PEM private key: {e}")))?;
    CertifiedKey::from_der(chain, key, &provider()).map_err(|e| Error::Tls {
        location: format!("{} + {}", cert_path.display(), key_path.display()),
        message: format!("unusable certificate and key: {e}"),
    })
}

/// Reads and checks the certificate and key files.
pub fn load(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            error: source,
        })
    };
    certified_key(&read(cert_path)?, &read(key_path)?, cert_path, key_path)
}

/// Hands every handshake the current pair; [`CertStore::set`] swaps it.
#[derive(Debug)]
pub struct CertStore {
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    /// A store holding `key`.
    pub fn new(key: CertifiedKey) -> CertStore {
        CertStore {
            current: RwLock::new(Arc::new(key)),
        }
    }

    /// Replaces the pair for new handshakes.
    pub fn set(&self, key: CertifiedKey) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(key);
    }

    /// The pair in use.
    pub fn get(&self) -> Arc<CertifiedKey> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.get())
    }
}

/// A rustls server configuration using `store`, offering h2 and HTTP/1.1 through ALPN.
pub fn server_config(store: Arc<CertStore>) -> Result<rustls::ServerConfig> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls {
            location: "TLS".into(),
            message: e.to_string(),
        })?
        .with_no_client_auth()
        .with_cert_resolver(store);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
