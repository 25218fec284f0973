//! Registry pulls against a real `docker-registry` (distribution 2.8) started on 127.0.0.1 by each test,
//! with images pushed by the real `skopeo`: anonymous over plain HTTP, TLS with a private CA plus htpasswd
//! basic auth, and bearer tokens from a token server the test runs (JWTs signed by `openssl`). Failures the
//! real registry cannot produce on demand (500, a server that never answers, blobs that do not match their
//! digests) come from small in-test servers.
//!
//! The `repository_*` tests write as well as read, through [`Repository`]: blobs and manifests pushed to
//! the real registry (anonymous, htpasswd over TLS, bearer tokens with pull-only and push users), read
//! back by tag and digest, checked with skopeo and pulled as an image; a cosign-style signature manifest
//! stored under `sha256-HEX.sig`; and a fake registry for what the real one will not do (wrong digests,
//! upload locations on another host, challenges without a scope).

mod support;

use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rensa_oci::{
    Digest, Error, FileTree, ImageRef, ImageSource, Interest, OpenOptions, Platform, ReadOptions,
    RegistryOptions, Repository, SourceKind, Want,
};
use serde_json::json;
use support::http::{Request, Response, Server};
use support::layout::{Blob, BuiltImage, Layout};
use support::registry::{Auth, Registry};
use support::{pki, require, run, write};

/// Keeps the content of every file under /etc.
struct Etc;
impl Interest for Etc {
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if path.starts_with("/etc/") {
            Want::Content
        } else {
            Want::Skip
        }
    }
    fn cache_key(&self) -> String {
        "registry-test-etc".into()
    }
}

/// The images every registry test pushes: a two-layer image and a two-platform index.
struct Fixture {
    layout: Layout,
    app: BuiltImage,
    amd64: BuiltImage,
    arm64: BuiltImage,
    multi_digest: String,
}

fn fixture(dir: &Path) -> Fixture {
    let mut layout = Layout::new(&dir.join("layout"));
    let app = layout.image(
        "linux/amd64",
        &[
            &[("etc/os-release", b"ID=rensa\n"), ("etc/hello", b"hello v1\n")],
            &[("etc/hello", b"hello v2\n"), ("etc/app.conf", b"port=8080\n")],
        ],
    );
    layout.tag("app", app.descriptor(false));
    let amd64 = layout.image("linux/amd64", &[&[("etc/arch", b"amd64\n")]]);
    let arm64 = layout.image("linux/arm64/v8", &[&[("etc/arch", b"arm64\n")]]);
    let multi = layout.index(&[&amd64, &arm64]);
    layout.tag(
        "multi",
        multi.descriptor("application/vnd.oci.image.index.v1+json"),
    );
    Fixture {
        layout,
        app,
        amd64,
        arm64,
        multi_digest: multi.digest,
    }
}

