//! containers-policy.json import and export, with the real files from ../shared/data/cosign:
//! `policy-sigstore.json` (a sigstoreSigned scope with a cosign key, an open scope, `dir` and
//! `oci` transports) and `policy-gpg.json` (GPG `signedBy`, which rensa does not import).

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rensa_trust::Error;
use rensa_trust::containers_policy::{export, import};
use rensa_trust::key::{KeySpec, PrivateKey, PublicKey};
use rensa_trust::policy::{
    Identity, KeySource, Pattern, Policy, PolicyKey, Requirements, Rule, Scope, SignatureRequirement,
};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cosign")
}

fn read(name: &str) -> Vec<u8> {
    let path = data_dir().join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The real files name keys under /tmp/research; they are the fixtures' cosign.pub.
fn loader(path: &str) -> std::io::Result<Vec<u8>> {
    match path {
        "/tmp/research/cosign-examples/cosign.pub" => Ok(read("cosign.pub")),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "No such file or directory",
        )),
    }
}

fn no_files(_: &str) -> std::io::Result<Vec<u8>> {
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "No such file or directory",
    ))
}

fn require(keys: &[&str], threshold: usize, identity: Identity) -> Rule {
    Rule::Require(Requirements {
        signatures: Some(SignatureRequirement {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            threshold,
        }),
        identity,
        stages: Vec::new(),
    })
}

fn scope(pattern: &str, rule: Rule) -> Scope {
    Scope {
        pattern: Pattern::parse(pattern).unwrap(),
        rule,
        line: 0,
    }
}

#[test]
fn real_sigstore_policy_imports_exports_and_round_trips() {
    let imported = import(&read("policy-sigstore.json"), "policy-sigstore.json", &mut loader).unwrap();
    let p = &imported.policy;
    assert_eq!(p.origin, "policy-sigstore.json");
    assert_eq!(p.default, Rule::Reject);
    assert_eq!(p.keys.len(), 1);
    let cosign = &p.keys["cosign"];
    assert_eq!(cosign.public, PublicKey::from_pem(&read("cosign.pub")).unwrap());
    assert_eq!(
        cosign.source,
        KeySource::Path("/tmp/research/cosign-examples/cosign.pub".into())
    );
    assert_eq!(
        p.scopes,
        vec![
            scope("127.0.0.1:5000/demo/open/**", Rule::Accept),
            scope(
                "127.0.0.1:5000/demo/tiny/**",
                require(&["cosign"], 1, Identity::Exact)
            ),
        ]
    );
    assert_eq!(
        imported.notes,
        [
            "transports.dir: skipped (rensa policies govern registry images, the docker transport)",
            "transports.oci: skipped (rensa policies govern registry images, the docker transport)",
        ]
    );

    let exported = export(p).unwrap();
    assert!(exported.notes.is_empty(), "{:?}", exported.notes);
    let key_data = STANDARD.encode(read("cosign.pub"));
    let expected = serde_json::json!({
        "default": [{"type": "reject"}],
        "transports": {"docker": {
            "127.0.0.1:5000/demo/open": [{"type": "insecureAcceptAnything"}],
            "127.0.0.1:5000/demo/tiny": [{"type": "sigstoreSigned", "keyData": key_data,
                                         "signedIdentity": {"type": "matchRepository"}}]
        }}
    });
    let written: serde_json::Value = serde_json::from_str(&exported.json).unwrap();
    assert_eq!(written, expected);
    assert!(exported.json.ends_with("}\n"));

    // Back again: the same policy, the key now inline.
    let again = import(exported.json.as_bytes(), "exported.json", &mut no_files).unwrap();
    assert!(again.notes.is_empty(), "{:?}", again.notes);
    assert_eq!(again.policy.default, p.default);
    // The same scopes; only the key's name differs (keyData carries no name).
    assert_eq!(
        format!("{:?}", again.policy.scopes).replace("\"keyData-1\"", "\"cosign\""),
        format!("{:?}", p.scopes)
    );
    let (name, key) = again.policy.keys.iter().next().unwrap();
    assert_eq!(
        (name.as_str(), &key.public, &key.source),
        ("keyData-1", &cosign.public, &KeySource::Inline)
    );
    // As a rensa policy file: the same policy again.
    let yaml = p.to_yaml();
    let mut parsed = Policy::parse(&yaml, "policy-sigstore.json", &mut loader).unwrap();
    assert_eq!(parsed.scopes.iter().map(|s| s.line).collect::<Vec<_>>(), [6, 8]);
    parsed.scopes.iter_mut().for_each(|s| s.line = 0);
    assert_eq!(parsed, *p, "{yaml}");
    // And the export of the re-import is byte for byte the first export.
    assert_eq!(export(&again.policy).unwrap().json, exported.json);
}

