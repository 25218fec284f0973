//! The Docker authorization plugin's decisions: the captured dockerd 20.10 exchanges in
//! ../shared/data/docker-authz replay to the captured verdicts (with a policy that mirrors the capturing
//! plugin) and to the verdicts listed here (with rensa's default policy); then one test per rule over
//! hand-made Docker Engine API 1.41 bodies, and hostile input.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use rensa_policy::deploy::DeployPolicy;
use rensa_policy::docker::{
    self, ACTIVATE_RESPONSE, AuthzDecision, AuthzRequest, PluginCall, authorize_request, authorize_response,
};
use serde_json::{Value, json};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/docker-authz")
}

struct Exchange {
    name: String,
    endpoint: String,
    request: Vec<u8>,
    response: Value,
}

fn exchanges(folder: &str) -> Vec<Exchange> {
    let dir = data_dir().join(folder);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let v: Value = serde_json::from_slice(&std::fs::read(dir.join(&name)).unwrap()).unwrap();
            Exchange {
                endpoint: v["endpoint"].as_str().unwrap().to_string(),
                request: serde_json::to_vec(&v["request"]).unwrap(),
                response: v["response"].clone(),
                name,
            }
        })
        .collect()
}

fn policy(text: &str) -> DeployPolicy {
    DeployPolicy::parse(text, "policy.yaml").unwrap()
}

/// Replays a folder: returns the files rensa denies, with their rules; asserts the Activate answers.
fn replay(folder: &str, policy: &DeployPolicy) -> Vec<(String, Vec<String>)> {
    let mut denied = Vec::new();
    for x in exchanges(folder) {
        let call = PluginCall::from_path(&x.endpoint).unwrap();
        let (answer, decision) = docker::answer(policy, call, &x.request);
        if call == PluginCall::Activate {
            assert_eq!(answer, ACTIVATE_RESPONSE);
            let ours: Value = serde_json::from_slice(ACTIVATE_RESPONSE).unwrap();
            assert_eq!(ours, x.response, "{}", x.name);
            continue;
        }
        let decision = decision.unwrap();
        let req = AuthzRequest::from_json(&x.request).unwrap();
        assert_eq!(
            if call == PluginCall::Request {
                authorize_request(policy, &req)
            } else {
                authorize_response(policy, &req)
            },
            decision
        );
        let wire: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(wire["Allow"], json!(decision.allow));
        assert_eq!(wire["Err"], json!(""));
        if !decision.allow {
            assert!(decision.msg.starts_with("rensa: denied ("), "{}", decision.msg);
            denied.push((x.name, decision.rules));
        }
    }
    denied
}

fn captured_denials(folder: &str) -> Vec<String> {
    exchanges(folder)
        .into_iter()
        .filter(|x| x.response.get("Allow") == Some(&json!(false)))
        .map(|x| x.name)
        .collect()
}

#[test]
fn the_capture_has_what_the_index_lists() {
    assert_eq!(exchanges(".").len(), 46);
    assert_eq!(exchanges("run1-allow-all").len(), 53);
    let r = AuthzRequest::from_json(&exchanges(".")[3].request).unwrap();
    assert_eq!(r.request_method, "POST");
    assert_eq!(r.request_uri, "/v1.41/containers/create");
    assert_eq!(r.user, "");
    assert_eq!(r.request_headers["Content-Type"], "application/json");
    let body: Value = serde_json::from_slice(r.request_body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Image"], "bbtest:latest");
    let res = AuthzRequest::from_json(&exchanges(".")[4].request).unwrap();
    assert_eq!(res.response_status_code, 201);
    assert!(
        String::from_utf8(res.response_body.unwrap())
            .unwrap()
            .starts_with("{\"Id\":\"c6023ac9bef5")
    );
}

/// The capturing plugin ("bbauthz") denied privileged containers and privileged exec; the same
/// verdicts come from `docker.exec: unprivileged`. Its run1 was an allow-all plugin: `enabled: false`.
#[test]
fn replay_matches_the_capturing_plugin() {
    let bbauthz = policy("version: 1\ndocker:\n  exec: unprivileged\n");
    let denied = replay(".", &bbauthz);
    let names: Vec<&str> = denied.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, captured_denials("."));
    assert_eq!(
        denied,
        [
            ("013-AuthZPlugin.AuthZReq.json", "docker-privileged"),
            ("026-AuthZPlugin.AuthZReq.json", "docker-exec"),
            ("039-AuthZPlugin.AuthZReq.json", "docker-privileged"),
            ("040-AuthZPlugin.AuthZReq.json", "docker-privileged"),
            ("045-AuthZPlugin.AuthZReq.json", "docker-privileged"),
        ]
        .map(|(n, r)| (n.to_string(), vec![r.to_string()]))
    );
    let allow_all = policy("version: 1\ndocker: {enabled: false}\n");
    assert_eq!(replay("run1-allow-all", &allow_all), []);
    assert!(captured_denials("run1-allow-all").is_empty());
}

