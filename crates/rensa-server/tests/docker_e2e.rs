//! End to end with a real dockerd 20.10 and the real server: rensa-server serves the Docker plugin
//! protocol on `/run/docker/plugins/NAME.sock` (its `docker_authz` socket, beside the HTTPS webhook),
//! the test starts dockerd with `--authorization-plugin=NAME` and checks with the 20.10 client that a
//! plain `docker run` passes while `--privileged`, `-v /:/host`, `--pid=host`, `docker exec` and more
//! are denied with rensa's message; policy changes are picked up by the server's reload, and every
//! decision is in its audit log. Skipped (loudly) only when dockerd is not installed; needs root, as
//! CI has.

mod common;
#[path = "common/dockerd.rs"]
mod dockerd;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use common::*;

/// Replaces the served policy file and waits until the server has applied it.
fn set_policy(f: &Fixture, text: &str) {
    let before = f.metric("rensa_policy_reloads_total{result=\"success\"}");
    std::fs::write(f.path("policy.yaml"), text).unwrap();
    wait_until(10, "the policy reload", || {
        f.metric("rensa_policy_reloads_total{result=\"success\"}") > before
    });
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
    let socket = plugins.join(format!("{name}.sock"));
    let f = start(
        "version: 1\n",
        &format!("docker_authz: {{socket: {}}}\n", socket.display()),
        options(),
    );
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
    set_policy(&f, "version: 1\ndocker:\n  exec: unprivileged\n");
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
    set_policy(
        &f,
        "version: 1\nimages:\n  allowed: [\"registry.local:5000/**\"]\n",
    );
    denied(
        &["pull", "busybox:1.36"],
        "rensa: denied (docker-image-not-allowed): the image busybox:1.36 (docker.io/library/busybox) is not in an allowed repository (registry.local:5000/**)",
    );
    denied(
        &["run", "--rm", image, "true"],
        "rensa: denied (docker-image-not-allowed): the image rensa-e2e:latest (docker.io/library/rensa-e2e) is not in an allowed repository",
    );

    // Every call was decided and recorded in the server's audit log: the denials name their rules.
    let audit: Vec<serde_json::Value> = f
        .audit()
        .into_iter()
        .filter(|l| l["kind"] == "docker-authz")
        .collect();
    let denials: Vec<(String, Vec<String>)> = audit
        .iter()
        .filter(|l| l["verdict"] == "deny")
        .map(|l| {
            let uri = l["object"].as_str().unwrap();
            let what = uri
                .split('?')
                .next()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            let rules = l["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            (what, rules)
        })
        .collect();
    let expect = |a: &str, r: &str| {
        (
            a.to_string(),
            r.split(' ').map(str::to_string).collect::<Vec<_>>(),
        )
    };
    let mut expected = vec![
        expect("create", "docker-privileged"),
        expect("create", "docker-sensitive-mount"),
        expect("create", "docker-host-pid"),
        expect("create", "docker-sensitive-mount"),
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
        expected.push(expect("create", rule));
    }
    expected.extend([
        expect("create", "docker-sensitive-mount"),
        expect("create", "docker-privileged"),
        expect("create", "docker-bad-request"),
        expect("start", "docker-privileged docker-sensitive-mount"),
        expect("exec", "docker-exec"),
        expect("exec", "docker-exec"),
        expect("create", "docker-image-not-allowed"),
        expect("create", "docker-image-not-allowed"),
    ]);
    assert_eq!(denials, expected);
    assert!(audit.iter().any(|l| l["endpoint"] == "AuthZPlugin.AuthZRes"));
    assert!(audit.iter().any(|l| {
        l["verdict"] == "allow"
            && l["operation"] == "POST"
            && l["object"]
                .as_str()
                .unwrap()
                .starts_with("/v1.41/containers/create")
    }));
    drop(daemon);
    drop(f);
    assert!(!socket.exists());
}
