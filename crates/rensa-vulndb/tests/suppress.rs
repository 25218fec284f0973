//! Ignore files and OpenVEX documents: parsing (the OpenVEX specification's own samples among the
//! fixtures), errors that name the file, and which findings `apply` keeps or suppresses.

use std::path::{Path, PathBuf};

use rensa_vulndb::Error;
use rensa_vulndb::matcher::Finding;
use rensa_vulndb::suppress::ignore::{self, PackageSpec};
use rensa_vulndb::suppress::openvex::{self, VexStatus};
use rensa_vulndb::suppress::purl::PackageUrl;
use rensa_vulndb::suppress::{self, Date, Notice, Origin, Subject};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/suppress")
        .join(name)
}

fn finding(name: &str, purl: &str, source: Option<&str>, id: &str, aliases: &[&str]) -> Finding {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "aliases": aliases,
        "package": {"name": name, "version": "x", "purl": purl, "source_name": source},
        "status": "fixed",
        "fixed_version": null,
        "severity": "high",
        "cvss": [],
        "attack_vector": null,
        "attack_complexity": null,
        "summary": null,
        "layer": null,
        "references": [],
    }))
    .unwrap()
}

const JINJA: &str = "pkg:pypi/jinja2@2.10";
const LIBSSL: &str = "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11";

/// The findings of the scan tests (Jinja2 2.10 from PyPA, libssl1.1 from DSA-5343-1), plus two more
/// openssl CVEs of the same DSA.
fn findings() -> Vec<Finding> {
    let ssl = |id| finding("libssl1.1", LIBSSL, Some("openssl"), id, &["DSA-5343-1"]);
    vec![
        finding(
            "Jinja2",
            JINJA,
            None,
            "CVE-2019-10906",
            &["GHSA-462w-v97r-4m45", "PYSEC-2019-217"],
        ),
        finding(
            "Jinja2",
            JINJA,
            None,
            "CVE-2020-28493",
            &["GHSA-g3rq-g295-4j3m", "PYSEC-2021-66"],
        ),
        ssl("CVE-2022-2097"),
        ssl("CVE-2022-4304"),
        ssl("CVE-2022-4450"),
        ssl("CVE-2023-0286"),
    ]
}

