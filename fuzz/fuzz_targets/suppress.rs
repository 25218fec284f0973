//! Fuzzes the suppression readers (ignore-file YAML, OpenVEX JSON) and `apply` on what they accept: the
//! first byte picks the reader, the rest is the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_vulndb::matcher::Finding;
use rensa_vulndb::suppress::{self, Date, Subject, ignore, openvex, purl::PackageUrl};

fn finding() -> Finding {
    serde_json::from_value(serde_json::json!({
        "id": "CVE-2019-10906", "aliases": ["PYSEC-2019-217"],
        "package": {"name": "Jinja2", "version": "2.10", "purl": "pkg:pypi/jinja2@2.10"},
        "status": "fixed", "fixed_version": "2.10.1", "severity": "high", "cvss": [],
        "attack_vector": null, "attack_complexity": null, "summary": null, "layer": null,
        "references": [],
    }))
    .expect("a valid finding")
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let subject = Subject {
        image: "registry.example/app:1".into(),
        digests: vec!["sha256:abc".into()],
        packages: PackageUrl::parse("pkg:pypi/jinja2@2.10").into_iter().collect(),
    };
    let today = Date::parse("2026-01-01").expect("a date");
    match sel % 4 {
        0 => {
            if let Ok(f) = ignore::parse(text, "fuzz.yaml") {
                let _ = suppress::apply(vec![finding()], &subject, &[f], &[], today);
            }
        }
        1 => {
            if let Ok(d) = openvex::parse(text, "fuzz.json") {
                let _ = suppress::apply(vec![finding()], &subject, &[], &[d], today);
            }
        }
        2 => {
            if let Some(p) = PackageUrl::parse(text) {
                let _ = p.matches(&p);
            }
        }
        _ => {
            let _ = Date::parse(text);
        }
    }
});
