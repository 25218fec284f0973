//! `/validate` over real HTTPS (certificates made by `openssl`): every deploy rule denied and allowed,
//! every kind, exceptions, dryRun, fail-open, malformed and oversize reviews, stalled clients, metrics,
//! the audit log and the Docker authorization socket.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

fn deployment() -> Value {
    workload("Deployment", "shop", "web")
}

fn with(f: impl FnOnce(&mut Value)) -> Value {
    let mut o = deployment();
    f(&mut o);
    o
}

fn c0(o: &mut Value) -> &mut Value {
    &mut spec_mut(o)["containers"][0]
}

fn sc0(o: &mut Value) -> &mut Value {
    &mut c0(o)["securityContext"]
}

/// One object per deploy rule (but the namespace-wide network-no-default-deny) that breaks that rule
/// only.
fn rule_cases() -> Vec<(&'static str, Value)> {
    vec![
        (
            "image-not-pinned",
            with(|o| c0(o)["image"] = json!("registry.example/shop/web:1.0")),
        ),
        (
            "image-registry-not-allowed",
            with(|o| c0(o)["image"] = json!(format!("evil.example/web@sha256:{}", "2".repeat(64)))),
        ),
        (
            "network-allows-any-source",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "open", "namespace": "shop"},
                   "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}}),
        ),
        (
            "placement-allowed-regions",
            with(|o| spec_mut(o)["nodeSelector"]["topology.kubernetes.io/region"] = json!("us-east")),
        ),
        (
            "placement-attested-nodes",
            with(|o| {
                spec_mut(o)["nodeSelector"]
                    .as_object_mut()
                    .unwrap()
                    .remove("rensa.dev/attested");
            }),
        ),
        (
            "placement-sensitivity",
            with(|o| spec_mut(o)["nodeSelector"]["rensa.dev/sensitivity"] = json!("low")),
        ),
        (
            "pod-allow-privilege-escalation",
            with(|o| sc0(o)["allowPrivilegeEscalation"] = json!(true)),
        ),
        (
            "pod-apparmor",
            with(|o| {
                o["spec"]["template"]["metadata"]["annotations"]["container.apparmor.security.beta.kubernetes.io/web"] =
                    json!("unconfined")
            }),
        ),
        (
            "pod-capabilities-added",
            with(|o| sc0(o)["capabilities"]["add"] = json!(["SYS_ADMIN"])),
        ),
        (
            "pod-capabilities-drop-all",
            with(|o| sc0(o)["capabilities"]["drop"] = json!(["NET_RAW"])),
        ),
        ("pod-host-ipc", with(|o| spec_mut(o)["hostIPC"] = json!(true))),
        (
            "pod-host-network",
            with(|o| spec_mut(o)["hostNetwork"] = json!(true)),
        ),
        (
            "pod-host-path",
            with(|o| spec_mut(o)["volumes"] = json!([{"name": "etc", "hostPath": {"path": "/etc"}}])),
        ),
        ("pod-host-pid", with(|o| spec_mut(o)["hostPID"] = json!(true))),
        (
            "pod-host-port",
            with(|o| c0(o)["ports"] = json!([{"containerPort": 8080, "hostPort": 80}])),
        ),
        (
            "pod-host-process",
            with(|o| sc0(o)["windowsOptions"] = json!({"hostProcess": true})),
        ),
        ("pod-privileged", with(|o| sc0(o)["privileged"] = json!(true))),
        (
            "pod-proc-mount",
            with(|o| sc0(o)["procMount"] = json!("Unmasked")),
        ),
        (
            "pod-read-only-root-filesystem",
            with(|o| sc0(o)["readOnlyRootFilesystem"] = json!(false)),
        ),
        (
            "pod-resource-limits",
            with(|o| {
                c0(o)["resources"]["limits"]
                    .as_object_mut()
                    .unwrap()
                    .remove("memory");
            }),
        ),
        (
            "pod-run-as-non-root",
            with(|o| spec_mut(o)["securityContext"]["runAsNonRoot"] = json!(false)),
        ),
        ("pod-run-as-user-root", with(|o| sc0(o)["runAsUser"] = json!(0))),
        (
            "pod-seccomp",
            with(|o| spec_mut(o)["securityContext"]["seccompProfile"]["type"] = json!("Unconfined")),
        ),
        (
            "pod-selinux",
            with(|o| spec_mut(o)["securityContext"]["seLinuxOptions"] = json!({"type": "spc_t"})),
        ),
        (
            "pod-service-account-token",
            with(|o| spec_mut(o)["automountServiceAccountToken"] = json!(true)),
        ),
        (
            "pod-sysctls",
            with(|o| {
                spec_mut(o)["securityContext"]["sysctls"] =
                    json!([{"name": "kernel.msgmax", "value": "65536"}])
            }),
        ),
        (
            "pod-volume-types",
            with(|o| {
                spec_mut(o)["volumes"] =
                    json!([{"name": "share", "nfs": {"server": "nfs.example", "path": "/"}}])
            }),
        ),
        (
            "secret-in-args",
            with(|o| c0(o)["args"] = json!([format!("--token=ghp_{}", "a1B2".repeat(9))])),
        ),
        (
            "secret-in-configmap",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "settings", "namespace": "shop"},
                   "data": {"password": "hunter2", "app.properties": "color=blue\n"}}),
        ),
        (
            "secret-in-env",
            with(|o| {
                c0(o)["env"] =
                    json!([{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "MODE", "value": "prod"}])
            }),
        ),
    ]
}

