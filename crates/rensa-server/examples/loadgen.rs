//! A load generator for `rensa serve`: keep-alive HTTPS connections (one thread each) posting an
//! AdmissionReview of a 3-container Deployment to `/validate`, for a bounded time and count, then the
//! throughput and latency percentiles.
//!
//! ```text
//! cargo run -p rensa-server --example loadgen -- --addr 127.0.0.1:8443 --ca ca.pem \
//!     [--connections 4] [--seconds 5] [--max-requests 1000000] [--path /validate]
//! ```
//!
//! Only loopback addresses are accepted: it is for measuring a server on this machine.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;

struct Args {
    addr: SocketAddr,
    ca: String,
    connections: usize,
    seconds: u64,
    max_requests: u64,
    path: String,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        addr: "127.0.0.1:8443".parse().unwrap(),
        ca: String::new(),
        connections: 4,
        seconds: 5,
        max_requests: 1_000_000,
        path: "/validate".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: invalid value {value:?}");
        match flag.as_str() {
            "--addr" => a.addr = value.parse().map_err(|_| format!("--addr: {value:?}"))?,
            "--ca" => a.ca = value,
            "--connections" => a.connections = value.parse().map_err(bad)?,
            "--seconds" => a.seconds = value.parse().map_err(bad)?,
            "--max-requests" => a.max_requests = value.parse().map_err(bad)?,
            "--path" => a.path = value,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if !a.addr.ip().is_loopback() {
        return Err("--addr must be a loopback address".into());
    }
    if a.ca.is_empty() {
        return Err("--ca FILE (the CA that signed the server certificate) is required".into());
    }
    a.seconds = a.seconds.clamp(1, 300);
    a.connections = a.connections.clamp(1, 256);
    Ok(a)
}

fn body(i: u64) -> Vec<u8> {
    let container = |name: &str| {
        json!({"name": name, "image": format!("registry.example/shop/{name}:1.0"),
               "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
               "resources": {"limits": {"cpu": "1", "memory": "256Mi"}}})
    };
    let review = json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": format!("load-{i}"), "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "namespace": "shop", "operation": "CREATE",
            "userInfo": {"username": "loadgen", "groups": ["system:authenticated"]},
            "object": {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                            "containers": [container("web"), container("sidecar"), container("metrics")]}}}}
        }
    });
    serde_json::to_vec(&review).unwrap()
}

/// Reads one response (headers, then Content-Length bytes); returns the status.
fn read_response(stream: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
}

fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&a.ca).expect("read --ca") {
        roots.add(cert.expect("PEM certificate")).expect("CA certificate");
    }
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let per_connection = a.max_requests.div_ceil(a.connections as u64);
    let started = Instant::now();
    let threads: Vec<_> = (0..a.connections)
        .map(|t| {
            let config = config.clone();
            let (addr, path) = (a.addr, a.path.clone());
            std::thread::spawn(move || {
                let name = ServerName::IpAddress(addr.ip().into());
                let conn = rustls::ClientConnection::new(config, name).unwrap();
                let tcp = TcpStream::connect(addr).expect("connect");
                tcp.set_nodelay(true).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                let mut buf = Vec::new();
                let mut i = 0;
                while i < per_connection && Instant::now() < deadline {
                    let body = body(t as u64 * per_connection + i);
                    let mut req = format!(
                        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    req.extend_from_slice(&body);
                    let t0 = Instant::now();
                    let ok = tls
                        .write_all(&req)
                        .and_then(|()| read_response(&mut tls, &mut buf));
                    match ok {
                        Ok(200) => latencies.push(t0.elapsed()),
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            break;
                        }
                    }
                    i += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (l, e) = t.join().unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "requests: {} ok, {errors} errors in {elapsed:.2} s over {} connections: {:.0}/s; latency ms p50 {:.3} p90 {:.3} p99 {:.3} max {:.3}",
        all.len(),
        a.connections,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
}