fn app_files() -> BTreeMap<String, String> {
    [
        ("/etc/app.conf", "port=8080\n"),
        ("/etc/hello", "hello v2\n"),
        ("/etc/os-release", "ID=rensa\n"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn arch_files(arch: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("/etc/arch".to_string(), format!("{arch}\n"))])
}

/// Options that never read the user's Docker config.
fn options(dir: &Path) -> RegistryOptions {
    RegistryOptions {
        timeout_secs: 10,
        auth_file: Some(dir.join("no-docker-config.json")),
        ..Default::default()
    }
}

fn open(
    reference: &str,
    registry: &RegistryOptions,
    platform: Option<&str>,
) -> Result<Box<dyn ImageSource>, Error> {
    let r = ImageRef::parse(reference)?;
    let platform = platform.map(|p| Platform::parse(p).unwrap()).unwrap_or_default();
    rensa_oci::open(
        &r,
        &OpenOptions {
            platform,
            registry: registry.clone(),
        },
    )
}

fn files(source: &dyn ImageSource) -> BTreeMap<String, String> {
    let tree: FileTree = rensa_oci::read_tree(source, &Etc, &ReadOptions::default()).unwrap();
    tree.iter()
        .filter_map(|(p, n)| Some((p.to_string(), String::from_utf8(n.content.clone()?).unwrap())))
        .collect()
}

/// Checks the resolved image against what the test built.
fn assert_image(source: &dyn ImageSource, built: &BuiltImage, name: &str, tags: &[&str]) {
    let image = source.image();
    assert_eq!(image.kind, SourceKind::Registry);
    assert_eq!(image.name, name);
    assert_eq!(image.tags, tags);
    assert_eq!(
        image.manifest_digest.as_ref().map(|d| d.to_string()),
        Some(built.manifest.digest.clone())
    );
    assert_eq!(
        image.config_digest.as_ref().map(|d| d.to_string()),
        Some(built.config.digest.clone())
    );
    let layers: Vec<(String, String, String, Option<u64>)> = image
        .layers
        .iter()
        .map(|l| {
            (
                l.digest.as_ref().unwrap().to_string(),
                l.diff_id.as_ref().unwrap().to_string(),
                l.media_type.clone(),
                l.size,
            )
        })
        .collect();
    let expected: Vec<(String, String, String, Option<u64>)> = built
        .layers
        .iter()
        .zip(&built.diff_ids)
        .map(|(b, d)| {
            (
                b.digest.clone(),
                d.clone(),
                "application/vnd.oci.image.layer.v1.tar+gzip".into(),
                Some(b.data.len() as u64),
            )
        })
        .collect();
    assert_eq!(layers, expected);
}

/// The registry error's fields, or a panic naming what came instead.
fn registry_error<T>(r: Result<T, Error>) -> (String, String) {
    match r {
        Err(Error::Registry { registry, reason }) => (registry, reason),
        Err(e) => panic!("expected a registry error, got {e:?}"),
        Ok(_) => panic!("expected a registry error, got success"),
    }
}

#[test]
fn anonymous_pull_over_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let reg = Registry::start(&dir.path().join("registry"), None, Auth::Anonymous);
    let addr = reg.addr.clone();
    let pushed = reg.push(&fx.layout.dir, "app", "test/app:v1", &["--preserve-digests"]);
    assert_eq!(pushed, fx.app.manifest.digest);
    let plain = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };

    // By tag, through the docker:// transport and as a bare reference.
    let name = format!("{addr}/test/app:v1");
    let src = open(&format!("docker://{name}"), &plain, None).unwrap();
    assert_image(src.as_ref(), &fx.app, &name, &["v1"]);
    assert_eq!(src.location(), format!("{addr}/test/app"));
    assert_eq!(files(src.as_ref()), app_files());
    let src = open(&name, &plain, None).unwrap();
    assert_eq!(files(src.as_ref()), app_files());

    // By digest.
    let name = format!("{addr}/test/app@{}", fx.app.manifest.digest);
    let src = open(&name, &plain, None).unwrap();
    assert_image(src.as_ref(), &fx.app, &name, &[]);
    assert_eq!(files(src.as_ref()), app_files());

    // The same image as a Docker v2 schema 2 manifest: skopeo rewrites the manifest, the layers stay.
    let docker_digest = reg.push(&fx.layout.dir, "app", "test/app-docker:v1", &["--format", "v2s2"]);
    assert_ne!(docker_digest, fx.app.manifest.digest);
    let src = open(&format!("{addr}/test/app-docker:v1"), &plain, None).unwrap();
    let image = src.image();
    assert_eq!(image.manifest_digest.as_ref().unwrap().to_string(), docker_digest);
    let layers: Vec<(String, String, String)> = image
        .layers
        .iter()
        .map(|l| {
            (
                l.digest.as_ref().unwrap().to_string(),
                l.diff_id.as_ref().unwrap().to_string(),
                l.media_type.clone(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = fx
        .app
        .layers
        .iter()
        .zip(&fx.app.diff_ids)
        .map(|(b, d)| {
            (
                b.digest.clone(),
                d.clone(),
                "application/vnd.docker.image.rootfs.diff.tar.gzip".into(),
            )
        })
        .collect();
    assert_eq!(layers, expected);
    assert_eq!(files(src.as_ref()), app_files());

    // A multi-platform index: linux/amd64 by default, another platform on request.
    let pushed = reg.push(
        &fx.layout.dir,
        "multi",
        "test/multi:v1",
        &["--all", "--preserve-digests"],
    );
    assert_eq!(pushed, fx.multi_digest);
    let name = format!("{addr}/test/multi:v1");
    let src = open(&name, &plain, None).unwrap();
    assert_image(src.as_ref(), &fx.amd64, &name, &["v1"]);
    assert_eq!(files(src.as_ref()), arch_files("amd64"));
    let src = open(&name, &plain, Some("linux/arm64")).unwrap();
    assert_image(src.as_ref(), &fx.arm64, &name, &["v1"]);
    assert_eq!(files(src.as_ref()), arch_files("arm64"));
    let src = open(
        &format!("{addr}/test/multi@{}", fx.multi_digest),
        &plain,
        Some("linux/arm64/v8"),
    )
    .unwrap();
    assert_eq!(files(src.as_ref()), arch_files("arm64"));
    match open(&name, &plain, Some("linux/s390x")) {
        Err(Error::NotFound { location, reason }) => {
            assert_eq!(location, format!("{addr}/test/multi"));
            assert_eq!(
                reason,
                "no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8)"
            );
        }
        other => panic!("expected NotFound, got {:?}", other.map(|_| ())),
    }

    // No such tag, no such repository.
    let (registry, reason) = registry_error(open(&format!("{addr}/test/app:nope"), &plain, None));
    assert_eq!(registry, addr);
    assert_eq!(
        reason,
        format!(
            "manifest {addr}/test/app:nope: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown): \
             no such repository, tag or digest"
        )
    );
    let (_, reason) = registry_error(open(&format!("{addr}/test/none:v1"), &plain, None));
    assert_eq!(
        reason,
        format!(
            "manifest {addr}/test/none:v1: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown): \
             no such repository, tag or digest"
        )
    );
    // HTTPS against a plain-HTTP registry says what to do.
    let (_, reason) = registry_error(open(&format!("{addr}/test/app:v1"), &options(dir.path()), None));
    assert!(reason.contains("--insecure"), "{reason}");
}

#[test]
fn tls_with_private_ca_and_htpasswd() {
    require("htpasswd");
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let pki = pki::server(&dir.path().join("pki"));
    let htpasswd = dir.path().join("htpasswd");
    write(
        &htpasswd,
        run(Command::new("htpasswd").args(["-Bbn", "alice", "s3cret"])),
    );
    let reg = Registry::start(
        &dir.path().join("registry"),
        Some((&pki.cert, &pki.key)),
        Auth::Htpasswd(htpasswd.clone()),
    );
    let addr = reg.addr.clone();
    let pushed = reg.push(
        &fx.layout.dir,
        "app",
        "team/app:v1",
        &["--preserve-digests", "--dest-creds", "alice:s3cret"],
    );
    assert_eq!(pushed, fx.app.manifest.digest);
    let name = format!("{addr}/team/app:v1");
    let good = RegistryOptions {
        ca_file: Some(pki.ca.clone()),
        username: Some("alice".into()),
        password: Some("s3cret".into()),
        ..options(dir.path())
    };
    let src = open(&name, &good, None).unwrap();
    assert_image(src.as_ref(), &fx.app, &name, &["v1"]);
    assert_eq!(files(src.as_ref()), app_files());

    // Credentials from a Docker config.json.
    let config = dir.path().join("docker/config.json");
    write(
        &config,
        json!({"auths": {
            "other.example": {"auth": STANDARD.encode("bob:nope")},
            addr.clone(): {"auth": STANDARD.encode("alice:s3cret")},
        }})
        .to_string(),
    );
    let from_config = RegistryOptions {
        ca_file: Some(pki.ca.clone()),
        auth_file: Some(config),
        ..options(dir.path())
    };
    let src = open(&name, &from_config, None).unwrap();
    assert_eq!(files(src.as_ref()), app_files());

    // Wrong password, no credentials.
    let wrong = RegistryOptions {
        password: Some("guess".into()),
        ..good.clone()
    };
    let (registry, reason) = registry_error(open(&name, &wrong, None));
    assert_eq!(registry, addr);
    assert_eq!(
        reason,
        format!(
            "manifest {addr}/team/app:v1: 401 Unauthorized (UNAUTHORIZED: authentication required): \
             user \"alice\" was refused (wrong user name or password?)"
        )
    );
    let anonymous = RegistryOptions {
        ca_file: Some(pki.ca.clone()),
        ..options(dir.path())
    };
    let (_, reason) = registry_error(open(&name, &anonymous, None));
    assert_eq!(
        reason,
        format!(
            "manifest {addr}/team/app:v1: 401 Unauthorized (UNAUTHORIZED: authentication required): \
             the registry requires a user name and password (--username and --password, or docker login)"
        )
    );

    // Without the CA the certificate is not trusted.
    let no_ca = RegistryOptions {
        ca_file: None,
        ..good.clone()
    };
    let (_, reason) = registry_error(open(&name, &no_ca, None));
    assert!(
        reason.starts_with(&format!(
            "GET https://{addr}/v2/team/app/manifests/v1: TLS failed"
        )),
        "{reason}"
    );
    assert!(reason.contains("--ca-file"), "{reason}");
    // A CA file that holds no certificate.
    let not_pem = dir.path().join("not.pem");
    write(&not_pem, "hello");
    let bad_ca = RegistryOptions {
        ca_file: Some(not_pem.clone()),
        ..good
    };
    match open(&name, &bad_ca, None) {
        Err(Error::Malformed { location, reason }) => {
            assert_eq!(location, not_pem.display().to_string());
            assert_eq!(reason, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        other => panic!("expected Malformed, got {:?}", other.map(|_| ())),
    }
}

/// A token server for the registry's `auth: token:` mode: it checks basic credentials and issues RS256
/// JWTs (signed by `openssl`) granting what the scope asks for.
struct TokenServer {
    server: Server,
    /// `(service, scope, authorized)` of each request, in order.
    requests: Arc<Mutex<Vec<(String, String, bool)>>>,
}

const ISSUER: &str = "rensa-test-issuer";
const SERVICE: &str = "rensa-test-registry";

fn token_server(dir: &Path) -> (TokenServer, PathBuf) {
    let signer = pki::token_signer(&dir.join("token"));
    let bundle = signer.cert.clone();
    let scratch = dir.join("token");
    let x5c = STANDARD.encode(&signer.cert_der);
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let server = Server::start(move |req: &Request| {
        if req.path != "/token" {
            return Response::new(404, "text/plain", "not found");
        }
        let service = req
            .params("service")
            .first()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let scopes: Vec<String> = req.params("scope").iter().map(|s| s.to_string()).collect();
        // alice may pull and push; reader only pull.
        let user = ["alice", "reader"].into_iter().find(|u| {
            req.header("authorization") == Some(&format!("Basic {}", STANDARD.encode(format!("{u}:s3cret"))))
        });
        let authorized = user.is_some();
        seen.lock()
            .unwrap()
            .push((service.clone(), scopes.join(" "), authorized));
        if !authorized {
            return Response::new(401, "application/json", r#"{"details":"invalid credentials"}"#);
        }
        let access: Vec<serde_json::Value> = scopes
            .iter()
            .flat_map(|s| s.split(' '))
            .filter_map(|s| {
                let (kind, rest) = s.split_once(':')?;
                let (name, actions) = rest.rsplit_once(':')?;
                let actions: Vec<&str> = actions
                    .split(',')
                    .filter(|a| user == Some("alice") || *a == "pull")
                    .collect();
                Some(json!({"type": kind, "name": name, "actions": actions}))
            })
            .collect();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let header = json!({"alg": "RS256", "typ": "JWT", "x5c": [x5c]});
        let claims = json!({
            "iss": ISSUER, "sub": user, "aud": service, "exp": now + 300, "nbf": now - 10,
            "iat": now - 10, "jti": format!("{now}-{}", access.len()), "access": access,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = signer.sign(input.as_bytes(), &scratch);
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature));
        Response::new(
            200,
            "application/json",
            json!({"token": token, "expires_in": 300}).to_string(),
        )
    });
    (TokenServer { server, requests }, bundle)
}

#[test]
fn bearer_token_auth() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let (tokens, bundle) = token_server(dir.path());
    let realm = format!("http://{}/token", tokens.server.addr);
    let reg = Registry::start(
        &dir.path().join("registry"),
        None,
        Auth::Token {
            realm: realm.clone(),
            service: SERVICE.into(),
            issuer: ISSUER.into(),
            root_cert_bundle: bundle,
        },
    );
    let addr = reg.addr.clone();
    let pushed = reg.push(
        &fx.layout.dir,
        "multi",
        "team/multi:v1",
        &["--all", "--preserve-digests", "--dest-creds", "alice:s3cret"],
    );
    assert_eq!(pushed, fx.multi_digest);
    tokens.requests.lock().unwrap().clear();

    let good = RegistryOptions {
        insecure: true,
        username: Some("alice".into()),
        password: Some("s3cret".into()),
        ..options(dir.path())
    };
    let name = format!("{addr}/team/multi:v1");
    let src = open(&name, &good, Some("linux/arm64")).unwrap();
    assert_image(src.as_ref(), &fx.arm64, &name, &["v1"]);
    assert_eq!(files(src.as_ref()), arch_files("arm64"));
    // One token, for pull on this repository, reused for the index, manifest, config and layer.
    assert_eq!(
        *tokens.requests.lock().unwrap(),
        vec![(
            SERVICE.to_string(),
            "repository:team/multi:pull".to_string(),
            true
        )]
    );

    let wrong = RegistryOptions {
        password: Some("guess".into()),
        ..good.clone()
    };
    let (registry, reason) = registry_error(open(&name, &wrong, None));
    assert_eq!(registry, addr);
    assert_eq!(
        reason,
        format!(
            "token from {realm}: 401 Unauthorized: user \"alice\" was refused (wrong user name or password?)"
        )
    );
    let anonymous = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };
    let (_, reason) = registry_error(open(&name, &anonymous, None));
    assert_eq!(
        reason,
        format!(
            "token from {realm}: 401 Unauthorized: anonymous access was refused; give --username and --password"
        )
    );
    // Without a token the registry itself refuses.
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false", "--no-creds"])
        .arg(format!("docker://{name}"))
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// A misbehaving registry serving fixed answers by path; records every request.
struct FakeRegistry {
    server: Server,
    requests: Arc<Mutex<Vec<Request>>>,
}

fn fake_registry(routes: HashMap<String, Response>) -> FakeRegistry {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let server = Server::start(move |req: &Request| {
        seen.lock().unwrap().push(req.clone());
        routes.get(&req.path).cloned().unwrap_or_else(|| {
            Response::new(
                404,
                "application/json",
                r#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}"#,
            )
        })
    });
    FakeRegistry { server, requests }
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

#[test]
fn corrupt_blobs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let app = &fx.app;
    let blob = |data: &[u8]| Response::new(200, "application/octet-stream", data.to_vec());
    let manifest = Response::new(200, OCI_MANIFEST, app.manifest.data.clone());
    // Still a valid gzip stream of the same tar (only the header's MTIME differs), so only the digest
    // check can notice.
    let mut flipped_layer = app.layers[1].data.clone();
    flipped_layer[4] ^= 1;
    let mut flipped_config = app.config.data.clone();
    flipped_config[0] = b' ';
    let mut routes = HashMap::new();
    for (repo, layer1, config) in [
        ("good", &app.layers[1].data, &app.config.data),
        ("layer", &flipped_layer, &app.config.data),
        ("config", &app.layers[1].data, &flipped_config),
    ] {
        routes.insert(format!("/v2/{repo}/manifests/v1"), manifest.clone());
        routes.insert(format!("/v2/{repo}/blobs/{}", app.config.digest), blob(config));
        routes.insert(
            format!("/v2/{repo}/blobs/{}", app.layers[0].digest),
            blob(&app.layers[0].data),
        );
        routes.insert(format!("/v2/{repo}/blobs/{}", app.layers[1].digest), blob(layer1));
    }
    // Pulled by digest, but the registry answers with another manifest.
    routes.insert(
        format!("/v2/other/manifests/{}", app.manifest.digest),
        Response::new(200, OCI_MANIFEST, fx.amd64.manifest.data.clone()),
    );
    // A tag whose Docker-Content-Digest header does not match the body.
    routes.insert(
        "/v2/header/manifests/v1".into(),
        manifest
            .clone()
            .with("Docker-Content-Digest", &fx.amd64.manifest.digest),
    );
    // A layer the registry does not have.
    routes.insert("/v2/missing/manifests/v1".into(), manifest.clone());
    routes.insert(
        format!("/v2/missing/blobs/{}", app.config.digest),
        blob(&app.config.data),
    );
    routes.insert(
        format!("/v2/missing/blobs/{}", app.layers[1].digest),
        blob(&app.layers[1].data),
    );
    // A schema 1 manifest.
    routes.insert(
        "/v2/schema1/manifests/v1".into(),
        Response::new(
            200,
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            r#"{"schemaVersion":1,"fsLayers":[]}"#,
        ),
    );
    let fake = fake_registry(routes);
    let addr = fake.server.addr.clone();
    let plain = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };

    let src = open(&format!("{addr}/good:v1"), &plain, None).unwrap();
    assert_image(src.as_ref(), app, &format!("{addr}/good:v1"), &["v1"]);
    assert_eq!(files(src.as_ref()), app_files());
    let manifest_request = fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .find(|r| r.path == "/v2/good/manifests/v1")
        .cloned()
        .unwrap();
    let accept = manifest_request.header("accept").unwrap().to_string();
    for mt in [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ] {
        assert!(accept.contains(mt), "Accept {accept:?} lacks {mt}");
    }

    let mismatch = |r: Result<(), Error>| match r {
        Err(Error::DigestMismatch {
            location,
            expected,
            actual,
        }) => (location, expected, actual),
        Err(e) => panic!("expected a digest mismatch, got {e:?}"),
        Ok(()) => panic!("expected a digest mismatch, got success"),
    };
    let src = open(&format!("{addr}/layer:v1"), &plain, None).unwrap();
    let r = rensa_oci::read_tree(src.as_ref(), &Etc, &ReadOptions::default()).map(|_| ());
    let (location, expected, _) = mismatch(r);
    assert_eq!(
        (location, expected),
        (format!("{addr}/layer"), app.layers[1].digest.clone())
    );

    let (location, expected, actual) = mismatch(open(&format!("{addr}/config:v1"), &plain, None).map(|_| ()));
    assert_eq!(
        (location, expected, actual),
        (
            format!("{addr}/config"),
            app.config.digest.clone(),
            rensa_oci::Digest::sha256_of(&flipped_config).to_string()
        )
    );
    let manifest_mismatch = |r: Result<(), Error>| match r {
        Err(Error::ManifestDigestMismatch {
            manifest,
            expected,
            actual,
        }) => (manifest, expected, actual),
        Err(e) => panic!("expected a manifest digest mismatch, got {e:?}"),
        Ok(()) => panic!("expected a manifest digest mismatch, got success"),
    };
    let (manifest, expected, actual) =
        manifest_mismatch(open(&format!("{addr}/other@{}", app.manifest.digest), &plain, None).map(|_| ()));
    assert_eq!(
        (manifest, expected, actual),
        (
            format!("{addr}/other@{}", app.manifest.digest),
            app.manifest.digest.clone(),
            fx.amd64.manifest.digest.clone()
        )
    );
    let (manifest, expected, actual) =
        manifest_mismatch(open(&format!("{addr}/header:v1"), &plain, None).map(|_| ()));
    assert_eq!(
        (manifest, expected, actual),
        (
            format!("{addr}/header:v1"),
            fx.amd64.manifest.digest.clone(),
            app.manifest.digest.clone()
        )
    );

    let src = open(&format!("{addr}/missing:v1"), &plain, None).unwrap();
    match rensa_oci::read_tree(src.as_ref(), &Etc, &ReadOptions::default()) {
        Err(Error::MissingBlob { location, digest }) => {
            assert_eq!(location, format!("{addr}/missing"));
            assert_eq!(digest, app.layers[0].digest);
        }
        other => panic!("expected MissingBlob, got {:?}", other.map(|_| ())),
    }
    match open(&format!("{addr}/schema1:v1"), &plain, None) {
        Err(Error::UnsupportedMediaType { media_type, .. }) => {
            assert_eq!(
                media_type,
                "application/vnd.docker.distribution.manifest.v1+prettyjws"
            )
        }
        other => panic!("expected UnsupportedMediaType, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn server_errors_and_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let failing = Server::start(|_: &Request| {
        Response::new(
            500,
            "application/json",
            r#"{"errors":[{"code":"UNKNOWN","message":"unknown error"}]}"#,
        )
    });
    let addr = failing.addr.clone();
    let plain = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };
    let (registry, reason) = registry_error(open(&format!("{addr}/team/app:v1"), &plain, None));
    assert_eq!(registry, addr);
    assert_eq!(
        reason,
        format!(
            "manifest {addr}/team/app:v1: 500 Internal Server Error (UNKNOWN: unknown error): \
             the registry failed (server error)"
        )
    );

    // A registry that accepts connections and never answers: a clear error once the timeout passes.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    for insecure in [true, false] {
        let opts = RegistryOptions {
            insecure,
            timeout_secs: 2,
            ..options(dir.path())
        };
        let started = Instant::now();
        let (registry, reason) = registry_error(open(&format!("{addr}/team/app:v1"), &opts, None));
        let took = started.elapsed();
        assert_eq!(registry, addr);
        let scheme = if insecure { "http" } else { "https" };
        assert!(
            reason.starts_with(&format!(
                "GET {scheme}://{addr}/v2/team/app/manifests/v1: no answer within 2 s"
            )),
            "{reason}"
        );
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(6),
            "took {took:?}"
        );
    }

    // A registry that stops sending in the middle of a layer.
    let fx = fixture(dir.path());
    let app = &fx.app;
    let blob = |data: &[u8]| Response::new(200, "application/octet-stream", data.to_vec());
    let routes = HashMap::from([
        (
            "/v2/team/app/manifests/v1".to_string(),
            Response::new(200, OCI_MANIFEST, app.manifest.data.clone()),
        ),
        (
            format!("/v2/team/app/blobs/{}", app.config.digest),
            blob(&app.config.data),
        ),
        (
            format!("/v2/team/app/blobs/{}", app.layers[0].digest),
            blob(&app.layers[0].data),
        ),
        (
            format!("/v2/team/app/blobs/{}", app.layers[1].digest),
            blob(&app.layers[1].data).stalling_after(10),
        ),
    ]);
    let stalling = fake_registry(routes);
    let addr = stalling.server.addr.clone();
    let opts = RegistryOptions {
        insecure: true,
        timeout_secs: 2,
        ..options(dir.path())
    };
    let src = open(&format!("{addr}/team/app:v1"), &opts, None).unwrap();
    let started = Instant::now();
    let err = rensa_oci::read_tree(src.as_ref(), &Etc, &ReadOptions::default())
        .map(|_| ())
        .unwrap_err();
    let took = started.elapsed();
    match &err {
        Error::Layer {
            location,
            layer,
            reason,
        } => {
            assert_eq!(
                (location.as_str(), layer.as_str()),
                (format!("{addr}/team/app").as_str(), app.layers[1].digest.as_str())
            );
            assert!(
                reason.ends_with(&format!("registry {addr}: no data for 2 s (timed out)")),
                "{reason}"
            );
        }
        e => panic!("expected a layer error, got {e:?}"),
    }
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "took {took:?}"
    );

    // Nobody listening at all.
    let port = support::registry::free_port();
    let (_, reason) = registry_error(open(&format!("127.0.0.1:{port}/a:v1"), &plain, None));
    assert!(
        reason.starts_with(&format!("GET http://127.0.0.1:{port}/v2/a/manifests/v1: ")),
        "{reason}"
    );
}