fn reference(object: &Value) -> String {
    format!(
        "{}/{}/{}",
        object["kind"].as_str().unwrap(),
        object["metadata"]["namespace"].as_str().unwrap(),
        object["metadata"]["name"].as_str().unwrap()
    )
}

#[test]
fn every_rule_denies_alone_and_the_good_objects_pass() {
    let f = start(POLICY, "", options());
    let cases = rule_cases();
    // Every rule of the deploy gate is covered, except the namespace-wide one admission cannot judge
    // and those that need more than this policy: image verification against a registry (tests/mutate.rs)
    // and custom Rego rules (custom_rules_at_admission below).
    let covered: BTreeSet<&str> = cases.iter().map(|(r, _)| *r).collect();
    let elsewhere = [
        "network-no-default-deny",
        "image-not-trusted",
        "image-too-old",
        "image-verification-failed",
        "custom-rule-error",
    ];
    let all: BTreeSet<&str> = rensa_policy::deploy::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !elsewhere.contains(id))
        .collect();
    assert_eq!(covered, all);
    for (rule, object) in cases {
        let uid = format!("uid-{rule}");
        let r = f.review("/validate", &review(&uid, "CREATE", "shop", object.clone()));
        assert_eq!(r["allowed"], false, "{rule}: {r}");
        assert_eq!(r["status"]["code"], 403, "{rule}");
        let message = r["status"]["message"].as_str().unwrap();
        let prefix = format!("{} denied: [{rule}]; {rule} at ", reference(&object));
        assert!(message.starts_with(&prefix), "{rule}: {message}");
        assert!(r.get("warnings").is_none(), "{rule}: {r}");
        assert!(r.get("patch").is_none());
    }
    // The good objects: a Deployment alone in its namespace (no NetworkPolicy: network-no-default-deny
    // is off at admission), a NetworkPolicy that names its sources, a ConfigMap without secrets.
    for object in [
        deployment(),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "lb"}}}]}]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
               "data": {"app.properties": "color=blue\n"}}),
    ] {
        let r = f.review("/validate", &review("uid-good", "CREATE", "shop", object));
        assert_eq!(
            r,
            json!({"uid": "uid-good", "allowed": true}),
            "the good objects are allowed without warnings"
        );
    }
}

