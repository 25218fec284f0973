//! Certificate and policy reloads: a new good file is used, a bad one is refused and the last good one
//! kept (metrics and audit say so); a bad file at start is an error naming it.

mod common;

use common::*;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::json;

fn der(path: &std::path::Path) -> CertificateDer<'static> {
    CertificateDer::from_pem_file(path).unwrap()
}

#[test]
fn certificate_reload_uses_a_new_pair_and_refuses_a_bad_one() {
    let f = start(POLICY, "", options());
    let second = pki::server(&f.path("pki2"));
    // Both test CAs have the same name: each client trusts one of them.
    let (old_client, new_client) = (client(&[&f.pki.ca], &[]), client(&[&second.ca], &[]));
    let served_old = || send_raw(f.addr, &old_client, &request("GET", "/healthz", b"")).peer[0].clone();
    let served_new = || send_raw(f.addr, &new_client, &request("GET", "/healthz", b"")).peer[0].clone();
    assert_eq!(served_old(), der(&f.pki.cert));

    // The new certificate without its key: refused, the old pair stays.
    std::fs::copy(&second.cert, f.path("tls.crt")).unwrap();
    wait_until(10, "a refused certificate reload", || {
        metric_in(
            &f.handle().metrics(),
            "rensa_certificate_reloads_total{result=\"failure\"}",
        ) == 1.0
    });
    assert_eq!(served_old(), der(&f.pki.cert));
    assert_eq!(
        metric_in(
            &f.handle().metrics(),
            "rensa_certificate_reloads_total{result=\"success\"}"
        ),
        0.0
    );

    // Its key arrives: new handshakes get the new certificate.
    std::fs::copy(&second.key, f.path("tls.key")).unwrap();
    wait_until(10, "a certificate reload", || {
        metric_in(
            &f.handle().metrics(),
            "rensa_certificate_reloads_total{result=\"success\"}",
        ) == 1.0
    });
    assert_eq!(served_new(), der(&second.cert));
    assert_ne!(der(&second.cert), der(&f.pki.cert));
    // Garbage is refused too, and the new pair stays.
    std::fs::write(f.path("tls.key"), "not a key").unwrap();
    wait_until(10, "a second refused reload", || {
        metric_in(
            &f.handle().metrics(),
            "rensa_certificate_reloads_total{result=\"failure\"}",
        ) == 2.0
    });
    assert_eq!(served_new(), der(&second.cert));
    let reply = send_raw(f.addr, &new_client, &request("GET", "/readyz", b""));
    assert_eq!(reply.status, 200);
}

#[test]
fn policy_reload_applies_good_policies_and_keeps_the_last_good_one() {
    let f = start("version: 1\n", "", options());
    let mut privileged = workload("Pod", "shop", "p");
    spec_mut(&mut privileged)["containers"][0]["securityContext"]["privileged"] = json!(true);
    let r = review("p1", "CREATE", "shop", privileged.clone());
    assert_eq!(f.review("/validate", &r)["allowed"], false);

    // A policy with an exception for it: applied.
    std::fs::write(
        f.path("policy.yaml"),
        "version: 1\nexceptions:\n  - rule: pod-privileged\n    namespace: shop\n    reason: node agent\n    expires: 2027-06-30\n",
    )
    .unwrap();
    wait_until(10, "the policy reload", || {
        f.metric("rensa_policy_reloads_total{result=\"success\"}") == 1.0
    });
    assert_eq!(
        f.review("/validate", &r),
        json!({"uid": "p1", "allowed": true, "warnings": [
            "pod-privileged at spec.containers[0].securityContext.privileged is excepted until 2027-06-30: node agent"]})
    );

    // A policy with an unknown field: refused, the last good policy stays in force.
    std::fs::write(f.path("policy.yaml"), "version: 1\nexceptoins: []\n").unwrap();
    wait_until(10, "the refused policy reload", || {
        f.metric("rensa_policy_reloads_total{result=\"failure\"}") == 1.0
    });
    assert_eq!(f.review("/validate", &r)["allowed"], true);
    assert_eq!(f.metric("rensa_policy_reloads_total{result=\"success\"}"), 1.0);

    let policy = f.path("policy.yaml").display().to_string();
    let reloads: Vec<_> = f
        .audit()
        .into_iter()
        .filter(|l| l["kind"] == "policy-reload")
        .collect();
    assert_eq!(reloads.len(), 2);
    assert_eq!(
        reloads[0],
        json!({"kind": "policy-reload", "endpoint": "reload", "uid": "", "user": "", "groups": [],
               "operation": "RELOAD", "object": policy, "verdict": "applied", "dry_run": false,
               "rules": [], "reasons": []})
    );
    assert_eq!(reloads[1]["verdict"], "rejected");
    let reason = reloads[1]["reasons"][0].as_str().unwrap();
    assert!(reason.starts_with(&format!("{policy}:2: ")), "{reason}");
    assert!(reason.contains("exceptoins"), "{reason}");
}