/// A registry that wants a bearer token, lets a token "expire" after the manifest, and redirects blob
/// downloads to another server (as registries backed by object storage do).
#[test]
fn token_refresh_and_blob_redirects() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let app = fx.app.clone();
    let blob_seen: Arc<Mutex<Vec<Request>>> = Arc::new(Mutex::new(Vec::new()));
    let blob_seen2 = blob_seen.clone();
    let blobs: HashMap<String, Vec<u8>> = std::iter::once(&app.config)
        .chain(&app.layers)
        .map(|b| (format!("/store/{}", b.digest), b.data.clone()))
        .collect();
    let storage = Server::start(move |req: &Request| {
        blob_seen2.lock().unwrap().push(req.clone());
        match blobs.get(&req.path) {
            Some(data) => Response::new(200, "application/octet-stream", data.clone()),
            None => Response::new(404, "text/plain", "no such object"),
        }
    });
    let storage_addr = storage.addr.clone();
    let tokens_issued = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let issued = tokens_issued.clone();
    let registry = Server::start(move |req: &Request| {
        let host = req.header("host").unwrap_or("").to_string();
        let challenge = |error: &str| {
            Response::new(
                401,
                "application/json",
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            )
            .with(
                "WWW-Authenticate",
                &format!(r#"Bearer realm="http://{host}/token",service="fake"{error}"#),
            )
        };
        if req.path == "/token" {
            let mut issued = issued.lock().unwrap();
            issued.push((req.params("service").join(" "), req.params("scope").join(" ")));
            return Response::new(
                200,
                "application/json",
                json!({"token": format!("tok-{}", issued.len())}).to_string(),
            );
        }
        let auth = req.header("authorization").unwrap_or("");
        if req.path == "/v2/r/manifests/v1" {
            if auth != "Bearer tok-1" {
                return challenge("");
            }
            return Response::new(200, OCI_MANIFEST, app.manifest.data.clone());
        }
        if let Some(digest) = req.path.strip_prefix("/v2/r/blobs/") {
            // The first token has expired by now.
            if auth != "Bearer tok-2" {
                return challenge(r#",error="invalid_token""#);
            }
            return Response::new(307, "text/plain", "")
                .with("Location", &format!("http://{storage_addr}/store/{digest}"));
        }
        Response::new(404, "text/plain", "")
    });
    let opts = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };
    let src = open(&format!("{}/r:v1", registry.addr), &opts, None).unwrap();
    assert_image(src.as_ref(), &fx.app, &format!("{}/r:v1", registry.addr), &["v1"]);
    assert_eq!(files(src.as_ref()), app_files());
    // No scope in the challenge: the client asks for pull on the repository; one refresh after expiry.
    assert_eq!(
        *tokens_issued.lock().unwrap(),
        vec![("fake".to_string(), "repository:r:pull".to_string()); 2]
    );
    // The registry's token never goes to the storage server the blobs were redirected to.
    let seen = blob_seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|r| r.header("authorization").is_none()),
        "{seen:?}"
    );
}