#[test]
fn every_kind_allowed_and_denied() {
    let f = start(POLICY, "", options());
    for kind in [
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
    ] {
        let good = workload(kind, "shop", "web");
        let r = f.review(
            "/validate",
            &review(&format!("{kind}-ok"), "CREATE", "shop", good.clone()),
        );
        assert_eq!(r, json!({"uid": format!("{kind}-ok"), "allowed": true}), "{kind}");
        let mut bad = good;
        spec_mut(&mut bad)["hostPID"] = json!(true);
        let r = f.review(
            "/validate",
            &review(&format!("{kind}-bad"), "UPDATE", "shop", bad),
        );
        assert_eq!(r["allowed"], false, "{kind}");
        let path = match kind {
            "Pod" => "spec",
            "CronJob" => "spec.jobTemplate.spec.template.spec",
            _ => "spec.template.spec",
        };
        assert_eq!(
            r["status"]["message"],
            format!(
                "{kind}/shop/web denied: [pod-host-pid]; pod-host-pid at {path}.hostPID: the pod shares the host's PID namespace (hostPID: true)"
            )
        );
    }
    // A Namespace (cluster-scoped) passes; an unknown kind is allowed with a warning.
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
    assert_eq!(
        f.review("/validate", &review("ns", "CREATE", "", ns)),
        json!({"uid": "ns", "allowed": true})
    );
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "shop"}});
    assert_eq!(
        f.review("/validate", &review("widget", "CREATE", "shop", widget)),
        json!({"uid": "widget", "allowed": true,
               "warnings": ["kind Widget is not checked by the rensa deploy gate"]})
    );
}

#[test]
fn unknown_kinds_can_be_denied() {
    let f = start(POLICY, "unknown_kinds: deny\n", options());
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    let r = f.review("/validate", &review("w1", "CREATE", "shop", widget));
    assert_eq!(
        r,
        json!({"uid": "w1", "allowed": false, "status": {"code": 403, "reason": "Forbidden",
            "message": "Widget/shop/w denied: [unknown-kind]; kind Widget is not known to the deploy gate (unknown_kinds: deny)"}})
    );
}

#[test]
fn namespace_from_the_request_exceptions_delete_and_dry_run_with_exact_audit_lines() {
    let f = start(POLICY, "", options());
    // The object names no namespace: the request's (legacy) is used, and the exception there applies.
    let mut object = with(|o| c0(o)["ports"] = json!([{"containerPort": 8080, "hostPort": 80}]));
    object["metadata"].as_object_mut().unwrap().remove("namespace");
    let mut r1 = review("u-1", "CREATE", "legacy", object);
    r1["request"]["dryRun"] = json!(true);
    assert_eq!(
        f.review("/validate", &r1),
        json!({"uid": "u-1", "allowed": true, "warnings": [
            "pod-host-port at spec.template.spec.containers[0].ports[0].hostPort is excepted until 2027-01-31: the legacy proxy binds port 80 until TICKET-7"
        ]})
    );
    // DELETE and CONNECT are allowed without looking at an object.
    let mut r2 = review(
        "u-2",
        "DELETE",
        "shop",
        json!({"kind": "Pod", "metadata": {"name": "x"}}),
    );
    r2["request"]["object"] = Value::Null;
    assert_eq!(f.review("/validate", &r2), json!({"uid": "u-2", "allowed": true}));
    let r3 = review(
        "u-3",
        "CREATE",
        "shop",
        with(|o| sc0(o)["privileged"] = json!(true)),
    );
    assert_eq!(f.review("/validate", &r3)["allowed"], false);
    assert_eq!(f.post("/validate", b"{not json").status, 400);

    let lines = f.audit();
    let common = |uid: &str, op: &str, object: &str| {
        json!({"kind": "admission", "endpoint": "validate", "uid": uid, "user": "alice",
               "groups": ["dev", "system:authenticated"], "operation": op, "object": object})
    };
    let merge = |mut a: Value, b: Value| {
        a.as_object_mut().unwrap().extend(b.as_object().unwrap().clone());
        a
    };
    assert_eq!(
        lines,
        vec![
            merge(
                common("u-1", "CREATE", "Deployment/legacy/web"),
                json!({
                "verdict": "allow", "dry_run": true, "rules": ["pod-host-port"],
                "reasons": ["pod-host-port at spec.template.spec.containers[0].ports[0].hostPort is excepted until 2027-01-31: the legacy proxy binds port 80 until TICKET-7"]})
            ),
            merge(
                common("u-2", "DELETE", "Pod/shop/x"),
                json!({
                "verdict": "allow", "dry_run": false, "rules": [], "reasons": []})
            ),
            merge(
                common("u-3", "CREATE", "Deployment/shop/web"),
                json!({
                "verdict": "deny", "dry_run": false, "rules": ["pod-privileged"],
                "reasons": ["pod-privileged at spec.template.spec.containers[0].securityContext.privileged: container \"web\" runs privileged"]})
            ),
            json!({"kind": "admission", "endpoint": "validate", "uid": "", "user": "", "groups": [],
                   "operation": "", "object": "", "verdict": "rejected", "dry_run": false, "rules": [],
                   "reasons": ["not an AdmissionReview v1: the body is not JSON: key must be a string at line 1 column 2"]}),
        ]
    );
    // Keys are sorted in the file.
    let raw = std::fs::read_to_string(f.path("audit.jsonl")).unwrap();
    let first = raw.lines().next().unwrap();
    assert!(
        first.starts_with("{\"dry_run\":true,\"endpoint\":\"validate\",\"groups\":["),
        "{first}"
    );
    assert!(
        first.contains("\"uid\":\"u-1\",\"user\":\"alice\",\"verdict\":\"allow\"}"),
        "{first}"
    );
}

