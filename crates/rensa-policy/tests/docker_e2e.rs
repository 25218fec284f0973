//! End to end with a real dockerd 20.10: the test serves the Docker plugin protocol on
//! `/run/docker/plugins/NAME.sock` (a small test-only HTTP/1.1 server over `rensa_policy::docker::answer`;
//! `run_plugin` is the one place to swap for the real server), starts dockerd with
//! `--authorization-plugin=NAME` and checks with the 20.10 client that a plain `docker run` passes while
//! `--privileged`, `-v /:/host`, `--pid=host` and `docker exec` are denied with rensa's message.
//! Skipped (loudly) only when dockerd is not installed; needs root, as CI has.

#[path = "support/dockerd.rs"]
mod dockerd;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use rensa_policy::deploy::DeployPolicy;
use rensa_policy::docker::{self, AuthzDecision, CONTENT_TYPE, PluginCall};

/// One call the plugin answered (the audit trail of the test server).
#[derive(Debug, Clone)]
struct Audited {
    path: String,
    decision: Option<AuthzDecision>,
}

/// The running test plugin; stops, closes its connections and removes the socket on drop.
struct PluginGuard {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<UnixStream>>>,
    policy: Arc<RwLock<DeployPolicy>>,
    audit: Arc<Mutex<Vec<Audited>>>,
}

impl PluginGuard {
    fn set_policy(&self, policy: DeployPolicy) {
        *self.policy.write().unwrap() = policy;
    }

    fn audit(&self) -> Vec<Audited> {
        self.audit.lock().unwrap().clone()
    }
}

impl Drop for PluginGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for c in self.connections.lock().unwrap().iter() {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

const MAX_HEADER: usize = 64 * 1024;
const MAX_BODY: usize = 32 * 1024 * 1024;

/// Serves the plugin protocol on `socket` with `policy` until the guard is dropped.
fn run_plugin(socket: &Path, policy: DeployPolicy) -> PluginGuard {
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket).unwrap_or_else(|e| panic!("{}: {e}", socket.display()));
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(Mutex::new(Vec::new()));
    let policy = Arc::new(RwLock::new(policy));
    let audit = Arc::new(Mutex::new(Vec::new()));
    let accept = {
        let (stop, connections, policy, audit) =
            (stop.clone(), connections.clone(), policy.clone(), audit.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        // Bounded: an idle connection ends after 60 s; the guard shuts them all down.
                        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                        connections.lock().unwrap().push(stream.try_clone().unwrap());
                        let (policy, audit) = (policy.clone(), audit.clone());
                        std::thread::spawn(move || serve(stream, &policy, &audit));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => break,
                }
            }
        })
    };
    PluginGuard {
        path: socket.to_path_buf(),
        stop,
        accept: Some(accept),
        connections,
        policy,
        audit,
    }
}

fn respond(stream: &mut UnixStream, status: &str, body: &[u8], close: bool) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\n{}\r\n",
        body.len(),
        if close { "Connection: close\r\n" } else { "" }
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// HTTP/1.1 with Content-Length bodies and keep-alive, one request after another.
fn serve(mut stream: UnixStream, policy: &RwLock<DeployPolicy>, audit: &Mutex<Vec<Audited>>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > MAX_HEADER {
                let _ = respond(&mut stream, "431 Request Header Fields Too Large", b"{}", true);
                return;
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let mut length = 0usize;
        let mut close = false;
        let mut chunked = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().unwrap_or(usize::MAX),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "transfer-encoding" => chunked = true,
                _ => {}
            }
        }
        if chunked {
            let _ = respond(&mut stream, "411 Length Required", b"{}", true);
            return;
        }
        if length > MAX_BODY {
            let _ = respond(&mut stream, "413 Payload Too Large", b"{}", true);
            return;
        }
        while buf.len() < head_end + length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        let path = path.to_string();
        let result = match (method, PluginCall::from_path(&path)) {
            ("POST", Some(call)) => {
                let (answer, decision) = docker::answer(&policy.read().unwrap(), call, &body);
                audit.lock().unwrap().push(Audited { path, decision });
                respond(&mut stream, "200 OK", &answer, close)
            }
            ("POST", None) => respond(&mut stream, "404 Not Found", br#"{"Err":"not found"}"#, close),
            _ => respond(
                &mut stream,
                "405 Method Not Allowed",
                br#"{"Err":"POST only"}"#,
                close,
            ),
        };
        if result.is_err() || close {
            return;
        }
    }
}

/// One raw API call to dockerd (POST, JSON body): the status code and the response.
fn api(socket: &Path, path: &str, body: &[u8]) -> (u16, String) {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // dockerd may answer (and close) before it has read a large body: the write may then fail.
    let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(body));
    let mut response = Vec::new();
    let _ = s.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, response)
}