// ---- Repository: reading and writing one repository ----

const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const COSIGN_SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const COSIGN_SIGNATURE: &str = "dev.cosignproject.cosign/signature";

/// A [`Repository`] for `ADDR/NAME`.
fn repository(addr: &str, name: &str, opts: &RegistryOptions) -> Result<Repository, Error> {
    match ImageRef::parse(&format!("{addr}/{name}:ignored")).unwrap() {
        ImageRef::Registry(r) => Repository::open(&r, opts),
        _ => panic!("{addr}/{name} is not a registry reference"),
    }
}

fn digest(s: &str) -> Digest {
    Digest::parse(s).unwrap()
}

/// Pushes `image`'s config, layers and manifest (as `tag`), checking every digest returned.
fn push_image(repo: &Repository, image: &BuiltImage, tag: &str) {
    for blob in std::iter::once(&image.config).chain(&image.layers) {
        assert_eq!(repo.push_blob(&blob.data).unwrap().to_string(), blob.digest);
    }
    let pushed = repo
        .put_manifest(tag, &image.manifest.data, OCI_MANIFEST)
        .unwrap();
    assert_eq!(pushed.to_string(), image.manifest.digest);
}

/// How many blob uploads the registry has started for `repo`, from its access log.
fn uploads_started(reg: &Registry, repo: &str) -> usize {
    // The access log line is written after the answer is sent.
    std::thread::sleep(Duration::from_millis(300));
    reg.log_text()
        .matches(&format!("\"POST /v2/{repo}/blobs/uploads/ HTTP/1.1\" 202"))
        .count()
}

