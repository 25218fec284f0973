//! Test helpers: a server started in-process on 127.0.0.1:0 with a certificate made by `openssl`, and a
//! small synchronous HTTPS client (rustls over a std TcpStream) that sees the server's certificate.
#![allow(dead_code)]

#[allow(unused_imports)]
#[path = "../../../rensa-oci/tests/support/mod.rs"]
pub mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rensa_policy::deploy::Date;
use rensa_server::{Handle, Options, ServeConfig, Server};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};

pub use support::pki::{self, ServerPki};

/// A running server in a temporary directory.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub pki: ServerPki,
    pub handle: Option<Handle>,
    pub addr: SocketAddr,
    pub client: Arc<rustls::ClientConfig>,
}

/// The policy most tests use: restricted, every optional rule on, images from registry.example by digest.
pub const POLICY: &str = "version: 1
pod_security:
  level: restricted
  require_resources: true
  require_read_only_root: true
  forbid_token_automount: true
images:
  allowed: [\"registry.example/**\"]
  require_digest: true
exceptions:
  - rule: pod-host-port
    namespace: legacy
    reason: the legacy proxy binds port 80 until TICKET-7
    expires: 2027-01-31
";

/// Options with a fixed day (exception expiry) and a test secret detector.
pub fn options() -> Options {
    Options {
        secrets: Some(Arc::new(TokenDetector)),
        today: Some(Date::parse("2026-11-23").unwrap()),
        ..Options::default()
    }
}

/// Finds GitHub-style tokens (`ghp_` and 36 alphanumerics): enough to exercise the detector path; the
/// CLI plugs in rensa-checks' scanner.
pub struct TokenDetector;

impl rensa_policy::deploy::secret::SecretDetector for TokenDetector {
    fn detect(&self, _name: &str, text: &str) -> Vec<rensa_policy::deploy::secret::DetectedSecret> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("ghp_") {
            let token = &rest[i + 4..];
            let n = token.bytes().take_while(u8::is_ascii_alphanumeric).count();
            if n >= 36 {
                out.push(rensa_policy::deploy::secret::DetectedSecret {
                    rule: "secret-github-token".into(),
                    masked: "ghp_****".into(),
                });
            }
            rest = &token[n..];
        }
        out
    }
}

/// Writes `serve.yaml` (HTTPS on 127.0.0.1:0, tls.crt/tls.key, policy.yaml, audit.jsonl, short timeouts,
/// fail-open namespace `sandbox`) plus `extra` lines (which may replace `audit_log`, `request_timeout` and `reload_interval`).
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("serve.yaml");
    let mut text = String::from(
        "version: 1\nlisten: 127.0.0.1:0\ntls: {cert: tls.crt, key: tls.key}\npolicy: policy.yaml\n\
         fail_open_namespaces: [sandbox]\n",
    );
    for default in [
        "audit_log: audit.jsonl",
        "request_timeout: 1s",
        "reload_interval: 100ms",
    ] {
        let key = default.split(':').next().unwrap();
        if !extra.contains(&format!("{key}:")) {
            text.push_str(default);
            text.push('\n');
        }
    }
    text.push_str(extra);
    std::fs::write(&path, text).unwrap();
    path
}

/// A client trusting `cas`, offering `alpn`.
pub fn client(cas: &[&Path], alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in cas {
        for cert in CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let mut config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    // Every connection does a full handshake, so it sees the certificate served now (a resumed session
    // reports the certificate of the session it resumes).
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// Starts a server with `policy` and extra configuration lines.
pub fn start(policy: &str, extra: &str, options: Options) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki::server(&dir.path().join("pki"));
    std::fs::copy(&pki.cert, dir.path().join("tls.crt")).unwrap();
    std::fs::copy(&pki.key, dir.path().join("tls.key")).unwrap();
    std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
    let config = ServeConfig::read(&write_config(dir.path(), extra)).unwrap();
    let handle = Server::start(config, options).unwrap();
    let addr = handle.addr();
    let client = client(&[&pki.ca], &[]);
    Fixture {
        dir,
        pki,
        handle: Some(handle),
        addr,
        client,
    }
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
    /// The server's certificate chain as the handshake presented it.
    pub peer: Vec<CertificateDer<'static>>,
    /// The protocol ALPN agreed on.
    pub alpn: Option<Vec<u8>>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Parses `HTTP/1.1 CODE ...\r\nheaders\r\n\r\nbody` (content-length or read-to-close bodies).
pub fn parse_reply(data: &[u8]) -> (u16, String, Vec<u8>) {
    let end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(data)));
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, data[end + 4..].to_vec())
}

/// Sends raw request bytes over one TLS connection (the request should say `Connection: close`) and
/// reads until the server closes it (at most 10 s).
pub fn send_raw(addr: SocketAddr, client: &Arc<rustls::ClientConfig>, request: &[u8]) -> Reply {
    let name = ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
    let conn = rustls::ClientConnection::new(client.clone(), name).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(request).unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !data.is_empty() => break,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !data.is_empty() => break,
            Err(e) => panic!(
                "reading the response: {e} (after {:?})",
                String::from_utf8_lossy(&data)
            ),
        }
    }
    let peer = tls
        .conn
        .peer_certificates()
        .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
        .unwrap_or_default();
    let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
    let (status, headers, body) = parse_reply(&data);
    Reply {
        status,
        headers,
        body,
        peer,
        alpn,
    }
}