#[test]
fn internal_errors_fail_closed_unless_the_namespace_is_fail_open() {
    let f = start(POLICY, "", options());
    for (namespace, object) in [
        ("shop", Value::Null),
        ("shop", json!("a string")),
        ("sandbox", Value::Null),
    ] {
        let mut r = review(
            "u",
            "CREATE",
            namespace,
            json!({"kind": "Pod", "metadata": {"name": "p"}}),
        );
        r["request"]["object"] = object;
        let got = f.review("/validate", &r);
        if namespace == "sandbox" {
            assert_eq!(
                got,
                json!({"uid": "u", "allowed": true, "warnings": [
                    "rensa could not decide and namespace sandbox is fail-open, so it is allowed: the CREATE request carries no object"]})
            );
        } else {
            assert_eq!(
                got,
                json!({"uid": "u", "allowed": false, "status": {"code": 500, "reason": "InternalError",
                    "message": "rensa could not decide, so it denies (fail closed): the CREATE request carries no object"}})
            );
        }
    }
    // An object without a kind, in a review without one either.
    let mut r = review("u2", "CREATE", "shop", json!({"metadata": {"name": "p"}}));
    r["request"]["kind"] = json!({});
    let got = f.review("/validate", &r);
    assert_eq!(got["allowed"], false);
    assert_eq!(
        got["status"]["message"],
        "rensa could not decide, so it denies (fail closed): admission u2 (document 0): document 0 has no kind: not a Kubernetes object"
    );
    let lines = f.audit();
    assert_eq!(lines[2]["verdict"], "allow");
    assert_eq!(lines[2]["rules"], json!(["internal-error"]));
    assert_eq!(lines[0]["verdict"], "deny");
    assert_eq!(lines[0]["rules"], json!(["internal-error"]));
}

#[test]
fn malformed_reviews_get_400() {
    let f = start(POLICY, "", options());
    for (body, message) in [
        (&b"[1]"[..], "not an AdmissionReview v1: the body is not a JSON object\n"),
        (
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}"#,
            "not an AdmissionReview v1: apiVersion is \"admission.k8s.io/v1beta1\", expected \"admission.k8s.io/v1\"\n",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}"#,
            "not an AdmissionReview v1: the AdmissionReview request has no uid\n",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
            "not an AdmissionReview v1: the AdmissionReview has no request\n",
        ),
    ] {
        let reply = f.post("/validate", body);
        assert_eq!(reply.status, 400);
        assert_eq!(reply.text(), message);
    }
    assert_eq!(f.get("/validate").status, 405);
    assert_eq!(f.get("/nope").status, 404);
    assert_eq!(
        f.metric("rensa_admission_requests_total{endpoint=\"validate\",verdict=\"rejected\"}"),
        4.0
    );
}