/// A cosign-style signature of `image_digest`: config blob, simple-signing payload blob and the
/// manifest (an OCI image manifest with the signature in the layer's annotation).
struct CosignSignature {
    config: Blob,
    payload: Blob,
    manifest: Vec<u8>,
}

fn cosign_signature(image: &str, image_digest: &str) -> CosignSignature {
    let payload = Blob::new(
        json!({
            "critical": {
                "identity": {"docker-reference": image},
                "image": {"docker-manifest-digest": image_digest},
                "type": "cosign container image signature"
            },
            "optional": null
        })
        .to_string()
        .into_bytes(),
    );
    let config = Blob::new(
        json!({
            "architecture": "", "created": "0001-01-01T00:00:00Z", "os": "", "config": {},
            "history": [{"created": "0001-01-01T00:00:00Z"}],
            "rootfs": {"type": "layers", "diff_ids": [payload.digest]}
        })
        .to_string()
        .into_bytes(),
    );
    let mut layer = payload.descriptor(COSIGN_SIMPLESIGNING);
    layer["annotations"] =
        json!({COSIGN_SIGNATURE: STANDARD.encode(b"not really a signature, 64 bytes of it")});
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(OCI_CONFIG),
        "layers": [layer],
    })
    .to_string()
    .into_bytes();
    CosignSignature {
        config,
        payload,
        manifest,
    }
}

fn skopeo_raw(reference: &str, extra: &[&str]) -> Vec<u8> {
    require("skopeo");
    run(Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .args(extra)
        .arg(format!("docker://{reference}")))
}