fn ids(fs: &[Finding]) -> Vec<String> {
    fs.iter()
        .map(|f| format!("{} {}", f.package.name, f.id))
        .collect()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn ignore_file_entries() {
    let path = fixture("rensaignore.yaml");
    let file = ignore::read(&path).unwrap();
    assert_eq!(file.file, path.display().to_string());
    let rows: Vec<_> = file
        .entries
        .iter()
        .map(|e| {
            (
                e.line,
                e.id.as_str(),
                e.package.as_ref().map(|p| p.to_string()),
                e.reason.as_str(),
                e.expires.map(|d| d.to_string()),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        rows,
        vec![
            (
                3,
                "PYSEC-2019-217",
                s("pkg:pypi/jinja2"),
                "sandbox not used; templates are trusted",
                s("2999-12-31")
            ),
            (
                7,
                "CVE-2022-2097",
                s("openssl"),
                "AES OCB is not used on x86",
                None
            ),
            (
                10,
                "cve-2023-0286",
                None,
                "accepted until the base image is rebuilt",
                s("2020-01-01")
            ),
            (
                13,
                "CVE-2020-28493",
                s("pkg:pypi/jinja2@3.0.0"),
                "ReDoS only with untrusted templates",
                None
            ),
            (16, "CVE-1999-0001", None, "stale entry", None),
        ]
    );
    assert!(matches!(file.entries[1].package, Some(PackageSpec::Name(_))));
}

#[test]
fn ignore_file_suppresses_warns_on_expired_and_unused_entries() {
    let file = ignore::read(&fixture("rensaignore.yaml")).unwrap();
    let name = file.file.clone();
    let out = suppress::apply(findings(), &Subject::default(), &[file], &[], day("2025-06-01"));
    assert_eq!(
        ids(&out.kept),
        [
            "Jinja2 CVE-2020-28493",
            "libssl1.1 CVE-2022-4304",
            "libssl1.1 CVE-2022-4450",
            "libssl1.1 CVE-2023-0286"
        ]
    );
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| {
            (
                s.finding.id.as_str(),
                s.origin,
                s.file.as_str(),
                s.reason.as_str(),
                s.expires.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        sup,
        [
            (
                "CVE-2019-10906",
                Origin::IgnoreFile,
                name.as_str(),
                "sandbox not used; templates are trusted",
                Some("2999-12-31")
            ),
            (
                "CVE-2022-2097",
                Origin::IgnoreFile,
                name.as_str(),
                "AES OCB is not used on x86",
                None
            ),
        ]
    );
    assert!(
        out.suppressed
            .iter()
            .all(|s| s.vex_status.is_none() && s.justification.is_none())
    );
    assert_eq!(
        out.notices,
        [
            Notice::Expired {
                file: name.clone(),
                line: 10,
                id: "cve-2023-0286".into(),
                expires: day("2020-01-01")
            },
            Notice::Unused {
                file: name.clone(),
                line: 13,
                id: "CVE-2020-28493".into()
            },
            Notice::Unused {
                file: name.clone(),
                line: 16,
                id: "CVE-1999-0001".into()
            },
        ]
    );
    assert_eq!(
        out.notices[0].to_string(),
        format!(
            "ignore entry for cve-2023-0286 in {name} (line 10) expired on 2020-01-01; it no longer suppresses anything"
        )
    );
    assert_eq!(out.notices[1].code(), "ignore-unused");
}

#[test]
fn expiry_day_is_the_first_day_without_effect() {
    let yaml = "vulnerabilities:\n  - id: CVE-2023-0286\n    reason: r\n    expires: 2026-03-01\n";
    let file = ignore::parse(yaml, "x.yaml").unwrap();
    let run = |today| {
        let out = suppress::apply(
            findings(),
            &Subject::default(),
            std::slice::from_ref(&file),
            &[],
            day(today),
        );
        (out.suppressed.len(), out.notices.len())
    };
    assert_eq!(run("2026-02-28"), (1, 0));
    assert_eq!(run("2026-03-01"), (0, 1));
    assert_eq!(run("2027-01-01"), (0, 1));
}

#[test]
fn bad_ignore_files_name_the_file_and_the_problem() {
    let cases = [
        (
            "vulnerabilities:\n  - id: CVE-1\n    reason: r\n    expired_at: 2026-01-01\n",
            "expired_at",
        ),
        (
            "vulnerabilities:\n  - id: CVE-1\n    package: pkg:pypi/x\n",
            "line 2: the entry for CVE-1 has no reason",
        ),
        (
            "vulnerabilities:\n  - id: CVE-1\n    reason: '  '\n",
            "line 2: the entry for CVE-1 has no reason",
        ),
        (
            "vulnerabilities:\n  - id: CVE-1\n    reason: r\n    expires: 2026-02-30\n",
            "line 2: the entry for CVE-1 has an invalid expiry date \"2026-02-30\"",
        ),
        (
            "vulnerabilities:\n  - id: CVE-1\n    reason: r\n    expires: next week\n",
            "invalid expiry date \"next week\"",
        ),
        (
            "vulnerabilities:\n  - id: CVE-1\n    reason: r\n    package: 'pkg:'\n",
            "invalid package URL \"pkg:\"",
        ),
        (
            "vulnerabilities:\n  - id: ''\n    reason: r\n",
            "line 2: the entry's id is empty",
        ),
        (
            "vulnerabilities:\n  - reason: r\n",
            "line 2 column 5: missing field `id`",
        ),
        ("ignore:\n  - CVE-1\n", "line 1 column 1: unknown field `ignore`"),
        (
            "vulnerabilities: CVE-1\n",
            "line 1 column 18: expected sequence start",
        ),
        ("vulnerabilities:\n  - id: [\n", "line 2 column 9"),
    ];
    for (text, want) in cases {
        let err = ignore::parse(text, "ignore.yaml").unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, Error::Suppression { ref file, .. } if file == "ignore.yaml"),
            "{msg}"
        );
        assert!(msg.starts_with("ignore.yaml: "), "{msg}");
        assert!(msg.contains(want), "{text:?}: {msg:?} lacks {want:?}");
    }
    // The unknown key is located.
    let msg = ignore::parse(cases[0].0, "ignore.yaml").unwrap_err().to_string();
    assert!(
        msg.contains("line 4 column 5: unknown field `expired_at`"),
        "{msg}"
    );
    // Empty and comment-only files are empty ignore files; a missing file is an I/O error naming it.
    assert_eq!(ignore::parse("", "e.yaml").unwrap().entries, []);
    assert_eq!(ignore::parse("# nothing\n\n", "e.yaml").unwrap().entries, []);
    let missing = fixture("no-such.yaml");
    let err = ignore::read(&missing).unwrap_err();
    assert!(matches!(err, Error::Io { ref path, .. } if path == &missing.display().to_string()));
}

fn git(arch: Option<&str>, id: &str) -> Finding {
    let purl = match arch {
        Some(a) => format!("pkg:apk/wolfi/git@2.39.0-r1?arch={a}"),
        None => "pkg:apk/wolfi/git@2.39.0-r1".to_string(),
    };
    finding("git", &purl, None, id, &[])
}

#[test]
fn spec_samples_parse_and_apply() {
    let minimal = openvex::read(&fixture("spec-minimal.openvex.json")).unwrap();
    assert_eq!(minimal.statements.len(), 1);
    let s = &minimal.statements[0];
    assert_eq!(
        (s.vulnerability.as_str(), s.status),
        ("CVE-2023-12345", VexStatus::Fixed)
    );
    // 2023-01-08T18:02:03-06:00 = 2023-01-09T00:02:03Z
    assert_eq!(s.timestamp, 1_673_222_523);
    assert_eq!(
        s.products.iter().map(|p| p.ids.clone()).collect::<Vec<_>>(),
        [
            vec!["pkg:apk/wolfi/git@2.39.0-r1?arch=armv7".to_string()],
            vec!["pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64".to_string()]
        ]
    );
    let old = openvex::read(&fixture("spec-v0.0.0.openvex.json")).unwrap();
    assert_eq!(old.statements[0].products, s.products);
    assert_eq!(old.statements[0].vulnerability, s.vulnerability);

    let input = vec![
        git(Some("x86_64"), "CVE-2023-12345"),
        git(Some("aarch64"), "CVE-2023-12345"),
        git(None, "CVE-2023-12345"),
        git(Some("x86_64"), "CVE-2023-99999"),
    ];
    for doc in [&minimal, &old] {
        let out = suppress::apply(
            input.clone(),
            &Subject::default(),
            &[],
            std::slice::from_ref(doc),
            day("2025-01-01"),
        );
        // arch=aarch64 is listed for neither product; a purl without arch matches both.
        assert_eq!(
            out.kept
                .iter()
                .map(|f| (f.package.purl.as_str(), f.id.as_str()))
                .collect::<Vec<_>>(),
            [
                ("pkg:apk/wolfi/git@2.39.0-r1?arch=aarch64", "CVE-2023-12345"),
                ("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64", "CVE-2023-99999")
            ]
        );
        let sup: Vec<_> = out
            .suppressed
            .iter()
            .map(|s| {
                (
                    s.finding.package.purl.as_str(),
                    s.origin,
                    s.vex_status.as_deref(),
                    s.reason.as_str(),
                )
            })
            .collect();
        assert_eq!(
            sup,
            [
                (
                    "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64",
                    Origin::Openvex,
                    Some("fixed"),
                    "fixed"
                ),
                (
                    "pkg:apk/wolfi/git@2.39.0-r1",
                    Origin::Openvex,
                    Some("fixed"),
                    "fixed"
                ),
            ]
        );
        assert!(out.notices.is_empty());
    }
}

#[test]
fn later_statement_wins_and_inherits_the_document_time() {
    let doc = openvex::read(&fixture("spec-update.openvex.json")).unwrap();
    // The second statement has no timestamp of its own: it takes the document's, 2023-01-09T15:08:42Z.
    assert_eq!(doc.statements[0].timestamp, 1_673_222_523);
    assert_eq!(doc.statements[1].timestamp, 1_673_276_922);
    let armv7 = vec![git(Some("armv7"), "CVE-2023-12345")];
    let out = suppress::apply(
        armv7.clone(),
        &Subject::default(),
        &[],
        std::slice::from_ref(&doc),
        day("2025-01-01"),
    );
    assert_eq!(out.suppressed.len(), 1);
    assert_eq!(out.suppressed[0].vex_status.as_deref(), Some("fixed"));

    // Order in the file does not matter, time does: put the fixed statement first, and make the
    // under_investigation one newer: the finding stays.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("spec-update.openvex.json")).unwrap()).unwrap();
    v["statements"][0]["timestamp"] = "2023-01-10T00:00:00Z".into();
    let doc = openvex::parse(&v.to_string(), "later.json").unwrap();
    let out = suppress::apply(armv7, &Subject::default(), &[], &[doc], day("2025-01-01"));
    assert_eq!((out.kept.len(), out.suppressed.len()), (1, 0));
}

#[test]
fn spring_sample_keeps_justification_and_impact_statement() {
    let doc = openvex::read(&fixture("spec-spring.openvex.json")).unwrap();
    let spring = "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3";
    let input = vec![
        finding("spring-boot", spring, None, "GHSA-jfh8-c2jp-5v3q", &[]),
        finding(
            "spring-boot",
            "pkg:maven/org.springframework.boot/spring-boot@2.6.0",
            None,
            "CVE-2021-44228",
            &[],
        ),
    ];
    let out = suppress::apply(input, &Subject::default(), &[], &[doc], day("2025-01-01"));
    assert_eq!(ids(&out.kept), ["spring-boot CVE-2021-44228"]);
    let s = &out.suppressed[0];
    assert_eq!(s.finding.id, "GHSA-jfh8-c2jp-5v3q");
    assert_eq!(s.vex_status.as_deref(), Some("not_affected"));
    assert_eq!(
        s.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    assert!(
        s.reason
            .starts_with("Spring Boot users are only affected by this vulnerability if they have switched")
    );
}

fn subject() -> Subject {
    Subject {
        image: "registry.example/app:1".into(),
        digests: vec!["sha256:abc123".into()],
        packages: [JINJA, LIBSSL]
            .iter()
            .map(|p| PackageUrl::parse(p).unwrap())
            .collect(),
    }
}

#[test]
fn image_products_and_subcomponents() {
    let doc = openvex::read(&fixture("image-subcomponents.openvex.json")).unwrap();
    let out = suppress::apply(
        findings(),
        &subject(),
        &[],
        std::slice::from_ref(&doc),
        day("2025-01-01"),
    );
    // CVE-2019-10906: no statement. CVE-2022-2097: statement 2 (alias DSA-5343-1, affected). CVE-2022-4450:
    // statement 5 names another image digest. CVE-2023-0286: statement 2 (affected, 2024-05-02) is newer
    // than statement 3 (fixed, 2024-05-01). CVE-2022-4304: statement 4 (the whole image, not_affected,
    // 2024-05-03) is newer than statement 2 (affected through the alias DSA-5343-1).
    assert_eq!(
        ids(&out.kept),
        [
            "Jinja2 CVE-2019-10906",
            "libssl1.1 CVE-2022-2097",
            "libssl1.1 CVE-2022-4450",
            "libssl1.1 CVE-2023-0286"
        ]
    );
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| {
            (
                s.finding.id.as_str(),
                s.vex_status.as_deref(),
                s.justification.as_deref(),
                s.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        sup,
        [
            (
                "CVE-2020-28493",
                Some("not_affected"),
                Some("vulnerable_code_not_in_execute_path"),
                "vulnerable_code_not_in_execute_path"
            ),
            (
                "CVE-2022-4304",
                Some("not_affected"),
                Some("vulnerable_code_cannot_be_controlled_by_adversary"),
                "vulnerable_code_cannot_be_controlled_by_adversary"
            ),
        ]
    );
    // Another image: the reference and the digest no longer match, so nothing is suppressed.
    let other = Subject {
        image: "registry.example/app:2".into(),
        digests: vec!["sha256:0000".into()],
        ..subject()
    };
    let out = suppress::apply(findings(), &other, &[], &[doc], day("2025-01-01"));
    assert_eq!(out.suppressed, []);
}

#[test]
fn package_product_subcomponents_need_the_product_in_the_image() {
    let doc = |product: &str| {
        format!(
            r#"{{"@context":"https://openvex.dev/ns/v0.2.0","timestamp":"2024-01-01T00:00:00Z","statements":[
            {{"vulnerability":{{"name":"CVE-2019-10906"}},"products":[{{"@id":"{product}","subcomponents":[{{"@id":"pkg:pypi/jinja2"}}]}}],
              "status":"not_affected","impact_statement":"templates are static"}}]}}"#
        )
    };
    let run = |product: &str| {
        let d = openvex::parse(&doc(product), "app.json").unwrap();
        suppress::apply(findings(), &subject(), &[], &[d], day("2025-01-01"))
            .suppressed
            .len()
    };
    assert_eq!(run("pkg:deb/debian/libssl1.1"), 1);
    assert_eq!(run("pkg:pypi/flask"), 0);
}

#[test]
fn ignore_file_goes_before_vex() {
    let file = ignore::parse(
        "vulnerabilities:\n  - id: CVE-2022-4304\n    reason: mine\n",
        "i.yaml",
    )
    .unwrap();
    let doc = openvex::read(&fixture("image-subcomponents.openvex.json")).unwrap();
    let out = suppress::apply(findings(), &subject(), &[file], &[doc], day("2025-01-01"));
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| (s.finding.id.as_str(), s.origin))
        .collect();
    assert_eq!(
        sup,
        [
            ("CVE-2020-28493", Origin::Openvex),
            ("CVE-2022-4304", Origin::IgnoreFile)
        ]
    );
    assert_eq!(out.notices, []);
}