#[test]
fn oversize_bodies_get_413_without_being_read() {
    let f = start(POLICY, "max_request_bytes: 1000\n", options());
    // Content-Length says too much: refused at once, though only a little of the body was sent.
    let mut req = b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50000000\r\n\r\n".to_vec();
    req.extend_from_slice(&[b'{'; 100]);
    let start = Instant::now();
    let reply = send_raw(f.addr, &f.client, &req);
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.text(),
        "the request body is larger than max_request_bytes (1000 bytes)\n"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    // Chunked, no length: refused once more than the limit arrived.
    let mut req = b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        req.extend_from_slice(b"258\r\n");
        req.extend_from_slice(&[b' '; 600]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(send_raw(f.addr, &f.client, &req).status, 413);
    // A review under the limit is answered.
    let small = review(
        "s",
        "DELETE",
        "shop",
        json!({"kind": "Pod", "metadata": {"name": "p"}}),
    );
    assert_eq!(f.review("/validate", &small)["allowed"], true);
}

#[test]
fn stalled_clients_are_dropped_within_the_timeout() {
    let f = start(POLICY, "", options());
    // No TLS handshake at all.
    let start = Instant::now();
    let mut tcp = TcpStream::connect(f.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 64];
    let n = tcp.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the server closes the connection");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(8),
        "{waited:?}"
    );
    // Headers that never end: the header read timeout closes the connection.
    let start = Instant::now();
    let name = rustls::pki_types::ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
    let conn = rustls::ClientConnection::new(f.client.clone(), name).unwrap();
    let tcp = TcpStream::connect(f.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let mut data = Vec::new();
    let _ = tls.read_to_end(&mut data);
    let waited = start.elapsed();
    assert!(waited < Duration::from_secs(8), "{waited:?}");
    // A body that stops arriving: 408.
    let start = Instant::now();
    let reply = send_raw(
        f.addr,
        &f.client,
        b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"apiVersion\"",
    );
    assert_eq!(reply.status, 408);
    assert_eq!(
        reply.text(),
        "the request body did not arrive within request_timeout (1000 ms)\n"
    );
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[test]
fn health_readiness_metrics_and_h2() {
    let f = start(POLICY, "", options());
    let healthz = f.get("/healthz");
    assert_eq!((healthz.status, healthz.text().as_str()), (200, "ok\n"));
    let readyz = f.get("/readyz");
    assert_eq!((readyz.status, readyz.text().as_str()), (200, "ok\n"));
    let allowed = f.review("/validate", &review("a", "CREATE", "shop", deployment()));
    assert_eq!(allowed["allowed"], true);
    let denied = with(|o| spec_mut(o)["hostNetwork"] = json!(true));
    for uid in ["d1", "d2"] {
        assert_eq!(
            f.review("/validate", &review(uid, "CREATE", "shop", denied.clone()))["allowed"],
            false
        );
    }
    let metrics = f.get("/metrics");
    assert!(
        metrics.headers.contains("text/plain; version=0.0.4"),
        "{}",
        metrics.headers
    );
    let text = metrics.text();
    for (series, value) in [
        (
            "rensa_admission_requests_total{endpoint=\"validate\",verdict=\"allow\"}",
            1.0,
        ),
        (
            "rensa_admission_requests_total{endpoint=\"validate\",verdict=\"deny\"}",
            2.0,
        ),
        (
            "rensa_admission_requests_total{endpoint=\"mutate\",verdict=\"allow\"}",
            0.0,
        ),
        ("rensa_admission_duration_seconds_count", 3.0),
        ("rensa_admission_duration_seconds_bucket{le=\"+Inf\"}", 3.0),
        ("rensa_policy_reloads_total{result=\"success\"}", 0.0),
        ("rensa_policy_reloads_total{result=\"failure\"}", 0.0),
        ("rensa_certificate_reloads_total{result=\"failure\"}", 0.0),
        ("rensa_docker_authz_requests_total{verdict=\"allow\"}", 0.0),
        ("rensa_audit_write_failures_total", 0.0),
    ] {
        assert_eq!(metric_in(&text, series), value, "{series}");
    }
    let loaded = metric_in(&text, "rensa_policy_loaded_timestamp_seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(loaded > now - 120.0 && loaded <= now, "{loaded}");
    assert!(text.contains("# TYPE rensa_admission_duration_seconds histogram\n"));
    // ALPN offers h2 to clients that ask for it.
    let h2 = client(&[&f.pki.ca], &[b"h2", b"http/1.1"]);
    let name = rustls::pki_types::ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
    let mut conn = rustls::ClientConnection::new(h2, name).unwrap();
    let mut tcp = TcpStream::connect(f.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).unwrap();
    }
    assert_eq!(conn.alpn_protocol(), Some(&b"h2"[..]));
}

#[test]
fn keep_alive_serves_several_reviews_on_one_connection() {
    let f = start(POLICY, "", options());
    let name = rustls::pki_types::ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
    let conn = rustls::ClientConnection::new(f.client.clone(), name).unwrap();
    let tcp = TcpStream::connect(f.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    for i in 0..3 {
        let body = serde_json::to_vec(&review(&format!("k{i}"), "CREATE", "shop", deployment())).unwrap();
        let mut req = format!(
            "POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(&body);
        tls.write_all(&req).unwrap();
        // Read one response: headers, then Content-Length bytes.
        let mut data = Vec::new();
        let mut byte = [0u8; 1];
        while !data.ends_with(b"\r\n\r\n") {
            tls.read_exact(&mut byte).unwrap();
            data.push(byte[0]);
        }
        let head = String::from_utf8(data).unwrap().to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let mut body = vec![0u8; length];
        tls.read_exact(&mut body).unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["response"]["uid"], format!("k{i}"));
        assert_eq!(v["response"]["allowed"], true);
    }
}

#[test]
fn docker_authz_socket_activates_and_allows() {
    let f = start(POLICY, "docker_authz: {socket: plugins/rensa.sock}\n", options());
    let socket = f.path("plugins/rensa.sock");
    assert_eq!(f.handle().authz_socket(), Some(socket.as_path()));
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let call = |path: &str, body: &[u8]| {
        let mut s = std::os::unix::net::UnixStream::connect(&socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(&request("POST", path, body)).unwrap();
        let mut data = Vec::new();
        s.read_to_end(&mut data).unwrap();
        parse_reply(&data)
    };
    let (status, _, body) = call("/Plugin.Activate", b"");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"Implements": ["authz"]})
    );
    // Decisions come from rensa_policy::docker with the server's policy (images.allowed, digests).
    use base64::Engine as _;
    let create = |body: Value| {
        let body = serde_json::to_vec(&body).unwrap();
        json!({"User": "bob", "UserAuthNMethod": "", "RequestMethod": "POST",
               "RequestUri": "/v1.41/containers/create",
               "RequestBody": base64::engine::general_purpose::STANDARD.encode(&body),
               "RequestHeaders": {"Content-Type": "application/json",
                                  "Content-Length": body.len().to_string()}})
    };
    let image = format!("registry.example/shop/web@sha256:{}", "ab".repeat(32));
    let req = create(json!({"Image": image, "HostConfig": {"Privileged": false}}));
    let (status, _, body) = call("/AuthZPlugin.AuthZReq", &serde_json::to_vec(&req).unwrap());
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"Allow": true, "Msg": "", "Err": ""})
    );
    let req = create(json!({"Image": image, "HostConfig": {"Privileged": true}}));
    let (_, _, body) = call("/AuthZPlugin.AuthZReq", &serde_json::to_vec(&req).unwrap());
    let privileged =
        "rensa: denied (docker-privileged): privileged containers are not allowed; run without --privileged";
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"Allow": false, "Msg": privileged, "Err": ""})
    );
    let (_, _, body) = call("/AuthZPlugin.AuthZRes", b"garbage");
    let garbage = serde_json::from_slice::<Value>(&body).unwrap();
    assert_eq!(garbage["Allow"], false);
    let garbage = garbage["Msg"].as_str().unwrap().to_owned();
    assert!(
        garbage.starts_with("rensa: denied (docker-bad-request): the authorization request cannot be read: "),
        "{garbage}"
    );
    assert_eq!(call("/Other", b"").0, 404);
    assert_eq!(
        f.metric("rensa_docker_authz_requests_total{verdict=\"allow\"}"),
        1.0
    );
    assert_eq!(
        f.metric("rensa_docker_authz_requests_total{verdict=\"deny\"}"),
        2.0
    );
    assert_eq!(
        f.audit(),
        vec![
            json!({"kind": "docker-authz", "endpoint": "AuthZPlugin.AuthZReq", "uid": "", "user": "bob",
                   "groups": [], "operation": "POST", "object": "/v1.41/containers/create",
                   "verdict": "allow", "dry_run": false, "rules": [], "reasons": []}),
            json!({"kind": "docker-authz", "endpoint": "AuthZPlugin.AuthZReq", "uid": "", "user": "bob",
                   "groups": [], "operation": "POST", "object": "/v1.41/containers/create",
                   "verdict": "deny", "dry_run": false, "rules": ["docker-privileged"], "reasons": [privileged]}),
            json!({"kind": "docker-authz", "endpoint": "AuthZPlugin.AuthZRes", "uid": "", "user": "",
                   "groups": [], "operation": "", "object": "", "verdict": "deny", "dry_run": false,
                   "rules": ["docker-bad-request"], "reasons": [garbage]}),
        ]
    );
    // A second server cannot take a socket that is in use; the socket is removed at shutdown.
    let config = rensa_server::ServeConfig::read(&f.path("serve.yaml")).unwrap();
    let e = rensa_server::Server::start(config, options()).err().unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot listen on {}: another process is listening on it",
            socket.display()
        )
    );
    let mut f = f;
    f.handle.take().unwrap().shutdown();
    assert!(!socket.exists());
}