#[test]
fn bad_files_at_start_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki::server(&dir.path().join("pki"));
    std::fs::copy(&pki.cert, dir.path().join("tls.crt")).unwrap();
    std::fs::copy(&pki.key, dir.path().join("tls.key")).unwrap();
    let config = write_config(dir.path(), "");
    let start = || {
        let c = rensa_server::ServeConfig::read(&config).unwrap();
        rensa_server::Server::start(c, options())
            .err()
            .unwrap()
            .to_string()
    };
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "version: 1\npod_security:\n  levle: restricted\n").unwrap();
    let e = start();
    assert!(e.starts_with(&format!("{}:3: ", policy.display())), "{e}");
    std::fs::write(&policy, "version: 1\n").unwrap();
    std::fs::write(dir.path().join("tls.key"), "junk").unwrap();
    assert_eq!(
        start(),
        format!(
            "{}: not a PEM private key: no items found",
            dir.path().join("tls.key").display()
        )
    );
    // A key that does not belong to the certificate.
    let other = pki::server(&dir.path().join("pki2"));
    std::fs::copy(&other.key, dir.path().join("tls.key")).unwrap();
    let e = start();
    assert!(
        e.starts_with(&format!(
            "{} + {}: unusable certificate and key: ",
            dir.path().join("tls.crt").display(),
            dir.path().join("tls.key").display()
        )),
        "{e}"
    );
}

#[test]
fn custom_rules_at_admission_reload_with_their_rego_file() {
    // The module lives beside the policy; an edit of the .rego file alone reloads the policy.
    let team = "package rensa.custom.team\n\nrules := {\"team-label-required\": {\"title\": \"workloads need a team label\", \"severity\": \"medium\"}}\n\ndeny contains {\"rule\": \"team-label-required\", \"msg\": sprintf(\"%s has no team label\", [input.name]), \"path\": \"metadata.labels\"} if {\n\tnot input.labels.team\n}\n";
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("team.rego");
    std::fs::write(&rules, team).unwrap();
    let policy = format!("version: 1\ncustom_rules:\n  - file: {}\n", rules.display());
    let f = start(&policy, "", options());
    let pod = workload("Pod", "shop", "p");
    let r = f.review("/validate", &review("c1", "CREATE", "shop", pod.clone()));
    assert_eq!(r["allowed"], false, "{r}");
    assert_eq!(
        r["status"]["message"],
        "Pod/shop/p denied: [team-label-required]; team-label-required at metadata.labels: p has no team label"
    );
    let mut labelled = pod.clone();
    labelled["metadata"]["labels"]["team"] = json!("shop");
    assert_eq!(
        f.review("/validate", &review("c2", "CREATE", "shop", labelled))["allowed"],
        true
    );

    // A module that no longer compiles: refused, naming the .rego file and line; the last good
    // policy stays in force.
    std::fs::write(
        &rules,
        team.replace("not input.labels.team", "not input.labels.team =="),
    )
    .unwrap();
    wait_until(10, "the refused policy reload", || {
        f.metric("rensa_policy_reloads_total{result=\"failure\"}") == 1.0
    });
    let r = f.review("/validate", &review("c3", "CREATE", "shop", pod.clone()));
    assert_eq!(r["allowed"], false);
    let rejected: Vec<_> = f
        .audit()
        .into_iter()
        .filter(|l| l["kind"] == "policy-reload")
        .collect();
    let reason = rejected[0]["reasons"][0].as_str().unwrap();
    assert!(reason.starts_with(&format!("{}:", rules.display())), "{reason}");

    // A module that allows everything: applied.
    std::fs::write(&rules, team.replace("not input.labels.team", "false")).unwrap();
    wait_until(10, "the policy reload", || {
        f.metric("rensa_policy_reloads_total{result=\"success\"}") == 1.0
    });
    assert_eq!(
        f.review("/validate", &review("c4", "CREATE", "shop", pod))["allowed"],
        true
    );
}
