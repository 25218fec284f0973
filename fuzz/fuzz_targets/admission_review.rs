//! Fuzzes the admission webhook's input: the input is an AdmissionReview body and a server configuration
//! separated by a NUL byte. The configuration is parsed (errors are fine); the review is parsed and, when
//! it is one, decided by `/validate`'s logic with the restricted policy and every option on. It must
//! never panic, a denial must carry a status and an allow none, the response must be an AdmissionReview
//! echoing the uid, and the images `/mutate` would pin must sit at container image paths.
#![no_main]

use std::collections::BTreeSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rensa_policy::deploy::{Date, DeployPolicy, Level};
use rensa_server::admission::{self, Context};
use rensa_server::config::{ServeConfig, UnknownKinds};

fuzz_target!(|data: &[u8]| {
    let (body, config) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let _ = ServeConfig::parse(&String::from_utf8_lossy(config), Path::new("fuzz-serve.yaml"));
    let Ok(review) = admission::parse_review(body) else {
        return;
    };
    let mut policy = DeployPolicy::default();
    policy.pod_security.level = Level::Restricted;
    policy.pod_security.require_resources = true;
    policy.pod_security.require_read_only_root = true;
    policy.pod_security.forbid_token_automount = true;
    let policy = admission::admission_policy(policy);
    let fail_open: BTreeSet<String> = ["sandbox".to_string()].into();
    let ctx = Context {
        images: None,
        policy: &policy,
        secrets: None,
        unknown_kinds: if body.len() % 2 == 0 {
            UnknownKinds::Allow
        } else {
            UnknownKinds::Deny
        },
        fail_open: &fail_open,
        today: Date::parse("2026-11-23").unwrap(),
    };
    let mut for_mutate = review.clone();
    let mut for_validate = review;
    let decision = admission::validate(&mut for_validate, &ctx);
    assert_eq!(decision.allowed, decision.status.is_none());
    let response: serde_json::Value =
        serde_json::from_slice(&admission::response(&for_validate.uid, &decision)).unwrap();
    assert_eq!(
        response["response"]["uid"].as_str(),
        Some(for_validate.uid.as_str())
    );
    assert_eq!(response["response"]["allowed"].as_bool(), Some(decision.allowed));
    if let Ok(object) = for_mutate.take_object() {
        for u in rensa_server::mutate::unpinned(&object) {
            assert!(
                u.pointer.starts_with("/spec/") && u.pointer.ends_with("/image"),
                "{}",
                u.pointer
            );
            assert!(!u.image.contains('@'));
        }
    }
});