#[test]
fn bad_vex_documents_name_the_file_and_statement() {
    let doc = |statement: &str| {
        format!(
            r#"{{"@context":"https://openvex.dev/ns/v0.2.0","timestamp":"2024-01-01T00:00:00Z","statements":[{statement}]}}"#
        )
    };
    let ok_products = r#""products":[{"@id":"pkg:pypi/jinja2"}]"#;
    let cases = [
        (
            doc(&format!(
                r#"{{"vulnerability":{{"name":"CVE-1"}},{ok_products},"status":"not_affected"}}"#
            )),
            "statement 1: CVE-1 is not_affected without a justification or an impact_statement",
        ),
        (
            doc(&format!(
                r#"{{"vulnerability":{{"name":"CVE-1"}},{ok_products},"status":"not_affected","justification":"because"}}"#
            )),
            "statement 1: unknown justification \"because\"",
        ),
        (
            doc(&format!(
                r#"{{"vulnerability":{{"name":"CVE-1"}},{ok_products},"status":"wontfix"}}"#
            )),
            "statement 1: unknown status \"wontfix\"",
        ),
        (
            doc(&format!(
                r#"{{"vulnerability":{{"name":"CVE-1"}},{ok_products}}}"#
            )),
            "statement 1: no status",
        ),
        (
            doc(r#"{"vulnerability":{"name":"CVE-1"},"status":"fixed"}"#),
            "statement 1: no products",
        ),
        (
            doc(&format!(
                r#"{{"vulnerability":{{}},{ok_products},"status":"fixed"}}"#
            )),
            "statement 1: the vulnerability has no name",
        ),
        (
            doc(&format!(
                r#"{{"vulnerability":{{"name":"CVE-1"}},{ok_products},"status":"fixed","timestamp":"yesterday"}}"#
            )),
            "statement 1: the timestamp \"yesterday\" is not an RFC 3339 time",
        ),
        (
            format!(
                r#"{{"@context":"https://openvex.dev/ns","statements":[{{"vulnerability":"CVE-1",{ok_products},"status":"fixed"}}]}}"#
            ),
            "statement 1: no timestamp",
        ),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","vulnerabilities":[]}"#.to_string(),
            "not an OpenVEX document",
        ),
        ("{\"@context\": ".to_string(), "not valid JSON: EOF while parsing"),
        ("[]".to_string(), "not an OpenVEX document"),
    ];
    for (text, want) in cases {
        let err = openvex::parse(&text, "vex.json").unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, Error::Suppression { ref file, .. } if file == "vex.json"),
            "{msg}"
        );
        assert!(
            msg.starts_with("vex.json: ") && msg.contains(want),
            "{msg:?} lacks {want:?}"
        );
    }
}

/// Every prefix of every fixture, and every fixture with one byte changed, parses or fails with an
/// error naming the file: never a panic. (The `suppress` fuzz target explores further.)
#[test]
fn truncated_and_damaged_files_fail_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/suppress");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 6);
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let mut variants: Vec<String> = (0..text.len())
            .filter(|&i| text.is_char_boundary(i))
            .map(|i| text[..i].to_string())
            .collect();
        for (i, c) in text.char_indices().step_by(3) {
            for r in ['"', '{', ']', ':', '\n', '-', 'x'] {
                if r != c {
                    variants.push(format!("{}{r}{}", &text[..i], &text[i + c.len_utf8()..]));
                }
            }
        }
        for v in variants {
            let result = if name.ends_with(".json") {
                openvex::parse(&v, "f")
                    .map(|d| suppress::apply(findings(), &subject(), &[], &[d], day("2025-01-01")))
            } else {
                ignore::parse(&v, "f")
                    .map(|f| suppress::apply(findings(), &subject(), &[f], &[], day("2025-01-01")))
            };
            if let Err(e) = result {
                assert!(e.to_string().starts_with("f: "), "{e}");
            }
        }
    }
}
