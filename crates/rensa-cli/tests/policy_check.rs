//! `rensa policy check`: the deploy gate over manifest files, directories and standard input, with the
//! exit codes (1 on deny, 2 on bad input naming file and line) and the JSON report equal to the
//! library's (whose exact findings `crates/rensa-policy/tests/deploy.rs` asserts).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rensa-policy/tests/fixtures/deploy")
}

fn rensa(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_restricted_deployment_in_a_segmented_namespace_is_denied_only_for_the_open_ingress_rule() {
    let d = fixtures();
    let out = rensa(
        &[
            "policy",
            "check",
            d.join("restricted-deployment.yaml").to_str().unwrap(),
            d.join("namespaces.yaml").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("network-allows-any-source  ingress rule 1 of NetworkPolicy \"storefront-ingress\" admits every address (0.0.0.0/0)"), "{stdout}");
    assert!(
        stdout.contains("at spec.ingress[1].from[0].ipBlock.cidr"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("DENY: 1 findings, 0 excepted (policy built-in default)\n"),
        "{stdout}"
    );
}

#[test]
fn json_from_stdin_equals_the_library_report() {
    let d = fixtures();
    let manifest = std::fs::read_to_string(d.join("violations-deployment.yaml")).unwrap();
    let policy = d.join("policy.yaml");
    let out = rensa(
        &[
            "policy",
            "check",
            "-",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ],
        Some(&manifest),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let objects = rensa_policy::deploy::objects::parse_manifests(&manifest, "-").unwrap();
    let p = rensa_policy::deploy::DeployPolicy::read(&policy).unwrap();
    let report = rensa_policy::deploy::check(&p, &objects, rensa_vulndb::suppress::Date::today_utc());
    assert!(!report.findings.is_empty());
    assert_eq!(ours, serde_json::to_value(&report).unwrap());
}

#[test]
fn directories_are_walked_and_exit_code_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let d = fixtures();
    std::fs::create_dir_all(dir.path().join("apps/sub")).unwrap();
    std::fs::copy(
        d.join("restricted-deployment.yaml"),
        dir.path().join("apps/web.yaml"),
    )
    .unwrap();
    std::fs::copy(d.join("cronjob.yaml"), dir.path().join("apps/sub/job.yml")).unwrap();
    std::fs::write(dir.path().join("apps/notes.txt"), "not a manifest").unwrap();
    let out = rensa(
        &[
            "policy",
            "check",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--exit-code",
            "7",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Both manifests were read (the .txt was not): the namespace counts two workloads.
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "network-no-default-deny");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("has 2 workload(s)"),
        "{findings:?}"
    );
    let out = rensa(
        &[
            "policy",
            "check",
            dir.path().to_str().unwrap(),
            "--exit-code",
            "0",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bad_input_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad_policy = dir.path().join("deploy.yaml");
    std::fs::write(&bad_policy, "version: 1\nbogus: 1\n").unwrap();
    let d = fixtures();
    let out = rensa(
        &[
            "policy",
            "check",
            d.join("cronjob.yaml").to_str().unwrap(),
            "--policy",
            bad_policy.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!("{}:2: unknown field `bogus`", bad_policy.display())),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    let out = rensa(&["policy", "check", "-"], Some("kind: Pod\nmetadata: {name: x\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("-:2: not valid YAML"),
        "{}",
        text(&out.stderr)
    );

    let out = rensa(&["policy", "check", "-"], Some(""));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no Kubernetes objects"),
        "{}",
        text(&out.stderr)
    );
}

/// Secrets in env values, command lines and ConfigMaps, found by the image checks' secret rules.
#[test]
fn secrets_in_workloads_and_configmaps() {
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n    - name: app\n      image: x\n      env:\n        - {name: AWS_KEY_ID, value: AKIAZ4XQ7LMN2PQRST3V}\n        - {name: DB_PASSWORD, value: hunter2}\n        - {name: MODE, value: production}\n        - {name: API_TOKEN, valueFrom: {secretKeyRef: {name: s, key: k}}}\n      args: [\"--token\", \"ghp_1A2b3C4d5E6f7G8h9I0jK1lM2nO3pQ4rS5tU\"]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata:\n  app.conf: \"db_password=Sw0rdf1sh-Pr0d\\n\"\n  mode: production\n";
    let out = rensa(&["policy", "check", "-", "--format", "json"], Some(manifest));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("secret-"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("secret-in-configmap", "data[\"app.conf\"]"),
        ("secret-in-args", "spec.containers[0].args[1]"),
        ("secret-in-env", "spec.containers[0].env[0].value"),
        ("secret-in-env", "spec.containers[0].env[1].value"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(r, p)| (r.to_string(), p.to_string()))
            .collect::<Vec<_>>()
    );
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        json.contains("secret-aws-access-key (AKIA****************)"),
        "{json}"
    );
    assert!(
        !json.contains("Sw0rdf1sh-Pr0d"),
        "secrets are masked in the report"
    );
}

/// SARIF output validates against the OASIS SARIF 2.1.0 schema and points at the manifest lines.
#[test]
fn sarif_validates_and_points_at_the_manifest() {
    let d = fixtures();
    let policy = d.join("policy.yaml");
    let file = d.join("violations-deployment.yaml");
    let out = rensa(
        &[
            "policy",
            "check",
            file.to_str().unwrap(),
            d.join("list.json").to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "sarif",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let sarif = text(&out.stdout);
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report/sarif-schema-2.1.0.json");
    if let Some(e) = rensa_testkit::sarif_errors(&schema, &sarif) {
        panic!("SARIF 2.1.0 validation failed:\n{e}\n{sarif}");
    }

    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &v["runs"][0];
    let json = rensa(
        &[
            "policy",
            "check",
            file.to_str().unwrap(),
            d.join("list.json").to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let results = run["results"].as_array().unwrap();
    let findings = report["findings"].as_array().unwrap().len();
    let excepted = report["excepted"].as_array().unwrap().len();
    assert_eq!(results.len(), findings + excepted);
    assert_eq!(
        results.iter().filter(|r| r.get("suppressions").is_some()).count(),
        excepted
    );
    // Every result of the Deployment points at its manifest, at the line the object starts on.
    let first = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("Deployment/legacy/admin-console:")
        })
        .unwrap();
    let loc = &first["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("violations-deployment.yaml")
    );
    assert_eq!(loc["region"]["startLine"], 2);
    let ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"pod-capabilities-added"), "{ids:?}");
    assert_eq!(run["properties"]["rensa-allowed"], false);
}

/// Custom rules in Rego: the policy's `file:` modules are read relative to the policy file, their
/// findings are printed like the built-in ones, an exception names a custom id, and SARIF stays valid.
#[test]
fn custom_rego_rules_deny_and_are_excepted() {
    let rego = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rensa-policy/tests/fixtures/rego");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    for name in ["nolatest.rego", "team-label.rego"] {
        std::fs::copy(rego.join("rules").join(name), dir.path().join("rules").join(name)).unwrap();
    }
    let policy = dir.path().join("deploy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nnetwork:\n  require_default_deny: false\ncustom_rules:\n  - file: rules/nolatest.rego\n  - file: rules/team-label.rego\nexceptions:\n  - rule: team-label-required\n    namespace: legacy\n    reason: predates team ownership\n    expires: 2099-12-31\n",
    )
    .unwrap();
    let manifest = rego.join("workloads.yaml");
    let run = |format: &str| {
        rensa(
            &[
                "policy",
                "check",
                manifest.to_str().unwrap(),
                "--policy",
                policy.to_str().unwrap(),
                "--format",
                format,
            ],
            None,
        )
    };
    let out = run("table");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let m = manifest.display();
    let fix = "reference the image by a version tag or, better, by digest";
    assert_eq!(
        text(&out.stdout),
        format!(
            "CronJob/shop/report ({m}:42)\n  high     image-latest-tag  container report uses alpine:latest\n           at spec.jobTemplate.spec.template.spec.containers[0].image\n           fix: {fix}\nDeployment/shop/web ({m}:1)\n  high     image-latest-tag  container proxy uses nginx:latest\n           at spec.template.spec.containers[1].image\n           fix: {fix}\n  high     image-latest-tag  container migrate uses registry.local:5000/shop/migrate\n           at spec.template.spec.initContainers[0].image\n           fix: {fix}\nexcepted: Deployment/legacy/billing team-label-required metadata.labels.team (predates team ownership; until 2099-12-31)\nunknown kind: Service/shop/web (not checked)\nDENY: 3 findings, 1 excepted (policy {})\n",
            policy.display()
        )
    );
    let out = run("sarif");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report/sarif-schema-2.1.0.json");
    let sarif = text(&out.stdout);
    if let Some(e) = rensa_testkit::sarif_errors(&schema, &sarif) {
        panic!("SARIF 2.1.0 validation failed:\n{e}\n{sarif}");
    }
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let rules: Vec<&str> = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["image-latest-tag", "team-label-required"]);

    // A module that does not compile: exit 2 naming the .rego file and line.
    std::fs::write(
        dir.path().join("rules/team-label.rego"),
        "package rensa.custom.team\n\nrules := {\n",
    )
    .unwrap();
    let out = run("table");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:",
            dir.path().join("rules/team-label.rego").display()
        )),
        "{stderr}"
    );
}
