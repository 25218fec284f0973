//! Keys and certificates made with the `openssl` command line: a CA and a server certificate for
//! 127.0.0.1, and an RSA key with a self-signed certificate for signing registry tokens (RS256).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{require, run, write};

/// A test CA and a server certificate it signed, with IP SAN 127.0.0.1.
pub struct ServerPki {
    /// The CA certificate (PEM): what clients trust.
    pub ca: PathBuf,
    /// The server certificate (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
}

/// Makes a CA and a server certificate for 127.0.0.1 in `dir`.
pub fn server(dir: &Path) -> ServerPki {
    require("openssl");
    std::fs::create_dir_all(dir).unwrap();
    let p = |n: &str| dir.join(n);
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(Command::new("openssl")
        .args(["req", "-x509", "-days", "2", "-subj", "/CN=rensa test CA"])
        .args(ec)
        .arg("-keyout")
        .arg(p("ca.key"))
        .arg("-out")
        .arg(p("ca.pem")));
    run(Command::new("openssl")
        .args(["req", "-subj", "/CN=127.0.0.1"])
        .args(ec)
        .arg("-keyout")
        .arg(p("server.key"))
        .arg("-out")
        .arg(p("server.csr")));
    write(
        &p("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-set_serial", "2"])
        .arg("-in")
        .arg(p("server.csr"))
        .arg("-CA")
        .arg(p("ca.pem"))
        .arg("-CAkey")
        .arg(p("ca.key"))
        .arg("-extfile")
        .arg(p("server.ext"))
        .arg("-out")
        .arg(p("server.pem")));
    ServerPki {
        ca: p("ca.pem"),
        cert: p("server.pem"),
        key: p("server.key"),
    }
}

/// An RSA key and its self-signed certificate, for signing JWTs the registry trusts.
pub struct TokenSigner {
    /// The private key (PEM).
    pub key: PathBuf,
    /// The certificate (PEM): the registry's `rootcertbundle`.
    pub cert: PathBuf,
    /// The certificate in DER, for the JWT `x5c` header.
    pub cert_der: Vec<u8>,
}

/// Makes the token-signing key and certificate in `dir`.
pub fn token_signer(dir: &Path) -> TokenSigner {
    require("openssl");
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join("token.key");
    let cert = dir.join("token.pem");
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-days",
            "2",
            "-subj",
            "/CN=rensa test token issuer",
        ])
        .args(["-newkey", "rsa:2048", "-nodes"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    let cert_der = run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&cert));
    TokenSigner { key, cert, cert_der }
}

impl TokenSigner {
    /// An RS256 signature of `data` (PKCS#1 v1.5 over SHA-256), made by `openssl dgst -sign`.
    pub fn sign(&self, data: &[u8], scratch: &Path) -> Vec<u8> {
        let input = scratch.join(format!("jwt-{}.txt", std::process::id()));
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let input = input.with_extension(format!("{n}.txt"));
        std::fs::write(&input, data).unwrap();
        let sig = run(Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&self.key)
            .arg(&input));
        let _ = std::fs::remove_file(&input);
        sig
    }
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