#[test]
fn an_audit_log_that_cannot_be_written_makes_the_server_unready() {
    // /dev/full opens, and every write fails with ENOSPC.
    let f = start(POLICY, "audit_log: /dev/full\n", options());
    assert_eq!(f.get("/readyz").status, 200);
    let r = f.review("/validate", &review("a1", "CREATE", "shop", deployment()));
    assert_eq!(r["allowed"], true);
    assert!(f.handle().flush_audit(Duration::from_secs(5)));
    let readyz = f.get("/readyz");
    assert_eq!(readyz.status, 503);
    assert_eq!(
        readyz.text(),
        "not ready: cannot write the audit log /dev/full: No space left on device (os error 28)\n"
    );
    assert_eq!(f.metric("rensa_audit_write_failures_total"), 1.0);
    // Decisions go on (the lost line went to standard error).
    assert_eq!(f.get("/healthz").status, 200);
}

#[test]
fn reviews_over_http2() {
    use http_body_util::{BodyExt as _, Full};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let f = start(POLICY, "", options());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(f.addr).await.unwrap();
        let connector = tokio_rustls::TlsConnector::from(client(&[&f.pki.ca], &[b"h2"]));
        let name = rustls::pki_types::ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
        let tls = connector.connect(name, tcp).await.unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(connection);
        for (i, privileged) in [false, true, false].into_iter().enumerate() {
            let object = with(|o| sc0(o)["privileged"] = json!(privileged));
            let body = serde_json::to_vec(&review(&format!("h2-{i}"), "CREATE", "shop", object)).unwrap();
            let request = hyper::Request::post("https://127.0.0.1/validate")
                .header("content-type", "application/json")
                .body(Full::new(bytes::Bytes::from(body)))
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.version(), hyper::Version::HTTP_2);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["response"]["uid"], format!("h2-{i}"));
            assert_eq!(v["response"]["allowed"], !privileged);
        }
    });
}