#[test]
fn replay_with_the_default_policy() {
    let default = DeployPolicy::default();
    let expected = |list: &[(&str, &str)]| -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(n, r)| (n.to_string(), vec![r.to_string()]))
            .collect()
    };
    assert_eq!(
        replay(".", &default),
        expected(&[
            ("013-AuthZPlugin.AuthZReq.json", "docker-privileged"),
            ("026-AuthZPlugin.AuthZReq.json", "docker-exec"),
            ("031-AuthZPlugin.AuthZReq.json", "docker-exec"),
            ("039-AuthZPlugin.AuthZReq.json", "docker-privileged"),
            ("040-AuthZPlugin.AuthZReq.json", "docker-privileged"),
            ("045-AuthZPlugin.AuthZReq.json", "docker-privileged"),
        ])
    );
    assert_eq!(
        replay("run1-allow-all", &default),
        expected(&[
            ("014-AuthZPlugin.AuthZReq.json", "docker-privileged"),
            ("034-AuthZPlugin.AuthZReq.json", "docker-exec"),
            ("044-AuthZPlugin.AuthZReq.json", "docker-exec"),
        ])
    );
    // An image allowlist that the capture's local image is not in denies its three container creates.
    let registry_only = policy("version: 1\nimages:\n  allowed: [\"registry.local:5000/**\"]\n");
    let denied = replay(".", &registry_only);
    assert_eq!(
        denied
            .iter()
            .filter(|(_, r)| r.contains(&"docker-image-not-allowed".to_string()))
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        [
            "003-AuthZPlugin.AuthZReq.json",
            "013-AuthZPlugin.AuthZReq.json",
            "016-AuthZPlugin.AuthZReq.json",
            "039-AuthZPlugin.AuthZReq.json",
            "040-AuthZPlugin.AuthZReq.json",
            "045-AuthZPlugin.AuthZReq.json"
        ]
    );
}

// ---- hand-made requests (Docker Engine API 1.41 shapes, as docker 20.10 sends them) ----

fn request_json(method: &str, uri: &str, body: Option<&[u8]>, user: &str) -> Vec<u8> {
    // Headers as the 20.10 client sends them: JSON with its length, or an empty text/plain body.
    let mut r = json!({
        "RequestMethod": method,
        "RequestUri": uri,
        "RequestHeaders": {
            "Content-Length": body.map_or(0, |b| b.len()).to_string(),
            "Content-Type": if body.is_some() { "application/json" } else { "text/plain" },
            "User-Agent": "Docker-Client/20.10.24+dfsg1 (linux)"
        },
    });
    if let Some(b) = body {
        r["RequestBody"] = json!(base64::engine::general_purpose::STANDARD.encode(b));
    }
    if !user.is_empty() {
        r["User"] = json!(user);
        r["UserAuthNMethod"] = json!("TLS");
    }
    serde_json::to_vec(&r).unwrap()
}

fn decide_as(
    policy: &DeployPolicy,
    method: &str,
    uri: &str,
    body: Option<Value>,
    user: &str,
) -> AuthzDecision {
    let body = body.map(|b| serde_json::to_vec(&b).unwrap());
    let req = AuthzRequest::from_json(&request_json(method, uri, body.as_deref(), user)).unwrap();
    authorize_request(policy, &req)
}

fn decide(policy: &DeployPolicy, method: &str, uri: &str, body: Option<Value>) -> AuthzDecision {
    decide_as(policy, method, uri, body, "")
}

/// A `docker run` container-create body (20.10's shape, trimmed) with `host` merged into HostConfig.
fn create(host: Value) -> Value {
    let mut hc = json!({
        "Binds": null, "NetworkMode": "default", "Privileged": false, "PidMode": "", "IpcMode": "",
        "UTSMode": "", "UsernsMode": "", "CapAdd": null, "CapDrop": null, "SecurityOpt": null,
        "Devices": [], "DeviceCgroupRules": null, "DeviceRequests": null, "MaskedPaths": null,
        "ReadonlyPaths": null, "AutoRemove": true
    });
    for (k, v) in host.as_object().unwrap() {
        hc[k] = v.clone();
    }
    json!({"User": "", "Cmd": ["true"], "Image": "busybox:latest", "HostConfig": hc, "NetworkingConfig": {"EndpointsConfig": {}}})
}

fn run(host: Value) -> AuthzDecision {
    decide(
        &DeployPolicy::default(),
        "POST",
        "/v1.41/containers/create",
        Some(create(host)),
    )
}

fn rules(d: &AuthzDecision) -> Vec<&str> {
    d.rules.iter().map(String::as_str).collect()
}