#[test]
fn real_gpg_policy_is_refused_with_the_place_and_the_reason() {
    let err = import(&read("policy-gpg.json"), "policy-gpg.json", &mut no_files).unwrap_err();
    assert_eq!(
        err.to_string(),
        "containers-policy.json transports.docker[\"127.0.0.1:5000/demo/gpg\"][0]: signedBy (GPG keys) is not supported: rensa verifies sigstore (cosign) signatures; use sigstoreSigned"
    );
}

fn pem_b64(key: &PrivateKey) -> String {
    STANDARD.encode(key.public_key().to_pem())
}

#[test]
fn identities_multiple_requirements_and_transport_default() {
    let (a, b) = (
        PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        PrivateKey::generate(KeySpec::Ed25519).unwrap(),
    );
    let text = serde_json::json!({
        "default": [{"type": "insecureAcceptAnything"}],
        "transports": {"docker": {
            "": [{"type": "reject"}],
            "mirror.local:5000/vendor": [{"type": "sigstoreSigned", "keyData": pem_b64(&a),
                "signedIdentity": {"type": "remapIdentity", "prefix": "mirror.local:5000/vendor", "signedPrefix": "vendor.io"}}],
            "prod.local/app": [
                {"type": "sigstoreSigned", "keyData": pem_b64(&a), "signedIdentity": {"type": "matchExact"}},
                {"type": "sigstoreSigned", "keyData": pem_b64(&b), "signedIdentity": {"type": "matchExact"}}
            ],
            "*.trusted.example": [{"type": "sigstoreSigned", "keyDatas": [pem_b64(&a), pem_b64(&b)],
                "signedIdentity": {"type": "matchRepository"}}],
            "docker.io": [{"type": "reject"}]
        }}
    })
    .to_string();
    let imported = import(text.as_bytes(), "policy.json", &mut no_files).unwrap();
    let p = &imported.policy;
    assert_eq!(p.default, Rule::Reject);
    assert_eq!(p.keys.keys().collect::<Vec<_>>(), ["keyData-1", "keyData-2"]);
    assert_eq!(
        p.scopes,
        vec![
            scope(
                "*.trusted.example/**",
                require(&["keyData-1", "keyData-2"], 1, Identity::Exact)
            ),
            scope("docker.io/**", Rule::Reject),
            scope(
                "mirror.local:5000/vendor/**",
                require(
                    &["keyData-1"],
                    1,
                    Identity::Remap {
                        prefix: "mirror.local:5000/vendor".into(),
                        signed_prefix: "vendor.io".into()
                    }
                )
            ),
            scope(
                "prod.local/app/**",
                require(&["keyData-1", "keyData-2"], 2, Identity::Exact)
            ),
        ]
    );
    assert_eq!(
        imported.notes,
        [
            "transports.docker[\"\"]: the docker transport default replaces `default`",
            "transports.docker[\"prod.local/app\"][0].signedIdentity: matchExact imported as matchRepository (cosign signatures name the repository, not a tag)",
            "transports.docker[\"prod.local/app\"][1].signedIdentity: matchExact imported as matchRepository (cosign signatures name the repository, not a tag)",
        ]
    );
    let exported = export(p).unwrap();
    assert_eq!(
        exported.notes,
        [
            "scope \"*.trusted.example/**\": any one of 2 keys is written as keyDatas, which only newer containers/image releases read"
        ]
    );
    let again = import(exported.json.as_bytes(), "policy.json", &mut no_files).unwrap();
    assert_eq!(again.policy.scopes, p.scopes);
    assert_eq!(again.policy.default, p.default);
}

fn policy_with(keys: &[(&str, &PrivateKey)], default: Rule, scopes: Vec<Scope>) -> Policy {
    Policy {
        origin: "trust.yaml".into(),
        keys: keys
            .iter()
            .map(|(n, k)| {
                (
                    n.to_string(),
                    PolicyKey {
                        public: k.public_key(),
                        source: KeySource::Inline,
                    },
                )
            })
            .collect(),
        default,
        scopes,
    }
}