#[test]
fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let f = start(POLICY, "max_connections: 1\nrequest_timeout: 3s\n", options());
    // One idle connection holds the only slot until the handshake timeout (3 s) drops it.
    let idle = TcpStream::connect(f.addr).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    let reply = f.get("/healthz");
    let waited = start.elapsed();
    assert_eq!(reply.status, 200);
    assert!(
        waited >= Duration::from_millis(2500) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    drop(idle);
    // With the slot free, requests are answered without waiting for a timeout.
    let start = Instant::now();
    assert_eq!(f.get("/healthz").status, 200);
    assert!(start.elapsed() < Duration::from_millis(2500));
}

#[test]
fn idle_keep_alive_connections_are_closed_after_the_timeout() {
    let f = start(POLICY, "", options());
    let name = rustls::pki_types::ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
    let conn = rustls::ClientConnection::new(f.client.clone(), name).unwrap();
    let tcp = TcpStream::connect(f.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(6))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 1024];
    while !data.ends_with(b"ok\n") {
        let n = tls.read(&mut buf).unwrap();
        assert!(n > 0);
        data.extend_from_slice(&buf[..n]);
    }
    // Now idle: the server closes the connection within the timeout (1 s) and some slack.
    let start = Instant::now();
    let closed = match tls.read(&mut buf) {
        Ok(0) => true,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock && e.kind() != std::io::ErrorKind::TimedOut,
        Ok(_) => false,
    };
    assert!(closed);
    assert!(start.elapsed() < Duration::from_secs(8), "{:?}", start.elapsed());
}