fn text(out: &std::process::Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn dockerd_consults_rensa() {
    let Some(dockerd_bin) = dockerd::dockerd_binary() else {
        eprintln!(
            "\n\n*** SKIPPED docker_e2e: dockerd is not installed (apt-get install docker.io; scripts/setup-test-deps.sh) ***\n\n"
        );
        return;
    };
    let name = format!(
        "rensa-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let plugins = Path::new("/run/docker/plugins");
    std::fs::create_dir_all(plugins).unwrap_or_else(|e| panic!("{}: {e} (run as root)", plugins.display()));
    let plugin = run_plugin(&plugins.join(format!("{name}.sock")), DeployPolicy::default());
    let daemon = dockerd::Dockerd::start(&dockerd_bin, &[format!("--authorization-plugin={name}")])
        .unwrap_or_else(|e| panic!("dockerd: {e}"));
    let log = || daemon.log_tail(40);

    let image = "rensa-e2e:latest";
    daemon.import_busybox(image).unwrap_or_else(|e| panic!("{e}"));

    // A plain run passes.
    let out = daemon.docker(&["run", "--rm", image, "true"]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());
    let out = daemon.docker(&["run", "--rm", image, "echo", "hello from rensa-e2e"]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from rensa-e2e\n");

    let denied = |args: &[&str], message: &str| {
        let out = daemon.docker(args);
        assert!(!out.status.success(), "{args:?} passed: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = format!("authorization denied by plugin {name}: {message}");
        assert!(
            stderr.contains(&expected),
            "{args:?}: expected {expected:?} in\n{}\n{}",
            text(&out),
            log()
        );
    };
    denied(
        &["run", "--rm", "--privileged", image, "true"],
        "rensa: denied (docker-privileged): privileged containers are not allowed; run without --privileged",
    );
    denied(
        &["run", "--rm", "-v", "/:/host", image, "true"],
        "rensa: denied (docker-sensitive-mount): the bind mount \"/:/host\" exposes the sensitive host paths /, /bin, /boot, /dev and 23 more; mount a named volume or a dedicated directory instead",
    );
    denied(
        &["run", "--rm", "--pid=host", image, "true"],
        "rensa: denied (docker-host-pid): the container would share the host's PID namespace (--pid=host); run without --pid=host",
    );
    denied(
        &[
            "run",
            "--rm",
            "--mount",
            "type=bind,source=/var/run,target=/r",
            image,
            "true",
        ],
        "rensa: denied (docker-sensitive-mount): the bind mount of \"/var/run\" exposes the sensitive host paths",
    );

    // What the 20.10 client sends for the other options reaches the same rules.
    for (args, message) in [
        (
            vec!["--cap-add", "SYS_ADMIN"],
            "rensa: denied (docker-capability): the container adds capabilities beyond the allowed set (--cap-add SYS_ADMIN)",
        ),
        (vec!["--network", "host"], "rensa: denied (docker-host-network): "),
        (
            vec!["--ipc", "host", "--uts", "host"],
            "rensa: denied (docker-host-ipc, docker-host-uts): ",
        ),
        (
            vec!["--security-opt", "seccomp=unconfined"],
            "rensa: denied (docker-seccomp-unconfined): ",
        ),
        (
            vec!["--security-opt", "apparmor=unconfined"],
            "rensa: denied (docker-apparmor-unconfined): ",
        ),
        (
            vec!["--security-opt", "systempaths=unconfined"],
            "rensa: denied (docker-unmasked-paths): the container's MaskedPaths leaves paths the runtime keeps masked open: /proc/acpi, ",
        ),
        (
            vec!["--device", "/dev/null:/dev/xnull"],
            "rensa: denied (docker-device): the container would get the host device /dev/null (--device)",
        ),
        (
            vec!["--gpus", "all"],
            "rensa: denied (docker-device): the container requests host devices (--gpus)",
        ),
        (
            vec!["-v", "/var/run/docker.sock:/var/run/docker.sock"],
            "rensa: denied (docker-sensitive-mount): the bind mount \"/var/run/docker.sock:/var/run/docker.sock\" exposes the sensitive host path /var/run/docker.sock;",
        ),
        (
            vec![
                "--mount",
                "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc",
            ],
            "rensa: denied (docker-sensitive-mount): the local volume with device=\"/etc\" exposes the sensitive host path /etc;",
        ),
    ] {
        let mut all = vec!["run", "--rm"];
        all.extend(args);
        all.extend([image, "true"]);
        denied(&all, message);
    }
    denied(
        &[
            "volume",
            "create",
            "--opt",
            "type=none",
            "--opt",
            "o=bind",
            "--opt",
            "device=/etc",
            "etc",
        ],
        "rensa: denied (docker-sensitive-mount): the local volume with device=\"/etc\" exposes the sensitive host path /etc;",
    );
    let out = daemon.docker(&["volume", "create", "plain"]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());
    let out = daemon.docker(&[
        "run",
        "--rm",
        "-v",
        "plain:/data",
        "--cap-add",
        "CHOWN",
        image,
        "true",
    ]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());

    // Raw API calls: Go's case-insensitive JSON does not get past the plugin, and a body dockerd does
    // not forward (over 1 MiB) is denied.
    let (status, body) = api(
        daemon.socket(),
        "/v1.41/containers/create",
        format!(r#"{{"image":"{image}","hostconfig":{{"privileged":true}}}}"#).as_bytes(),
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("rensa: denied (docker-privileged)"), "{body}");
    let huge = format!(r#"{{"Image":"{image}","Env":["PAD={}"]}}"#, "x".repeat(1_100_000));
    let (status, body) = api(daemon.socket(), "/v1.41/containers/create", huge.as_bytes());
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains(
            "rensa: denied (docker-bad-request): POST /v1.41/containers/create has no request body"
        ),
        "{body}"
    );

    // API versions before 1.24 still take a HostConfig when a container starts.
    let created = format!("{name}-created");
    let out = daemon.docker(&["create", "--name", &created, image, "true"]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());
    let (status, body) = api(
        daemon.socket(),
        &format!("/v1.23/containers/{created}/start"),
        br#"{"Privileged":true,"Binds":["/:/host"]}"#,
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("rensa: denied (docker-privileged, docker-sensitive-mount)"),
        "{body}"
    );
    let out = daemon.docker(&["rm", "-f", &created]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());

    // exec into a running container.
    let container = format!("{name}-web");
    let out = daemon.docker(&["run", "-d", "--name", &container, image, "sleep", "120"]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());
    denied(
        &["exec", &container, "id"],
        &format!(
            "rensa: denied (docker-exec): exec into container {container:?} is not allowed; rebuild and redeploy the container"
        ),
    );
    // The same policy option the capture's plugin had: unprivileged exec passes, privileged does not.
    plugin.set_policy(
        DeployPolicy::parse("version: 1\ndocker:\n  exec: unprivileged\n", "policy.yaml").unwrap(),
    );
    let out = daemon.docker(&["exec", &container, "id", "-u"]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
    denied(
        &["exec", "--privileged", &container, "id"],
        &format!(
            "rensa: denied (docker-exec): privileged exec into container {container:?} is not allowed (--privileged)"
        ),
    );
    let out = daemon.docker(&["rm", "-f", &container]);
    assert!(out.status.success(), "{}\n{}", text(&out), log());

    // An image allowlist: pulls and runs of other images are refused before the engine reaches a registry.
    plugin.set_policy(
        DeployPolicy::parse(
            "version: 1\nimages:\n  allowed: [\"registry.local:5000/**\"]\n",
            "policy.yaml",
        )
        .unwrap(),
    );
    denied(
        &["pull", "busybox:1.36"],
        "rensa: denied (docker-image-not-allowed): the image busybox:1.36 (docker.io/library/busybox) is not in an allowed repository (registry.local:5000/**)",
    );
    denied(
        &["run", "--rm", image, "true"],
        "rensa: denied (docker-image-not-allowed): the image rensa-e2e:latest (docker.io/library/rensa-e2e) is not in an allowed repository",
    );

    // Every call was decided and recorded: the denials name their rules and the engine call.
    let audit = plugin.audit();
    assert_eq!(audit.iter().filter(|a| a.path == "/Plugin.Activate").count(), 1);
    let denials: Vec<(String, Vec<String>)> = audit
        .iter()
        .filter_map(|a| a.decision.as_ref())
        .filter(|d| !d.allow)
        .map(|d| (d.action.clone(), d.rules.clone()))
        .collect();
    let expect = |a: &str, r: &str| (a.to_string(), vec![r.to_string()]);
    let mut expected = vec![
        expect("container-create", "docker-privileged"),
        expect("container-create", "docker-sensitive-mount"),
        expect("container-create", "docker-host-pid"),
        expect("container-create", "docker-sensitive-mount"),
    ];
    for rule in [
        "docker-capability",
        "docker-host-network",
        "docker-host-ipc docker-host-uts",
        "docker-seccomp-unconfined",
        "docker-apparmor-unconfined",
        "docker-unmasked-paths",
        "docker-device",
        "docker-device",
        "docker-sensitive-mount",
        "docker-sensitive-mount",
    ] {
        expected.push((
            "container-create".to_string(),
            rule.split(' ').map(str::to_string).collect(),
        ));
    }
    expected.extend([
        expect("volume-create", "docker-sensitive-mount"),
        expect("container-create", "docker-privileged"),
        expect("container-create", "docker-bad-request"),
        (
            "container-start".to_string(),
            vec![
                "docker-privileged".to_string(),
                "docker-sensitive-mount".to_string(),
            ],
        ),
        expect("exec-create", "docker-exec"),
        expect("exec-create", "docker-exec"),
        expect("image-create", "docker-image-not-allowed"),
        expect("container-create", "docker-image-not-allowed"),
    ]);
    assert_eq!(denials, expected);
    assert!(audit.iter().any(|a| a.path == "/AuthZPlugin.AuthZRes"));
    assert!(
        audit.iter().filter_map(|a| a.decision.as_ref()).any(|d| d.allow
            && d.action == "container-create"
            && d.uri.starts_with("/v1.41/containers/create"))
    );
    drop(daemon);
    drop(plugin);
    assert!(!plugins.join(format!("{name}.sock")).exists());
}