#[test]
fn what_cannot_be_exported_is_named() {
    let (a, b, c) = (
        PrivateKey::generate(KeySpec::Ed25519).unwrap(),
        PrivateKey::generate(KeySpec::Ed25519).unwrap(),
        PrivateKey::generate(KeySpec::Ed25519).unwrap(),
    );
    let keys = [("a", &a), ("b", &b), ("c", &c), ("a2", &a)];
    let err = |default: Rule, scopes: Vec<Scope>| {
        export(&policy_with(&keys, default, scopes))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(require(&["a", "b", "c"], 2, Identity::Exact), vec![]),
        "cannot export default to containers-policy.json: threshold 2 of 3 keys cannot be expressed (containers-policy.json can require one of several keys, or all of them)"
    );
    assert_eq!(
        err(Rule::Reject, vec![scope("h/prod/*", Rule::Accept)]),
        "cannot export scope \"h/prod/*\" to containers-policy.json: only HOST[/PATH], HOST[/PATH]/**, *.DOMAIN/** and ** patterns have a containers-policy.json scope"
    );
    assert_eq!(
        err(require(&["a", "a2"], 2, Identity::Exact), vec![]),
        "cannot export default to containers-policy.json: key `a2` is the same public key as another listed key; list it once"
    );
    assert_eq!(
        err(
            Rule::Reject,
            vec![scope("h/x", Rule::Accept), scope("h/x/**", Rule::Reject)]
        ),
        "cannot export scope \"h/x/**\" to containers-policy.json: it becomes containers-policy.json scope \"h/x\" like scope \"h/x\""
    );
    let yaml = "version: 1\nkeys: { a: { data: PEM } }\ndefault: reject\nscopes:\n  - match: h/x\n    signatures: { keys: [a] }\n    stages:\n      - { name: ci, type: stage, keys: [a] }\n      - { name: scan, type: scan, keys: [a] }\n"
        .replace("PEM", &format!("{:?}", a.public_key().to_pem()));
    let with_stages = Policy::parse(&yaml, "trust.yaml", &mut no_files).unwrap();
    assert_eq!(
        export(&with_stages).unwrap_err().to_string(),
        "cannot export scope \"h/x\" to containers-policy.json: stages (ci, scan) have no equivalent in containers-policy.json"
    );
    // 3 of 3 keys is every requirement in the list.
    let all = export(&policy_with(
        &keys,
        require(&["a", "b", "c"], 3, Identity::Exact),
        vec![scope("**", Rule::Accept), scope("h/x", Rule::Accept)],
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&all.json).unwrap();
    assert_eq!(v["default"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["transports"]["docker"][""],
        serde_json::json!([{"type": "insecureAcceptAnything"}])
    );
    assert_eq!(
        all.notes,
        ["scope \"h/x\": containers-policy.json scope \"h/x\" also covers repositories below h/x/"]
    );
}

#[test]
fn what_cannot_be_imported_is_named() {
    let key = STANDARD.encode(
        PrivateKey::generate(KeySpec::Ed25519)
            .unwrap()
            .public_key()
            .to_pem(),
    );
    let cases = [
        (r#"{"default": []}"#.to_owned(), "containers-policy.json default: an empty requirement list (containers-policy.json refuses it too)"),
        (
            r#"{"default": [{"type": "reject"}], "transports": {"docker": {"h/x:latest": [{"type": "reject"}]}}}"#.to_owned(),
            "containers-policy.json transports.docker[\"h/x:latest\"]: a scope naming a tag or digest is not supported (rensa scopes are repositories, namespaces or registries)",
        ),
        (
            format!(r#"{{"default": [{{"type": "sigstoreSigned", "keyData": "{key}", "signedIdentity": {{"type": "exactRepository", "dockerRepository": "x/y"}}}}]}}"#),
            "containers-policy.json default[0].signedIdentity: exactRepository is not supported (rensa checks the image's own or a remapped repository)",
        ),
        (
            format!(r#"{{"default": [{{"type": "sigstoreSigned", "keyData": "{key}", "fulcio": {{}}}}]}}"#),
            "containers-policy.json default[0]: sigstoreSigned with `fulcio` is not supported (only public keys: keyPath, keyPaths, keyData, keyDatas)",
        ),
        (
            r#"{"default": [{"type": "sigstoreSigned", "keyPath": "/k.pub"}]}"#.to_owned(),
            "containers-policy.json default[0]: cannot read key /k.pub: No such file or directory",
        ),
        (
            r#"{"default": [{"type": "sigstoreSigned"}]}"#.to_owned(),
            "containers-policy.json default[0]: sigstoreSigned needs exactly one of keyPath, keyPaths, keyData, keyDatas",
        ),
        (
            format!(r#"{{"default": [{{"type": "sigstoreSigned", "keyData": "{key}", "keyTypo": 1}}]}}"#),
            "containers-policy.json default[0]: sigstoreSigned: unknown field `keyTypo`, expected one of `keyPath`, `keyPaths`, `keyData`, `keyDatas`, `signedIdentity`",
        ),
        (
            r#"{"default": [{"type": "insecureAcceptAnything", "x": 1}]}"#.to_owned(),
            "containers-policy.json default[0]: unknown field `x` for type insecureAcceptAnything",
        ),
        (r#"{"default": [{"type": "allow"}]}"#.to_owned(), "containers-policy.json default[0]: unknown requirement type `allow`"),
    ];
    for (text, expected) in cases {
        assert_eq!(
            import(text.as_bytes(), "p.json", &mut no_files)
                .unwrap_err()
                .to_string(),
            expected,
            "{text}"
        );
    }
    assert!(matches!(
        import(
            br#"{"default": [{"type": "reject"}], "extra": 1}"#,
            "p.json",
            &mut no_files
        ),
        Err(Error::ContainersPolicyJson(_))
    ));
    assert!(matches!(
        import(br#"{"default": [{"type": "sigstoreSigned", "keyData": "bm90IGEga2V5"}]}"#, "p.json", &mut no_files),
        Err(Error::ContainersPolicyKey { ref location, .. }) if location == "default[0]"
    ));
}