/// The bytes of an HTTP/1.1 request with `Connection: close`.
pub fn request(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

impl Fixture {
    pub fn handle(&self) -> &Handle {
        self.handle.as_ref().unwrap()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn get(&self, path: &str) -> Reply {
        send_raw(self.addr, &self.client, &request("GET", path, b""))
    }

    pub fn post(&self, path: &str, body: &[u8]) -> Reply {
        send_raw(self.addr, &self.client, &request("POST", path, body))
    }

    /// Posts a review and returns its `response` (the HTTP status must be 200 and the uid echoed).
    pub fn review(&self, path: &str, review: &Value) -> Value {
        let reply = self.post(path, &serde_json::to_vec(review).unwrap());
        assert_eq!(reply.status, 200, "{}", reply.text());
        let v = reply.json();
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(v["kind"], "AdmissionReview");
        assert_eq!(v["response"]["uid"], review["request"]["uid"]);
        v["response"].clone()
    }

    /// The audit lines so far, with `time` checked (RFC 3339 UTC, ms) and removed and `latency_ms`
    /// checked (a number ≥ 0) and removed.
    pub fn audit(&self) -> Vec<Value> {
        assert!(self.handle().flush_audit(Duration::from_secs(5)));
        let text = std::fs::read_to_string(self.path("audit.jsonl")).unwrap();
        text.lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                let time = v["time"].as_str().unwrap().to_string();
                assert_eq!(time.len(), 24, "{time}");
                assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
                assert!(v["latency_ms"].as_f64().unwrap() >= 0.0);
                let m = v.as_object_mut().unwrap();
                m.remove("time");
                m.remove("latency_ms");
                v
            })
            .collect()
    }

    /// The value of a metric line (`name{labels}`) in /metrics.
    pub fn metric(&self, series: &str) -> f64 {
        let text = self.get("/metrics").text();
        metric_in(&text, series)
    }
}

pub fn metric_in(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("{series} not in\n{text}"))
        .parse()
        .unwrap()
}

/// Polls `f` every 50 ms until it is true, for at most `secs` seconds.
pub fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An AdmissionReview v1 request for `object` by user alice.
pub fn review(uid: &str, operation: &str, namespace: &str, object: Value) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": object["kind"].clone()},
            "namespace": namespace,
            "name": object["metadata"]["name"].clone(),
            "operation": operation,
            "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]},
            "object": object,
            "dryRun": false,
        }
    })
}

/// A pod spec that passes [`POLICY`]: restricted, limits, read-only root, no token, placed on attested
/// high-sensitivity eu-west nodes.
pub fn good_pod_spec() -> Value {
    json!({
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "nodeSelector": {
            "rensa.dev/sensitivity": "high",
            "rensa.dev/attested": "true",
            "topology.kubernetes.io/region": "eu-west"
        },
        "containers": [{
            "name": "web",
            "image": format!("registry.example/shop/web@sha256:{}", "2".repeat(64)),
            "securityContext": {
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
            },
            "resources": {"limits": {"cpu": "1", "memory": "256Mi"}}
        }],
        "volumes": [{"name": "cache", "emptyDir": {}}]
    })
}

/// Pod template metadata declaring sensitivity and regions.
pub fn good_template_metadata() -> Value {
    json!({
        "labels": {"app": "web", "rensa.dev/sensitivity": "high"},
        "annotations": {"rensa.dev/allowed-regions": "eu-west"}
    })
}

/// A workload of `kind` named `name` in `namespace` around [`good_pod_spec`].
pub fn workload(kind: &str, namespace: &str, name: &str) -> Value {
    let template = json!({"metadata": good_template_metadata(), "spec": good_pod_spec()});
    let metadata = json!({"name": name, "namespace": namespace, "labels": {"app": "web"}});
    let (api, spec) = match kind {
        "Pod" => {
            return json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": namespace, "labels": good_template_metadata()["labels"].clone(),
                             "annotations": good_template_metadata()["annotations"].clone()},
                "spec": good_pod_spec()
            });
        }
        "Job" => ("batch/v1", json!({"template": template})),
        "CronJob" => (
            "batch/v1",
            json!({"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}),
        ),
        _ => (
            "apps/v1",
            json!({"selector": {"matchLabels": {"app": "web"}}, "template": template}),
        ),
    };
    json!({"apiVersion": api, "kind": kind, "metadata": metadata, "spec": spec})
}

/// The pod spec of a workload built by [`workload`].
pub fn spec_mut(object: &mut Value) -> &mut Value {
    let path: &[&str] = match object["kind"].as_str().unwrap() {
        "Pod" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => &["spec", "template", "spec"],
    };
    path.iter().fold(object, |v, k| &mut v[*k])
}