#[test]
fn repository_push_and_read_anonymous() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let reg = Registry::start(&dir.path().join("registry"), None, Auth::Anonymous);
    let addr = reg.addr.clone();
    let plain = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };
    let repo = repository(&addr, "demo/app", &plain).unwrap();
    assert_eq!(repo.registry(), addr);
    assert_eq!(repo.repository(), "demo/app");
    assert_eq!(repo.location(), format!("{addr}/demo/app"));

    // Nothing yet: no repository (NAME_UNKNOWN), so no tag and no blob.
    assert_eq!(repo.manifest("v1").unwrap(), None);
    assert!(!repo.blob_exists(&digest(&fx.app.config.digest)).unwrap());

    // Push: three blobs uploaded, then the same again with every upload skipped.
    push_image(&repo, &fx.app, "v1");
    assert_eq!(uploads_started(&reg, "demo/app"), 3);
    push_image(&repo, &fx.app, "v1");
    assert_eq!(uploads_started(&reg, "demo/app"), 3);
    assert!(repo.blob_exists(&digest(&fx.app.config.digest)).unwrap());

    // Read back by tag and by digest, byte for byte; skopeo and the pull source agree.
    let by_tag = repo.manifest("v1").unwrap().unwrap();
    assert_eq!(by_tag.data, fx.app.manifest.data);
    assert_eq!(by_tag.digest.to_string(), fx.app.manifest.digest);
    assert_eq!(by_tag.media_type, OCI_MANIFEST);
    let by_digest = repo.manifest(&fx.app.manifest.digest).unwrap().unwrap();
    assert_eq!(by_digest, by_tag);
    assert_eq!(
        skopeo_raw(&format!("{addr}/demo/app:v1"), &[]),
        fx.app.manifest.data
    );
    let src = open(&format!("{addr}/demo/app:v1"), &plain, None).unwrap();
    assert_image(src.as_ref(), &fx.app, &format!("{addr}/demo/app:v1"), &["v1"]);
    assert_eq!(files(src.as_ref()), app_files());

    // An index pushed by digest, then by tag, over manifests pushed by digest only.
    for image in [&fx.amd64, &fx.arm64] {
        for blob in std::iter::once(&image.config).chain(&image.layers) {
            repo.push_blob(&blob.data).unwrap();
        }
        let d = repo
            .put_manifest(&image.manifest.digest, &image.manifest.data, OCI_MANIFEST)
            .unwrap();
        assert_eq!(d.to_string(), image.manifest.digest);
    }
    let index_path = fx.layout.dir.join("blobs/sha256").join(&fx.multi_digest[7..]);
    let index = std::fs::read(index_path).unwrap();
    const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    let d = repo.put_manifest(&fx.multi_digest, &index, OCI_INDEX).unwrap();
    assert_eq!(d.to_string(), fx.multi_digest);
    repo.put_manifest("multi", &index, OCI_INDEX).unwrap();
    let got = repo.manifest("multi").unwrap().unwrap();
    assert_eq!((got.data, got.media_type), (index.clone(), OCI_INDEX.to_string()));
    let src = open(&format!("{addr}/demo/app:multi"), &plain, Some("linux/arm64")).unwrap();
    assert_eq!(files(src.as_ref()), arch_files("arm64"));

    // Absent tags and digests are None (the registry says MANIFEST_UNKNOWN).
    assert_eq!(repo.manifest("nope").unwrap(), None);
    assert_eq!(
        repo.manifest(&Digest::sha256_of(b"no such manifest").to_string())
            .unwrap(),
        None
    );
    match repo.manifest("../../v2") {
        Err(Error::Reference { reference, .. }) => assert_eq!(reference, "../../v2"),
        other => panic!("expected a reference error, got {other:?}"),
    }

    // Blobs: round trip, the size limit (exact size passes), a blob that is not there.
    let config = digest(&fx.app.config.digest);
    let len = fx.app.config.data.len() as u64;
    assert_eq!(repo.blob(&config, 1 << 20).unwrap(), fx.app.config.data);
    assert_eq!(repo.blob(&config, len).unwrap(), fx.app.config.data);
    match repo.blob(&config, len - 1) {
        Err(Error::Malformed { location, reason }) => {
            assert_eq!(location, format!("{addr}/demo/app"));
            assert_eq!(
                reason,
                format!("blob {config} is larger than the limit of {} bytes", len - 1)
            );
        }
        other => panic!("expected a size error, got {other:?}"),
    }
    let absent = Digest::sha256_of(b"absent");
    match repo.blob(&absent, 100) {
        Err(Error::MissingBlob { location, digest }) => {
            assert_eq!(
                (location, digest),
                (format!("{addr}/demo/app"), absent.to_string())
            );
        }
        other => panic!("expected MissingBlob, got {other:?}"),
    }
    let pushed = repo.push_blob(b"").unwrap();
    assert_eq!(repo.blob(&pushed, 0).unwrap(), b"");

    // A manifest whose blobs were never pushed: the registry's code and a hint.
    let orphan = repository(&addr, "demo/orphan", &plain).unwrap();
    let (registry, reason) = registry_error(orphan.put_manifest("v1", &fx.app.manifest.data, OCI_MANIFEST));
    assert_eq!(registry, addr);
    let prefix = format!(
        "pushing manifest {addr}/demo/orphan:v1: PUT http://{addr}/v2/demo/orphan/manifests/v1: 400 Bad Request ("
    );
    assert!(reason.starts_with(&prefix), "{reason}");
    assert!(reason.contains("MANIFEST_BLOB_UNKNOWN"), "{reason}");
    assert!(
        reason.ends_with(": the registry refused what was sent"),
        "{reason}"
    );
    // Pushing by a digest the bytes do not hash to is refused before anything is sent.
    match repo.put_manifest(&fx.amd64.manifest.digest, &fx.app.manifest.data, OCI_MANIFEST) {
        Err(Error::Malformed { reason, .. }) => assert_eq!(
            reason,
            format!(
                "the manifest to push as {} hashes to {}",
                fx.amd64.manifest.digest, fx.app.manifest.digest
            )
        ),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn repository_cosign_signature_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let reg = Registry::start(&dir.path().join("registry"), None, Auth::Anonymous);
    let addr = reg.addr.clone();
    let plain = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };
    let repo = repository(&addr, "demo/app", &plain).unwrap();
    push_image(&repo, &fx.app, "v1");

    let image_digest = digest(&fx.app.manifest.digest);
    let sig = cosign_signature(&format!("{addr}/demo/app"), &fx.app.manifest.digest);
    let tag = format!("sha256-{}.sig", image_digest.hex());
    assert_eq!(repo.manifest(&tag).unwrap(), None);
    assert_eq!(
        repo.push_blob(&sig.config.data).unwrap().to_string(),
        sig.config.digest
    );
    assert_eq!(
        repo.push_blob(&sig.payload.data).unwrap().to_string(),
        sig.payload.digest
    );
    let sig_digest = repo.put_manifest(&tag, &sig.manifest, OCI_MANIFEST).unwrap();
    assert_eq!(sig_digest, Digest::sha256_of(&sig.manifest));

    let got = repo.manifest(&tag).unwrap().unwrap();
    assert_eq!(got.data, sig.manifest, "not byte-identical");
    assert_eq!(got.digest, sig_digest);
    assert_eq!(got.media_type, OCI_MANIFEST);
    assert_eq!(repo.manifest(&sig_digest.to_string()).unwrap().unwrap(), got);
    assert_eq!(skopeo_raw(&format!("{addr}/demo/app:{tag}"), &[]), sig.manifest);
    let manifest: serde_json::Value = serde_json::from_slice(&got.data).unwrap();
    assert_eq!(manifest["layers"][0]["mediaType"], COSIGN_SIMPLESIGNING);
    assert!(manifest["layers"][0]["annotations"][COSIGN_SIGNATURE].is_string());
    assert_eq!(
        repo.blob(&digest(&sig.payload.digest), 1 << 20).unwrap(),
        sig.payload.data
    );
    // The image itself is untouched.
    assert_eq!(repo.manifest("v1").unwrap().unwrap().data, fx.app.manifest.data);
}

