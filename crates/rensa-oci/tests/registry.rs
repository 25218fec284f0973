//! Registry pulls against a real `docker-registry` (distribution 2.8) started on 127.0.0.1 by each test,
//! with images pushed by the real `skopeo`: anonymous over plain HTTP, TLS with a private CA plus htpasswd
//! basic auth, and bearer tokens from a token server the test runs (JWTs signed by `openssl`). Failures the
//! real registry cannot produce on demand (500, a server that never answers, blobs that do not match their
//! digests) come from small in-test servers.

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
    Error, FileTree, ImageRef, ImageSource, Interest, OpenOptions, Platform, ReadOptions, RegistryOptions,
    SourceKind, Want,
};
use serde_json::json;
use support::http::{Request, Response, Server};
use support::layout::{BuiltImage, Layout};
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
        let authorized =
            req.header("authorization") == Some(&format!("Basic {}", STANDARD.encode("alice:s3cret")));
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
                Some(json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
            })
            .collect();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let header = json!({"alg": "RS256", "typ": "JWT", "x5c": [x5c]});
        let claims = json!({
            "iss": ISSUER, "sub": "alice", "aud": service, "exp": now + 300, "nbf": now - 10,
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