#[test]
fn plain_run_is_allowed() {
    let d = run(json!({}));
    assert!(d.allow);
    assert_eq!(d.msg, "");
    assert!(d.rules.is_empty());
    assert_eq!(d.action, "container-create");
    assert_eq!(d.to_json(), br#"{"Allow":true,"Msg":"","Err":""}"#);
}

#[test]
fn privileged() {
    let d = run(json!({"Privileged": true}));
    assert!(!d.allow);
    assert_eq!(
        d.msg,
        "rensa: denied (docker-privileged): privileged containers are not allowed; run without --privileged"
    );
    assert_eq!(d.findings[0].severity.as_str(), "critical");
    assert_eq!(d.findings[0].title, "containers must not run privileged");
    assert_eq!(
        d.to_json(),
        br#"{"Allow":false,"Msg":"rensa: denied (docker-privileged): privileged containers are not allowed; run without --privileged","Err":""}"#
    );
}

#[test]
fn host_namespaces() {
    for (field, rule, msg) in [
        (
            "PidMode",
            "docker-host-pid",
            "the container would share the host's PID namespace (--pid=host); run without --pid=host",
        ),
        (
            "IpcMode",
            "docker-host-ipc",
            "the container would share the host's IPC namespace (--ipc=host); run without --ipc=host",
        ),
        (
            "NetworkMode",
            "docker-host-network",
            "the container would share the host's network namespace (--network=host); run without --network=host and publish the ports the workload needs (-p)",
        ),
        (
            "UTSMode",
            "docker-host-uts",
            "the container would share the host's UTS namespace (--uts=host); run without --uts=host",
        ),
        (
            "UsernsMode",
            "docker-host-userns",
            "the container would share the host's user namespace (--userns=host); run without --userns=host",
        ),
    ] {
        let d = run(json!({ field: "host" }));
        assert_eq!(d.msg, format!("rensa: denied ({rule}): {msg}"));
        assert!(run(json!({ field: "container:web" })).allow, "{field}");
    }
    assert!(run(json!({"NetworkMode": "none"})).allow);
    assert!(run(json!({"NetworkMode": "bridge"})).allow);
    // Several rules: sorted ids, one part each.
    let d = run(json!({"Privileged": true, "PidMode": "host"}));
    assert_eq!(
        d.msg,
        "rensa: denied (docker-host-pid, docker-privileged): the container would share the host's PID namespace (--pid=host); run without --pid=host | privileged containers are not allowed; run without --privileged"
    );
}

#[test]
fn capabilities() {
    let d = run(json!({"CapAdd": ["NET_ADMIN", "CAP_SYS_ADMIN", "chown", "NET_RAW"]}));
    assert_eq!(rules(&d), ["docker-capability"]);
    assert_eq!(
        d.findings[0].message,
        "the container adds capabilities beyond the allowed set (--cap-add NET_ADMIN, SYS_ADMIN)"
    );
    assert!(run(json!({"CapAdd": ["CHOWN", "cap_net_bind_service"], "CapDrop": ["ALL"]})).allow);
    assert_eq!(
        run(json!({"CapAdd": ["ALL"]})).findings[0].message,
        "the container adds capabilities beyond the allowed set (--cap-add ALL)"
    );
    assert_eq!(
        run(json!({"Capabilities": ["CAP_SYS_MODULE"]})).rules,
        ["docker-capability"]
    );
    let p = policy("version: 1\ndocker:\n  allowed_capabilities: [NET_ADMIN]\n");
    let d = decide(
        &p,
        "POST",
        "/containers/create",
        Some(create(json!({"CapAdd": ["NET_ADMIN", "SYS_PTRACE"]}))),
    );
    assert_eq!(
        d.findings[0].message,
        "the container adds capabilities beyond the allowed set (--cap-add SYS_PTRACE)"
    );
    let d = decide(
        &p,
        "POST",
        "/containers/create",
        Some(create(json!({"CapAdd": ["net_admin"]}))),
    );
    assert!(d.allow);
}

#[test]
fn bind_mounts() {
    let msg = |binds: Value| {
        let d = run(json!({ "Binds": binds }));
        if d.allow { String::new() } else { d.msg }
    };
    assert_eq!(
        msg(json!(["/etc/ssl:/ssl:ro"])),
        "rensa: denied (docker-sensitive-mount): the bind mount \"/etc/ssl:/ssl:ro\" exposes the sensitive host path /etc; mount a named volume or a dedicated directory instead, or allow the path in the policy (`docker.allowed_bind_paths`)"
    );
    assert_eq!(
        run(json!({"Binds": ["/:/host"]})).findings[0].message,
        "the bind mount \"/:/host\" exposes the sensitive host paths /, /bin, /boot, /dev and 23 more"
    );
    assert_eq!(
        run(json!({"Binds": ["//var//run/docker.sock/:/s"]})).findings[0].message,
        "the bind mount \"//var//run/docker.sock/:/s\" exposes the sensitive host path /var/run/docker.sock"
    );
    assert_eq!(
        run(json!({"Binds": ["/tmp/../etc:/x"]})).findings[0].message,
        "the bind mount \"/tmp/../etc:/x\" exposes the sensitive host path /etc"
    );
    assert_eq!(
        run(json!({"Binds": ["/var/run:/r:ro"]})).findings[0].message,
        "the bind mount \"/var/run:/r:ro\" exposes the sensitive host paths /var/run/containerd, /var/run/crio, /var/run/docker, /var/run/docker.sock and 1 more"
    );
    for ok in ["/home/dev/src:/src", "data:/data", "/srv/app:/app:ro,z", "/anon"] {
        assert_eq!(msg(json!([ok])), "", "{ok}");
    }
    let d = run(json!({"Binds": ["/srv/app:/app:rshared"]}));
    assert_eq!(rules(&d), ["docker-mount-propagation"]);
    // Two sensitive binds: two findings of the rule, one remediation.
    let d = run(json!({"Binds": ["/proc:/p", "/sys:/s"]}));
    assert_eq!(
        d.msg,
        "rensa: denied (docker-sensitive-mount): the bind mount \"/proc:/p\" exposes the sensitive host path /proc | the bind mount \"/sys:/s\" exposes the sensitive host path /sys; mount a named volume or a dedicated directory instead, or allow the path in the policy (`docker.allowed_bind_paths`)"
    );
    // The policy adds sensitive paths and allows others.
    let p = policy(
        "version: 1\ndocker:\n  sensitive_paths: [/srv/secrets]\n  allowed_bind_paths: [/etc/ssl/certs]\n",
    );
    let d = |b: &str| {
        decide(
            &p,
            "POST",
            "/containers/create",
            Some(create(json!({"Binds": [b]}))),
        )
    };
    assert_eq!(
        d("/srv:/srv").findings[0].message,
        "the bind mount \"/srv:/srv\" exposes the sensitive host path /srv/secrets"
    );
    assert!(d("/etc/ssl/certs:/certs:ro").allow);
    assert!(!d("/etc/ssl:/ssl:ro").allow);
}

#[test]
fn mounts_and_volumes() {
    let d = run(json!({"Mounts": [{"Type": "bind", "Source": "/proc", "Target": "/p"}]}));
    assert_eq!(
        d.findings[0].message,
        "the bind mount of \"/proc\" exposes the sensitive host path /proc"
    );
    let d = run(
        json!({"Mounts": [{"Type": "bind", "Source": "/srv/x", "Target": "/x", "BindOptions": {"Propagation": "rshared"}}]}),
    );
    assert_eq!(rules(&d), ["docker-mount-propagation"]);
    let inline = json!({"Mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {"Name": "local", "Options": {"type": "none", "o": "bind", "device": "/etc"}}}}]});
    assert_eq!(
        run(inline).findings[0].message,
        "the local volume with device=\"/etc\" exposes the sensitive host path /etc"
    );
    assert!(run(json!({"Mounts": [{"Type": "tmpfs", "Target": "/tmp"}, {"Type": "volume", "Source": "data", "Target": "/d"}]})).allow);

    let vol = |b: Value| decide(&DeployPolicy::default(), "POST", "/v1.41/volumes/create", Some(b));
    let d = vol(
        json!({"Name": "root", "Driver": "local", "DriverOpts": {"type": "none", "o": "bind", "device": "/root"}, "Labels": {}}),
    );
    assert_eq!(d.action, "volume-create");
    assert_eq!(
        d.msg,
        "rensa: denied (docker-sensitive-mount): the local volume with device=\"/root\" exposes the sensitive host path /root; mount a named volume or a dedicated directory instead, or allow the path in the policy (`docker.allowed_bind_paths`)"
    );
    assert!(!vol(json!({"Name": "disk", "DriverOpts": {"type": "ext4", "device": "/dev/sdb1"}})).allow);
    assert!(vol(json!({"Name": "data", "Driver": "local", "DriverOpts": {"type": "none", "o": "bind", "device": "/srv/data"}})).allow);
    assert!(vol(json!({"Name": "nfs", "Driver": "local", "DriverOpts": {"type": "nfs", "o": "addr=10.0.0.1", "device": ":/export"}})).allow);
    assert!(vol(json!({"Name": "plain"})).allow);
    assert!(vol(json!({"Name": "x", "Driver": "rexray", "DriverOpts": {"device": "/etc"}})).allow);
}

#[test]
fn devices() {
    let d = run(
        json!({"Devices": [{"PathOnHost": "/dev/sda", "PathInContainer": "/dev/sda", "CgroupPermissions": "rwm"}]}),
    );
    assert_eq!(
        d.msg,
        "rensa: denied (docker-device): the container would get the host device /dev/sda (--device); remove the --device/--device-cgroup-rule/--gpus option, or allow the device in the policy (`docker.allowed_devices`)"
    );
    assert_eq!(
        run(json!({"DeviceCgroupRules": ["c *:* rmw"]})).findings[0].message,
        "the container would get device cgroup rules c *:* rmw (--device-cgroup-rule)"
    );
    let gpus = json!({"DeviceRequests": [{"Driver": "", "Count": -1, "Capabilities": [["gpu"]]}]});
    assert_eq!(run(gpus.clone()).rules, ["docker-device"]);
    let p = policy("version: 1\ndocker:\n  allowed_devices: [/dev/fuse, gpus]\n");
    assert!(decide(&p, "POST", "/containers/create", Some(create(json!({"Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}]})))).allow);
    assert!(decide(&p, "POST", "/containers/create", Some(create(gpus))).allow);
    let d = decide(
        &DeployPolicy::default(),
        "POST",
        "/v1.41/containers/web/update",
        Some(json!({"CpuShares": 512, "Devices": [{"PathOnHost": "/dev/mem"}]})),
    );
    assert_eq!(
        (d.action.as_str(), rules(&d)),
        ("container-update", vec!["docker-device"])
    );
    assert!(
        decide(
            &DeployPolicy::default(),
            "POST",
            "/v1.41/containers/web/update",
            Some(json!({"Memory": 1048576}))
        )
        .allow
    );
}

#[test]
fn security_options() {
    for (opt, rule) in [
        ("seccomp=unconfined", "docker-seccomp-unconfined"),
        ("seccomp:unconfined", "docker-seccomp-unconfined"),
        ("apparmor=unconfined", "docker-apparmor-unconfined"),
        ("label=disable", "docker-selinux-disabled"),
        ("label:disable", "docker-selinux-disabled"),
        ("label=type:spc_t", "docker-selinux-disabled"),
        ("systempaths=unconfined", "docker-unmasked-paths"),
    ] {
        assert_eq!(run(json!({"SecurityOpt": [opt]})).rules, [rule], "{opt}");
    }
    assert_eq!(
        run(json!({"SecurityOpt": ["seccomp=unconfined"]})).msg,
        "rensa: denied (docker-seccomp-unconfined): the container would run without a seccomp profile (--security-opt seccomp=unconfined); remove --security-opt seccomp=unconfined (the default seccomp profile applies)"
    );
    assert!(run(json!({"SecurityOpt": ["no-new-privileges", "label=level:s0:c100,c200", "apparmor=docker-default"]})).allow);
    // What the client sends for --security-opt systempaths=unconfined.
    let d = run(json!({"MaskedPaths": [], "ReadonlyPaths": []}));
    assert_eq!(d.rules, ["docker-unmasked-paths"]);
    assert_eq!(d.findings.len(), 2);
    assert!(d.findings[1].message.starts_with(
        "the container's ReadonlyPaths leaves paths the runtime keeps read-only open: /proc/bus, "
    ));
    let mut all: Vec<&str> = docker::DEFAULT_MASKED_PATHS.to_vec();
    all.push("/proc/extra");
    assert!(run(json!({"MaskedPaths": all})).allow);
}

#[test]
fn exec() {
    let uri = "/v1.41/containers/web/exec";
    let body = |privileged: bool, user: &str| json!({"User": user, "Privileged": privileged, "Tty": false, "AttachStdin": false, "AttachStderr": true, "AttachStdout": true, "Detach": false, "DetachKeys": "", "Env": null, "WorkingDir": "", "Cmd": ["id"]});
    let default = DeployPolicy::default();
    let d = decide(&default, "POST", uri, Some(body(false, "")));
    assert_eq!(d.action, "exec-create");
    assert_eq!(
        d.msg,
        "rensa: denied (docker-exec): exec into container \"web\" is not allowed; rebuild and redeploy the container instead of changing it in place; a user who must exec has to be in `docker.exec_allowed_users` (TLS client-certificate users), or the policy's `docker.exec` mode must allow it"
    );
    // `docker exec` starts what was created: the start call itself passes.
    assert!(
        decide(
            &default,
            "POST",
            "/v1.41/exec/f3b70e51fa07/start",
            Some(json!({"Detach": false, "Tty": false}))
        )
        .allow
    );

    let unprivileged = policy("version: 1\ndocker:\n  exec: unprivileged\n");
    assert!(decide(&unprivileged, "POST", uri, Some(body(false, ""))).allow);
    assert!(decide(&unprivileged, "POST", uri, Some(body(false, "root"))).allow);
    assert_eq!(
        decide(&unprivileged, "POST", uri, Some(body(true, ""))).findings[0].message,
        "privileged exec into container \"web\" is not allowed (--privileged)"
    );

    let non_root = policy("version: 1\ndocker:\n  exec: non-root\n");
    assert!(decide(&non_root, "POST", uri, Some(body(false, "1000"))).allow);
    assert!(decide(&non_root, "POST", uri, Some(body(false, "app:app"))).allow);
    assert!(!decide(&non_root, "POST", uri, Some(body(true, "1000"))).allow);
    assert_eq!(
        decide(&non_root, "POST", uri, Some(body(false, ""))).findings[0].message,
        "exec into container \"web\" as the image's default user is not allowed; only non-root users (--user UID) may exec"
    );
    assert!(!decide(&non_root, "POST", uri, Some(body(false, "0:0"))).allow);
    assert!(!decide(&non_root, "POST", uri, Some(body(false, "root"))).allow);

    // Allowed API users (TLS client certificates) may exec anything; the unix socket has no user.
    let alice = policy("version: 1\ndocker:\n  exec_allowed_users: [alice]\n");
    assert!(decide_as(&alice, "POST", uri, Some(body(true, "root")), "alice").allow);
    let d = decide_as(&alice, "POST", uri, Some(body(false, "")), "mallory");
    assert_eq!(
        d.findings[0].message,
        "exec into container \"web\" by \"mallory\" is not allowed"
    );
    assert_eq!(d.user, "mallory");
    assert!(!decide(&alice, "POST", uri, Some(body(false, ""))).allow);
}

#[test]
fn images() {
    let p = policy("version: 1\nimages:\n  allowed: [\"registry.local:5000/**\"]\n  require_digest: true\n");
    let digest = "sha256:cb5bbf76cc15631cb91abece256846bdc01a3bf4cb2453cc6fc0a62bec4db62e";
    let with_image = |image: &str| {
        let mut b = create(json!({}));
        b["Image"] = json!(image);
        decide(&p, "POST", "/v1.41/containers/create", Some(b))
    };
    let d = with_image("busybox:latest");
    assert_eq!(
        d.msg,
        "rensa: denied (docker-image-not-allowed, docker-image-not-pinned): the image busybox:latest (docker.io/library/busybox) is not in an allowed repository (registry.local:5000/**); use an image from an allowed registry (`images.allowed` in the deploy policy) | the image busybox:latest is referenced by tag, not by digest; reference the image as REPOSITORY@sha256:DIGEST"
    );
    assert!(with_image(&format!("registry.local:5000/shop/web@{digest}")).allow);
    assert_eq!(
        with_image("registry.local:5000/shop/web:1").rules,
        ["docker-image-not-pinned"]
    );
    assert_eq!(with_image(digest).rules, ["docker-image-not-allowed"]);
    let mut no_image = create(json!({}));
    no_image.as_object_mut().unwrap().remove("Image");
    assert_eq!(
        decide(&p, "POST", "/containers/create", Some(no_image)).findings[0].message,
        "the request names no image"
    );

    let pull = |uri: &str| decide(&p, "POST", uri, None);
    let d = pull("/v1.41/images/create?fromImage=busybox&tag=latest");
    assert_eq!(
        (d.action.as_str(), rules(&d)),
        (
            "image-create",
            vec!["docker-image-not-allowed", "docker-image-not-pinned"]
        )
    );
    assert!(
        pull(&format!(
            "/v1.41/images/create?fromImage=registry.local%3A5000%2Fshop%2Fweb&tag={}",
            digest.replace(':', "%3A")
        ))
        .allow
    );
    assert!(pull("/v1.41/images/create?fromSrc=-&repo=rtest&tag=latest").allow);
    // The default policy does not restrict images.
    assert!(
        decide(
            &DeployPolicy::default(),
            "POST",
            "/images/create?fromImage=busybox&tag=latest",
            None
        )
        .allow
    );
}

#[test]
fn plugins() {
    let default = DeployPolicy::default();
    let d = decide(
        &default,
        "POST",
        "/v1.41/plugins/pull?remote=vieux%2Fsshfs%3Alatest&name=vieux%2Fsshfs%3Alatest",
        Some(json!([{"Name": "network", "Value": ["host"]}])),
    );
    assert_eq!(d.action, "plugin");
    assert_eq!(
        d.msg,
        "rensa: denied (docker-plugin): plugin pull of vieux/sshfs:latest is not allowed (docker.allowed_plugins); install only plugins listed in `docker.allowed_plugins`"
    );
    assert!(
        !decide(
            &default,
            "POST",
            "/v1.41/plugins/vieux/sshfs:latest/set",
            Some(json!(["DEBUG=1"]))
        )
        .allow
    );
    assert!(!decide(&default, "POST", "/v1.41/plugins/create?name=evil", None).allow);
    assert!(!decide(&default, "POST", "/v1.41/plugins/pull", None).allow);
    assert!(decide(&default, "GET", "/v1.41/plugins", None).allow);
    assert!(
        decide(
            &default,
            "POST",
            "/v1.41/plugins/vieux/sshfs:latest/disable",
            None
        )
        .allow
    );
    let p = policy("version: 1\ndocker:\n  allowed_plugins: [\"docker.io/vieux/*\"]\n");
    assert!(
        decide(
            &p,
            "POST",
            "/v1.41/plugins/pull?remote=vieux%2Fsshfs%3Alatest&name=vieux%2Fsshfs%3Alatest",
            None
        )
        .allow
    );
    assert!(
        decide(
            &p,
            "POST",
            "/v1.41/plugins/vieux/sshfs:latest/enable?timeout=0",
            None
        )
        .allow
    );
    assert!(
        !decide(
            &p,
            "POST",
            "/v1.41/plugins/vieux/sshfs:latest/upgrade?remote=evil%2Fsshfs",
            None
        )
        .allow
    );
}

#[test]
fn services() {
    let svc = json!({
        "Name": "web",
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": "nginx:1.25",
                "Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Target": "/var/run/docker.sock"}],
                "CapabilityAdd": ["CAP_SYS_ADMIN"],
                "Privileges": {"SELinuxContext": {"Disable": true}}
            },
            "Networks": [{"Target": "host"}]
        },
        "Mode": {"Replicated": {"Replicas": 1}}
    });
    let d = decide(
        &DeployPolicy::default(),
        "POST",
        "/v1.41/services/create",
        Some(svc),
    );
    assert_eq!(d.action, "service");
    assert_eq!(
        rules(&d),
        [
            "docker-capability",
            "docker-host-network",
            "docker-selinux-disabled",
            "docker-sensitive-mount"
        ]
    );
    let ok = json!({"Name": "web", "TaskTemplate": {"ContainerSpec": {"Image": "nginx:1.25", "Mounts": [{"Type": "volume", "Source": "data", "Target": "/d"}]}}});
    assert!(
        decide(
            &DeployPolicy::default(),
            "POST",
            "/v1.41/services/abc/update?version=4",
            Some(ok)
        )
        .allow
    );
    let plugin = json!({"Name": "p", "TaskTemplate": {"Runtime": "plugin", "PluginSpec": {"Name": "evil", "Remote": "evil/plugin:1"}}});
    assert_eq!(
        rules(&decide(
            &DeployPolicy::default(),
            "POST",
            "/services/create",
            Some(plugin)
        )),
        ["docker-plugin"]
    );
}

#[test]
fn other_calls_pass() {
    let default = DeployPolicy::default();
    for (method, uri) in [
        ("HEAD", "/_ping"),
        ("GET", "/v1.41/containers/json?all=1"),
        ("GET", "/v1.41/containers/az1/json"),
        ("DELETE", "/v1.41/containers/az1?force=1"),
        ("POST", "/v1.41/containers/az1/attach?stderr=1&stdout=1&stream=1"),
        ("POST", "/v1.41/build?t=x"),
        ("POST", "/v1.41/exec/abc/start"),
        ("GET", "/version"),
    ] {
        let d = decide(&default, method, uri, None);
        assert!(d.allow, "{method} {uri}: {}", d.msg);
        assert_eq!(d.action, "other");
    }
    let d = decide(&default, "POST", "/v1.41/containers/az1/start", None);
    assert!(d.allow);
    assert_eq!(d.action, "container-start");
    // AuthZRes: nothing to check.
    let req = AuthzRequest::from_json(&request_json("POST", "/v1.41/containers/create", None, "")).unwrap();
    let d = authorize_response(&default, &req);
    assert!(d.allow);
    assert_eq!(d.action, "response");
}

#[test]
fn container_start_with_a_host_config() {
    // dockerd 20.10 still applies a HostConfig body on start for API versions before 1.24.
    let default = DeployPolicy::default();
    let d = decide(
        &default,
        "POST",
        "/v1.23/containers/web/start",
        Some(json!({"Privileged": true, "Binds": ["/:/host"]})),
    );
    assert_eq!(d.action, "container-start");
    assert_eq!(rules(&d), ["docker-privileged", "docker-sensitive-mount"]);
    assert!(
        decide(
            &default,
            "POST",
            "/v1.23/containers/web/start",
            Some(json!({"PortBindings": {}}))
        )
        .allow
    );
    assert!(decide(&default, "POST", "/v1.23/containers/web/start", Some(json!(null))).allow);
    let headers = |h: Value| {
        let mut r: Value =
            serde_json::from_slice(&request_json("POST", "/v1.23/containers/web/start", None, "")).unwrap();
        r["RequestHeaders"] = h;
        authorize_request(
            &default,
            &AuthzRequest::from_json(&serde_json::to_vec(&r).unwrap()).unwrap(),
        )
    };
    // What docker 20.10 sends (the capture): no body, text/plain, length 0.
    assert!(headers(json!({"Content-Length": "0", "Content-Type": "text/plain"})).allow);
    assert!(headers(json!({"Content-Length": "2", "Content-Type": "application/json"})).allow);
    assert!(headers(json!({})).allow);
    // A JSON body that dockerd did not forward (over 1 MiB, or chunked) cannot be checked.
    assert_eq!(
        bad(&headers(
            json!({"Content-Length": "2000000", "Content-Type": "application/json"})
        )),
        "POST /v1.23/containers/web/start carries a JSON body (a HostConfig before API 1.24) that dockerd did not forward (over 1 MiB or without a length)"
    );
    assert!(!headers(json!({"content-type": "application/json; charset=utf-8"})).allow);
}

#[test]
fn disabled_allows_everything() {
    let off = policy("version: 1\ndocker:\n  enabled: false\n");
    assert!(
        decide(
            &off,
            "POST",
            "/v1.41/containers/create",
            Some(create(json!({"Privileged": true})))
        )
        .allow
    );
    assert!(decide(&off, "POST", "/v1.41/containers/create", None).allow);
    assert!(
        decide(
            &off,
            "POST",
            "/v1.41/containers/web/exec",
            Some(json!({"Privileged": true}))
        )
        .allow
    );
}

#[test]
fn go_json_quirks_do_not_bypass() {
    // encoding/json matches field names case-insensitively and reads HostConfig fields at the top level.
    for body in [
        json!({"Image": "busybox", "hostconfig": {"privileged": true}}),
        json!({"Image": "busybox", "Privileged": true}),
        json!({"Image": "busybox", "HostConfig": {"Privileged": false}, "hostConfig": {"PRIVILEGED": true}}),
        json!({"image": "busybox", "HostConfig": {"binds": ["/:/host"], "Privileged": true}}),
    ] {
        let d = decide(
            &DeployPolicy::default(),
            "POST",
            "/containers/create",
            Some(body.clone()),
        );
        assert!(d.rules.contains(&"docker-privileged".to_string()), "{body}");
    }
    let d = decide(
        &DeployPolicy::default(),
        "POST",
        "/containers/create",
        Some(json!({"HostConfig": {"Bindſ": ["/:/host"]}})),
    );
    assert_eq!(d.rules, ["docker-sensitive-mount"]);
    let d = decide(
        &DeployPolicy::default(),
        "POST",
        "/containers/web/exec",
        Some(json!({"privileged": true})),
    );
    assert_eq!(d.rules, ["docker-exec"]);
}

fn bad(d: &AuthzDecision) -> &str {
    assert!(!d.allow);
    assert_eq!(d.rules, ["docker-bad-request"]);
    &d.findings[0].message
}

#[test]
fn fails_closed_on_bad_requests() {
    let default = DeployPolicy::default();
    let create_uri = "/v1.41/containers/create";
    assert_eq!(
        decide(&default, "POST", create_uri, None).msg,
        "rensa: denied (docker-bad-request): POST /v1.41/containers/create has no request body (dockerd omits bodies over 1 MiB and non-JSON ones); send a JSON request body under 1 MiB"
    );
    let req =
        |body: &[u8]| AuthzRequest::from_json(&request_json("POST", create_uri, Some(body), "")).unwrap();
    assert!(
        bad(&authorize_request(&default, &req(b"{\"Image\": ")))
            .starts_with("the body of POST /v1.41/containers/create is not JSON: ")
    );
    assert_eq!(
        bad(&authorize_request(&default, &req(b"[1,2]"))),
        "the body of POST /v1.41/containers/create cannot be checked: the body is an array, not a JSON object"
    );
    assert_eq!(
        bad(&decide(
            &default,
            "POST",
            create_uri,
            Some(json!({"HostConfig": {"Privileged": "true"}}))
        )),
        "the body of POST /v1.41/containers/create cannot be checked: Privileged is a string, not a boolean"
    );
    assert_eq!(
        bad(&decide(
            &default,
            "POST",
            create_uri,
            Some(json!({"HostConfig": {"Binds": "/:/host"}}))
        )),
        "the body of POST /v1.41/containers/create cannot be checked: Binds is a string, not an array"
    );
    assert_eq!(
        bad(&decide(
            &default,
            "POST",
            create_uri,
            Some(json!({"HostConfig": {"Binds": [7]}}))
        )),
        "the body of POST /v1.41/containers/create cannot be checked: an item of Binds is a number, not a string"
    );
    assert_eq!(
        bad(&decide(
            &default,
            "POST",
            create_uri,
            Some(json!({"HostConfig": []}))
        )),
        "the body of POST /v1.41/containers/create cannot be checked: HostConfig is an array, not an object"
    );
    assert!(
        bad(&decide(&default, "POST", "/v1.41/containers/web/exec", None)).contains("has no request body")
    );
    assert!(
        bad(&decide(
            &default,
            "POST",
            "/v1.41/volumes/create",
            Some(json!("x"))
        ))
        .contains("cannot be checked")
    );
    assert_eq!(
        bad(&decide(
            &default,
            "POST",
            "/v1.41/containers/%zz/exec",
            Some(json!({}))
        )),
        "the request path \"/v1.41/containers/%zz/exec\" is not validly percent-encoded"
    );
    assert_eq!(
        bad(&decide(&default, "POST", "containers/create", Some(json!({})))),
        "the request URI \"containers/create\" is not an absolute path"
    );
    assert_eq!(
        bad(&decide(&default, "", "", None)),
        "the request URI \"\" is not an absolute path"
    );
}

#[test]
fn undecodable_plugin_calls_are_denied() {
    for (body, reason) in [
        (
            &b"not json"[..],
            "docker authorization request: not a JSON authorization request: the body is not a JSON object",
        ),
        (
            b"[]",
            "docker authorization request: not a JSON authorization request: the body is not a JSON object",
        ),
        (
            b" {\"User\": ",
            "docker authorization request: not a JSON authorization request: EOF while parsing a value at line 1 column 10",
        ),
        (
            br#"{"RequestMethod":"POST","RequestUri":"/containers/create","RequestBody":"%%%"}"#,
            "docker authorization request: RequestBody is not base64: Invalid symbol 37, offset 0.",
        ),
        (
            br#"{"RequestMethod":7}"#,
            "docker authorization request: not a JSON authorization request: invalid type: integer `7`, expected a string at line 1 column 18",
        ),
    ] {
        let err = AuthzRequest::from_json(body).unwrap_err().to_string();
        assert_eq!(err, reason);
        let (answer, decision) = docker::answer(&DeployPolicy::default(), PluginCall::Request, body);
        let decision = decision.unwrap();
        assert_eq!(decision.rules, ["docker-bad-request"]);
        assert_eq!(
            decision.msg,
            format!(
                "rensa: denied (docker-bad-request): the authorization request cannot be read: {reason}; send a JSON request body under 1 MiB"
            )
        );
        let wire: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(wire["Allow"], json!(false));
        // A response that cannot be read is denied too.
        let (_, d) = docker::answer(&DeployPolicy::default(), PluginCall::Response, body);
        assert!(!d.unwrap().allow);
    }
    assert_eq!(
        docker::answer(&DeployPolicy::default(), PluginCall::Activate, b"").0,
        ACTIVATE_RESPONSE
    );
    assert_eq!(
        PluginCall::from_path("/AuthZPlugin.AuthZReq"),
        Some(PluginCall::Request)
    );
    assert_eq!(
        PluginCall::from_path("/AuthZPlugin.AuthZRes"),
        Some(PluginCall::Response)
    );
    assert_eq!(
        PluginCall::from_path("/Plugin.Activate"),
        Some(PluginCall::Activate)
    );
    assert_eq!(PluginCall::from_path("/VolumeDriver.Create"), None);
    // Hostile sizes and nesting do not panic.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let d = decide(
        &DeployPolicy::default(),
        "POST",
        "/containers/create",
        Some(json!({"HostConfig": {"Binds": [format!("/{}:/x", "a/".repeat(50_000))]}})),
    );
    assert!(d.allow);
    let req = AuthzRequest::from_json(&request_json(
        "POST",
        "/containers/create",
        Some(deep.as_bytes()),
        "",
    ))
    .unwrap();
    assert_eq!(
        authorize_request(&DeployPolicy::default(), &req).rules,
        ["docker-bad-request"]
    );
}

#[test]
fn decisions_serialize_for_the_audit_log() {
    let d = run(json!({"Privileged": true, "Binds": ["/etc:/e"]}));
    let v: Value = serde_json::to_value(&d).unwrap();
    assert_eq!(v["allow"], json!(false));
    assert_eq!(v["rules"], json!(["docker-privileged", "docker-sensitive-mount"]));
    assert_eq!(v["findings"][1]["severity"], json!("critical"));
    assert_eq!(v["method"], json!("POST"));
    assert_eq!(v["uri"], json!("/v1.41/containers/create"));
    for r in docker::rule::RULES {
        assert!(r.remediation.len() > 10, "{}", r.id);
    }
}

/// A verifier that knows one image: signed, built on 2025-05-16 (as the repository's example image).
struct OneImage;

impl rensa_policy::deploy::verify::ImageVerifier for OneImage {
    fn verify(&self, image: &str) -> Result<rensa_policy::deploy::verify::VerifiedImage, String> {
        match image {
            "registry.local/app:v1" | "registry.local/unsigned:v1" => {
                Ok(rensa_policy::deploy::verify::VerifiedImage {
                    digest: format!("sha256:{}", "ab".repeat(32)),
                    created: Some(rensa_trust::predicate::Timestamp::parse("2025-05-16T00:00:00Z").unwrap()),
                    trusted: image.contains("/app:"),
                    reasons: vec!["signatures: no signatures found".into()],
                })
            }
            _ => Err("no such image in the registry".into()),
        }
    }
}

#[test]
fn images_are_verified_on_create_but_not_on_pull() {
    let policy = policy("version: 1\nimages:\n  max_age: 3650d\n");
    let with = |image: &str, verifier: Option<&dyn rensa_policy::deploy::verify::ImageVerifier>| {
        let mut body = create(json!({}));
        body["Image"] = json!(image);
        let body = serde_json::to_vec(&body).unwrap();
        let req = AuthzRequest::from_json(&request_json("POST", "/v1.41/containers/create", Some(&body), ""))
            .unwrap();
        docker::authorize_request_with(&policy, &req, verifier)
    };
    let d = with("registry.local/app:v1", Some(&OneImage));
    assert!(d.allow, "{}", d.msg);
    let d = with("registry.local/other:v1", Some(&OneImage));
    assert_eq!(rules(&d), ["docker-image-verification-failed"]);
    assert_eq!(
        d.msg,
        "rensa: denied (docker-image-verification-failed): cannot verify registry.local/other:v1: no such image in the registry; run images by their registry reference and make the registry reachable from the plugin"
    );
    // Without a verifier nothing can be proven: fail closed; an image ID has no repository.
    assert_eq!(
        rules(&with("registry.local/app:v1", None)),
        ["docker-image-verification-failed"]
    );
    assert_eq!(
        rules(&with(&"a".repeat(64), Some(&OneImage))),
        ["docker-image-verification-failed"]
    );
    // A pull is checked against the allowlist only.
    let pull = AuthzRequest::from_json(&request_json(
        "POST",
        "/v1.41/images/create?fromImage=registry.local%2Fother&tag=v1",
        None,
        "",
    ))
    .unwrap();
    assert!(docker::authorize_request_with(&policy, &pull, None).allow);

    let strict = self::policy("version: 1\nimages:\n  max_age: 30d\n");
    let mut body = create(json!({}));
    body["Image"] = json!("registry.local/unsigned:v1");
    let body = serde_json::to_vec(&body).unwrap();
    let req =
        AuthzRequest::from_json(&request_json("POST", "/v1.41/containers/create", Some(&body), "")).unwrap();
    let d = docker::authorize_request_with(&strict, &req, Some(&OneImage));
    assert_eq!(rules(&d), ["docker-image-not-trusted", "docker-image-too-old"]);
    assert!(
        d.msg.contains(&format!(
            "the image registry.local/unsigned:v1 (sha256:{}), built 2025-05-16T00:00:00Z (",
            "ab".repeat(32)
        )),
        "{}",
        d.msg
    );
}