#[test]
fn repository_push_with_basic_auth_over_tls() {
    require("htpasswd");
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let pki = pki::server(&dir.path().join("pki"));
    let htpasswd = dir.path().join("htpasswd");
    write(
        &htpasswd,
        run(Command::new("htpasswd").args(["-Bbn", "alice", "s3cret"])),
    );
    let reg = Registry::start(
        &dir.path().join("registry"),
        Some((&pki.cert, &pki.key)),
        Auth::Htpasswd(htpasswd),
    );
    let addr = reg.addr.clone();
    let good = RegistryOptions {
        ca_file: Some(pki.ca.clone()),
        username: Some("alice".into()),
        password: Some("s3cret".into()),
        ..options(dir.path())
    };
    let repo = repository(&addr, "team/app", &good).unwrap();
    push_image(&repo, &fx.app, "v1");
    push_image(&repo, &fx.app, "v1");
    assert_eq!(uploads_started(&reg, "team/app"), 3);
    let got = repo.manifest("v1").unwrap().unwrap();
    assert_eq!(got.data, fx.app.manifest.data);
    assert_eq!(
        repo.blob(&digest(&fx.app.layers[1].digest), 1 << 20).unwrap(),
        fx.app.layers[1].data
    );
    assert_eq!(
        skopeo_raw(&format!("{addr}/team/app:v1"), &["--creds", "alice:s3cret"]),
        fx.app.manifest.data
    );

    // A wrong password: the first request of the push says so.
    let wrong = repository(
        &addr,
        "team/app",
        &RegistryOptions {
            password: Some("guess".into()),
            ..good.clone()
        },
    )
    .unwrap();
    let hello = Digest::sha256_of(b"hello");
    let (registry, reason) = registry_error(wrong.push_blob(b"hello"));
    assert_eq!(registry, addr);
    assert_eq!(
        reason,
        format!(
            "pushing blob {hello} to {addr}/team/app: HEAD https://{addr}/v2/team/app/blobs/{hello}: \
             401 Unauthorized: user \"alice\" was refused (wrong user name or password?)"
        )
    );
    let (_, reason) = registry_error(wrong.put_manifest("v2", &fx.app.manifest.data, OCI_MANIFEST));
    assert_eq!(
        reason,
        format!(
            "pushing manifest {addr}/team/app:v2: PUT https://{addr}/v2/team/app/manifests/v2: \
             401 Unauthorized (UNAUTHORIZED: authentication required): \
             user \"alice\" was refused (wrong user name or password?)"
        )
    );
    // No credentials at all.
    let anonymous = repository(
        &addr,
        "team/app",
        &RegistryOptions {
            ca_file: Some(pki.ca.clone()),
            ..options(dir.path())
        },
    )
    .unwrap();
    let (_, reason) = registry_error(anonymous.put_manifest("v2", &fx.app.manifest.data, OCI_MANIFEST));
    assert!(
        reason.ends_with(
            "the registry requires a user name and password (--username and --password, or docker login)"
        ),
        "{reason}"
    );
    // Nothing was written by the refused pushes.
    assert_eq!(repo.manifest("v2").unwrap(), None);
    assert!(!repo.blob_exists(&hello).unwrap());
}

#[test]
fn repository_push_with_bearer_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let (tokens, bundle) = token_server(dir.path());
    let realm = format!("http://{}/token", tokens.server.addr);
    let reg = Registry::start(
        &dir.path().join("registry"),
        None,
        Auth::Token {
            realm,
            service: SERVICE.into(),
            issuer: ISSUER.into(),
            root_cert_bundle: bundle,
        },
    );
    let addr = reg.addr.clone();
    let user = |name: &str| RegistryOptions {
        insecure: true,
        username: Some(name.into()),
        password: Some("s3cret".into()),
        ..options(dir.path())
    };
    let requests = || std::mem::take(&mut *tokens.requests.lock().unwrap());

    // A read first caches a pull token; the push that follows gets a pull,push token when the
    // registry refuses the pull token, and that token serves the reads after it.
    let repo = repository(&addr, "team/app", &user("alice")).unwrap();
    assert_eq!(repo.manifest("v1").unwrap(), None);
    push_image(&repo, &fx.app, "v1");
    assert_eq!(repo.manifest("v1").unwrap().unwrap().data, fx.app.manifest.data);
    assert_eq!(
        requests(),
        vec![
            (SERVICE.to_string(), "repository:team/app:pull".to_string(), true),
            (
                SERVICE.to_string(),
                "repository:team/app:pull,push".to_string(),
                true
            ),
        ]
    );

    // A user whose tokens only allow pulling can read, and is told that pushing is not allowed.
    let reader = repository(&addr, "team/app", &user("reader")).unwrap();
    assert_eq!(reader.manifest("v1").unwrap().unwrap().data, fx.app.manifest.data);
    let hello = Digest::sha256_of(b"hello");
    let (registry, reason) = registry_error(reader.push_blob(b"hello"));
    assert_eq!(registry, addr);
    assert!(
        reason.starts_with(&format!(
            "pushing blob {hello} to {addr}/team/app: POST http://{addr}/v2/team/app/blobs/uploads/: \
             401 Unauthorized"
        )),
        "{reason}"
    );
    assert!(
        reason.ends_with(": the credentials do not allow pushing to team/app"),
        "{reason}"
    );
    let (_, reason) = registry_error(reader.put_manifest("v2", &fx.app.manifest.data, OCI_MANIFEST));
    assert!(
        reason.ends_with(": the credentials do not allow pushing to team/app"),
        "{reason}"
    );
    assert_eq!(repo.manifest("v2").unwrap(), None);
}

/// A fake registry for what the real one will not do: it wants bearer tokens (from `/token`, with
/// challenges that name no scope) and a token with `push` in its scope for writes, serves manifests and
/// blobs that do not match their digests, starts uploads at relative and other-host locations, and
/// states wrong digests for pushed manifests.
#[test]
fn repository_against_a_fake_registry() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture(dir.path());
    let (app, amd64) = (fx.app.clone(), fx.amd64.clone());
    let (served_app, served_amd64) = (fx.app.clone(), fx.amd64.clone());

    // Where the `abs` repository's uploads go: another server, which must not see the token.
    let stored: Arc<Mutex<Vec<Request>>> = Arc::new(Mutex::new(Vec::new()));
    let stored2 = stored.clone();
    let storage = Server::start(move |req: &Request| {
        stored2.lock().unwrap().push(req.clone());
        let digest = req
            .params("digest")
            .first()
            .map(|d| d.to_string())
            .unwrap_or_default();
        Response::new(201, "text/plain", "").with("Docker-Content-Digest", &digest)
    });
    let storage_addr = storage.addr.clone();

    let issued: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let issued2 = issued.clone();
    let seen: Arc<Mutex<Vec<Request>>> = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let registry = Server::start(move |req: &Request| {
        let (app, amd64) = (&served_app, &served_amd64);
        let host = req.header("host").unwrap_or("").to_string();
        if req.path == "/token" {
            let mut issued = issued2.lock().unwrap();
            issued.push(req.params("scope").join(" "));
            return Response::new(
                200,
                "application/json",
                json!({"token": format!("tok-{}", issued.len())}).to_string(),
            );
        }
        seen2.lock().unwrap().push(req.clone());
        let challenge = |error: &str| {
            Response::new(
                401,
                "application/json",
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            )
            .with(
                "WWW-Authenticate",
                &format!(r#"Bearer realm="http://{host}/token",service="fake"{error}"#),
            )
        };
        // Token N was issued for the N-th scope asked for.
        let scope = req
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer tok-"))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| issued2.lock().unwrap().get(n - 1).cloned());
        let Some(scope) = scope else {
            return challenge("");
        };
        let write = req.method != "GET" && req.method != "HEAD";
        if write && !scope.ends_with(":pull,push") {
            return challenge(r#",error="insufficient_scope""#);
        }
        let manifest = |data: &[u8]| Response::new(200, OCI_MANIFEST, data.to_vec());
        let blob = |data: &[u8]| Response::new(200, "application/octet-stream", data.to_vec());
        let mut flipped_config = app.config.data.clone();
        flipped_config[0] = b' ';
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/v2/r/manifests/v1") => manifest(&app.manifest.data),
            ("GET", p) if p == format!("/v2/r/manifests/{}", app.manifest.digest) => {
                manifest(&amd64.manifest.data)
            }
            ("GET", "/v2/r/manifests/stated") => {
                manifest(&app.manifest.data).with("Docker-Content-Digest", &amd64.manifest.digest)
            }
            ("GET", p) if p == format!("/v2/r/blobs/{}", app.config.digest) => blob(&flipped_config),
            ("GET", p) if p == format!("/v2/r/blobs/{}", app.layers[0].digest) => blob(&app.layers[0].data),
            ("HEAD", p) if p.starts_with("/v2/") && p.contains("/blobs/") => {
                Response::new(404, "application/json", "")
            }
            ("POST", "/v2/r/blobs/uploads/") => {
                Response::new(202, "text/plain", "").with("Location", "/v2/r/blobs/uploads/u1")
            }
            ("PUT", "/v2/r/blobs/uploads/u1") => {
                let digest = req
                    .params("digest")
                    .first()
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                Response::new(201, "text/plain", "").with("Docker-Content-Digest", &digest)
            }
            ("POST", "/v2/abs/blobs/uploads/") => Response::new(202, "text/plain", "").with(
                "Location",
                &format!("http://{storage_addr}/upload/u2?state=x%3Dy"),
            ),
            ("PUT", "/v2/r/manifests/v2") => Response::new(201, "text/plain", "")
                .with("Docker-Content-Digest", &Digest::sha256_of(&req.body).to_string()),
            ("PUT", "/v2/r/manifests/liar") => {
                Response::new(201, "text/plain", "").with("Docker-Content-Digest", &amd64.manifest.digest)
            }
            _ => Response::new(
                404,
                "application/json",
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
            ),
        }
    });
    let addr = registry.addr.clone();
    let plain = RegistryOptions {
        insecure: true,
        ..options(dir.path())
    };
    let repo = repository(&addr, "r", &plain).unwrap();
    let scopes = || issued.lock().unwrap().clone();

    // Reads ask for pull when the challenge names no scope.
    let m = repo.manifest("v1").unwrap().unwrap();
    assert_eq!(m.digest.to_string(), app.manifest.digest);
    assert_eq!(repo.manifest("v404").unwrap(), None);
    assert_eq!(scopes(), vec!["repository:r:pull"]);

    // Asked by digest, answered with another manifest; a tag whose stated digest is wrong.
    let err = repo.manifest(&app.manifest.digest).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "manifest {addr}/r@{app_digest}: the registry returned a manifest whose digest does not match: \
             expected {app_digest}, content hashes to {amd64_digest}",
            app_digest = app.manifest.digest,
            amd64_digest = amd64.manifest.digest
        )
    );
    match repo.manifest("stated") {
        Err(Error::ManifestDigestMismatch {
            manifest,
            expected,
            actual,
        }) => assert_eq!(
            (manifest, expected, actual),
            (
                format!("{addr}/r:stated"),
                amd64.manifest.digest.clone(),
                app.manifest.digest.clone()
            )
        ),
        other => panic!("expected ManifestDigestMismatch, got {other:?}"),
    }

    // A blob that does not match its digest; a blob whose Content-Length is over the limit.
    match repo.blob(&digest(&app.config.digest), 1 << 20) {
        Err(Error::DigestMismatch {
            location, expected, ..
        }) => assert_eq!(
            (location, expected),
            (format!("{addr}/r"), app.config.digest.clone())
        ),
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
    match repo.blob(&digest(&app.layers[0].digest), 10) {
        Err(Error::Malformed { reason, .. }) => assert_eq!(
            reason,
            format!(
                "blob {} is larger than the limit of 10 bytes",
                app.layers[0].digest
            )
        ),
        other => panic!("expected a size error, got {other:?}"),
    }

    // A write with the cached pull token is refused; the client asks for pull,push and retries.
    let d = repo.put_manifest("v2", &app.manifest.data, OCI_MANIFEST).unwrap();
    assert_eq!(d.to_string(), app.manifest.digest);
    assert_eq!(scopes(), vec!["repository:r:pull", "repository:r:pull,push"]);
    let put = seen
        .lock()
        .unwrap()
        .iter()
        .rfind(|r| r.method == "PUT")
        .cloned()
        .unwrap();
    assert_eq!(put.path, "/v2/r/manifests/v2");
    assert_eq!(put.header("content-type"), Some(OCI_MANIFEST));
    assert_eq!(put.header("authorization"), Some("Bearer tok-2"));
    assert_eq!(put.body, app.manifest.data);

    // An upload at a relative Location without a query.
    let data = b"some blob".to_vec();
    let d = repo.push_blob(&data).unwrap();
    assert_eq!(d, Digest::sha256_of(&data));
    let put = seen
        .lock()
        .unwrap()
        .iter()
        .rfind(|r| r.method == "PUT")
        .cloned()
        .unwrap();
    assert_eq!(put.path, "/v2/r/blobs/uploads/u1");
    assert_eq!(put.query, vec![("digest".to_string(), d.to_string())]);
    assert_eq!(put.header("content-type"), Some("application/octet-stream"));
    assert_eq!(put.header("authorization"), Some("Bearer tok-2"));
    assert_eq!(put.body, data);
    assert_eq!(scopes().len(), 2);

    // A registry that states another digest for a pushed manifest.
    let (_, reason) = registry_error(repo.put_manifest("liar", &app.manifest.data, OCI_MANIFEST));
    assert_eq!(
        reason,
        format!(
            "pushing manifest {addr}/r:liar: PUT http://{addr}/v2/r/manifests/liar: the registry stored it \
             as {} (Docker-Content-Digest), but what was sent hashes to {}",
            amd64.manifest.digest, app.manifest.digest
        )
    );

    // An upload at an absolute Location on another host: the query is kept, `digest` appended, and
    // the registry's token is not sent there. A new client asks for pull,push right away.
    let abs = repository(&addr, "abs", &plain).unwrap();
    let d = abs.push_blob(&data).unwrap();
    assert_eq!(scopes()[2..], ["repository:abs:pull,push"]);
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].method, "PUT");
    assert_eq!(stored[0].path, "/upload/u2");
    assert_eq!(
        stored[0].query,
        vec![
            ("state".to_string(), "x=y".to_string()),
            ("digest".to_string(), d.to_string())
        ]
    );
    assert_eq!(stored[0].header("authorization"), None);
    assert_eq!(stored[0].body, data);
}
