//! Licence strings as packages record them, turned into what CycloneDX and SPDX accept.
//!
//! Package databases hold anything from exact SPDX identifiers (`MIT`) through expressions
//! (`MIT OR Apache-2.0`) to Debian's short names (`GPL-2+`) and free text. CycloneDX can say all of these
//! (`license.id`, `expression`, `license.name`); SPDX needs a valid expression, so what cannot be read as
//! one becomes a `LicenseRef-` with the original text attached.

use ::spdx::{Expression, ParseMode};

use super::super::cyclonedx::ident::short_hash;

/// Identifiers in the `spdx` crate's licence list that the CycloneDX 1.6 schema (licence list 3.28) does not
/// enumerate yet; CycloneDX gets these as expressions, which its schema does not restrict.
const NEWER_THAN_CYCLONEDX: &[&str] = &[
    "BSD-2-Clause-pos-unchanged",
    "BSD-3-Clause-OpenWebUI",
    "BSD-Source-Code-no-disclaimer",
    "BSD-Source-alt-GPL",
    "BSD-ask-to-endorse",
    "Brian-Gladman-3-Clause-no-conversion",
    "Bugroff",
    "CC-BY-NC-3.0-IGO",
    "FDK-MPEG-H",
    "GFDL-1.1-invariants",
    "GFDL-1.1-no-invariants",
    "GFDL-1.2-invariants",
    "GFDL-1.2-no-invariants",
    "GFDL-1.3-invariants",
    "GFDL-1.3-no-invariants",
    "Hippocratic-3.0-core",
    "Informatica",
    "MVT-1.1",
    "atc-game",
];

/// Licence and exception identifiers of the `spdx` crate's list (3.29) that spdx-tools' validator (through
/// `license-expression` 30.4) does not know yet and rejects; SPDX output refers to them as `LicenseRef-`s
/// with the identifier as the licence's text, so documents validate. `every_spdx_licence_id_validates`
/// in `tests/formats.rs` finds identifiers missing here.
const UNKNOWN_TO_SPDX_TOOLS: &[&str] = &[
    // Known, but taken for an exception (its name ends in "-exception").
    "MPL-2.0-no-copyleft-exception",
    "ALGLIB-Documentation",
    "Advanced-Cryptics-Dictionary",
    "BOLA-1.1",
    "BSD-2-Clause-pos-unchanged",
    "BSD-3-Clause-OpenWebUI",
    "BSD-3-Clause-Tso",
    "BSD-Mark-Modifications",
    "BSD-Source-Code-no-disclaimer",
    "BSD-Source-alt-GPL",
    "BSD-ask-to-endorse",
    "Brian-Gladman-3-Clause-no-conversion",
    "Buddy",
    "Bugroff",
    "CAPEC-tou",
    "CC-BY-NC-3.0-IGO",
    "ESA-PL-permissive-2.4",
    "ESA-PL-strong-copyleft-2.4",
    "ESA-PL-weak-copyleft-2.4",
    "FDK-MPEG-H",
    "GFDL-1.1-invariants",
    "GFDL-1.1-no-invariants",
    "GFDL-1.2-invariants",
    "GFDL-1.2-no-invariants",
    "GFDL-1.3-invariants",
    "GFDL-1.3-no-invariants",
    "HPND-SMC",
    "HPND-sell-variant-critical-systems",
    "Hippocratic-3.0-core",
    "ISO-permission",
    "Informatica",
    "MIT-STK",
    "MMPL-1.0.1",
    "MVT-1.1",
    "NIST-PD-TNT",
    "OSC-1.0",
    "OSSP",
    "OpenMDW-1.0",
    "ParaType-Free-Font-1.3",
    "SGMLUG-PM",
    "TekHVC",
    "UnRAR",
    "Vixie-Cron",
    "WTFNMFPL",
    "WordNet",
    "X11-no-permit-persons",
    "atc-game",
    "hyphen-bulgarian",
    "Classpath-exception-2.0-short",
    "Google-Patent-WebM",
    "Simple-Library-Usage-exception",
    "Spelling-Provider-LGPL-exception",
    "kvirc-openssl-exception",
    "rsync-linking-exception",
    "sqlitestudio-OpenSSL-exception",
];

/// How one licence string is written in CycloneDX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CdxLicense {
    /// An exact, current SPDX licence identifier (`license.id`).
    Id(String),
    /// A valid SPDX expression (`expression`).
    Expression(String),
    /// Anything else (`license.name`).
    Name(String),
}

/// Whether `s` is exactly a current (not deprecated) SPDX licence identifier that CycloneDX 1.6 lists.
pub(crate) fn is_cyclonedx_id(s: &str) -> bool {
    matches!(::spdx::license_id(s), Some(id) if id.name == s && !id.is_deprecated())
        && !NEWER_THAN_CYCLONEDX.contains(&s)
        && !matches!(s, "NOASSERTION" | "NONE")
}

/// Classifies a licence string for CycloneDX; the string itself is kept verbatim.
pub(crate) fn cyclonedx(s: &str) -> CdxLicense {
    if is_cyclonedx_id(s) {
        CdxLicense::Id(s.to_string())
    } else if !matches!(s, "NOASSERTION" | "NONE") && Expression::parse_mode(s, ParseMode::STRICT).is_ok() {
        CdxLicense::Expression(s.to_string())
    } else {
        CdxLicense::Name(s.to_string())
    }
}

/// The canonical SPDX expression for `s`, read leniently (`GPL-2+` → `GPL-2.0-or-later`, `Apache 2.0` →
/// `Apache-2.0`, `/` as `OR`); `None` when it is not one or refers to licences defined elsewhere.
pub(crate) fn spdx_expression(s: &str) -> Option<String> {
    if matches!(s, "NOASSERTION" | "NONE") || s.contains("LicenseRef-") || s.contains("DocumentRef-") {
        return None;
    }
    let normalized = normalize(s);
    let canonical = match Expression::canonicalize(&normalized) {
        Ok(Some(c)) => c,
        Ok(None) => normalized,
        Err(_) => return None,
    };
    Expression::parse_mode(&canonical, ParseMode::STRICT).ok()?;
    let unknown = canonical
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .any(|t| UNKNOWN_TO_SPDX_TOOLS.contains(&t.trim_end_matches('+')));
    (!unknown).then_some(canonical)
}

/// Rewrites the short names Debian copyright files and older RPM specs use (`GPL-2+`, `LGPLv2`,
/// `BSD-3-clause`, `Expat`, `ASL 2.0`) into SPDX identifiers, leaving everything else as it is.
fn normalize(s: &str) -> String {
    let s = s
        .replace("ASL 2.0", "Apache-2.0")
        .replace("ASL 1.1", "Apache-1.1");
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(&short_name(word).unwrap_or_else(|| word.clone()));
        word.clear();
    };
    for c in s.chars() {
        if c.is_whitespace() || c == '(' || c == ')' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The SPDX identifier for one short licence name, if it is one of the known aliases.
fn short_name(word: &str) -> Option<String> {
    let (base, plus) = word.strip_suffix('+').map_or((word, false), |b| (b, true));
    let lower = base.to_ascii_lowercase();
    for family in ["agpl", "lgpl", "gpl"] {
        if let Some(rest) = lower.strip_prefix(family) {
            let version = match rest.trim_start_matches(['-', 'v']) {
                "1" | "1.0" => "1.0",
                "2" | "2.0" => "2.0",
                "2.1" => "2.1",
                "3" | "3.0" => "3.0",
                _ => return None,
            };
            let id = format!(
                "{}-{version}-{}",
                family.to_ascii_uppercase(),
                if plus { "or-later" } else { "only" }
            );
            return ::spdx::license_id(&id).filter(|l| l.name == id).map(|_| id);
        }
    }
    let id = match lower.as_str() {
        "bsd-2-clause" => "BSD-2-Clause",
        "bsd-3-clause" => "BSD-3-Clause",
        "bsd-4-clause" => "BSD-4-Clause",
        "expat" => "MIT",
        "apache-2" => "Apache-2.0",
        _ => return None,
    };
    Some(format!("{id}{}", if plus { "+" } else { "" }))
}

/// The `LicenseRef-` standing for a licence string that is no SPDX expression: the string with every
/// character outside `[A-Za-z0-9.-]` replaced, plus a short hash when anything was replaced.
pub(crate) fn license_ref(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean: String = clean.chars().take(64).collect();
    if clean == s && !clean.is_empty() {
        format!("LicenseRef-{clean}")
    } else {
        format!(
            "LicenseRef-{}{}{}",
            clean,
            if clean.is_empty() { "" } else { "-" },
            short_hash(&["license", s], 8)
        )
    }
}

/// One licence string as SPDX needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpdxLicense {
    /// A valid SPDX expression.
    Expression(String),
    /// A licence reference to define in `hasExtractedLicensingInfos`: (id, original text).
    Reference(String, String),
}

/// Converts one licence string for SPDX.
pub(crate) fn spdx(s: &str) -> SpdxLicense {
    match spdx_expression(s) {
        Some(e) => SpdxLicense::Expression(e),
        None => SpdxLicense::Reference(license_ref(s), s.to_string()),
    }
}

/// Joins a package's licences into one declared expression (`AND`), parenthesizing compound parts.
pub(crate) fn join_and(parts: &[String]) -> String {
    if parts.len() == 1 {
        return parts[0].clone();
    }
    let wrapped: Vec<String> = parts
        .iter()
        .map(|p| {
            if p.contains(' ') {
                format!("({p})")
            } else {
                p.clone()
            }
        })
        .collect();
    wrapped.join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_classes() {
        assert_eq!(cyclonedx("MIT"), CdxLicense::Id("MIT".into()));
        assert_eq!(cyclonedx("GPL-2.0"), CdxLicense::Name("GPL-2.0".into()));
        assert_eq!(
            cyclonedx("MIT OR Apache-2.0"),
            CdxLicense::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(cyclonedx("GPL-2+"), CdxLicense::Name("GPL-2+".into()));
        assert_eq!(cyclonedx("Bugroff"), CdxLicense::Expression("Bugroff".into()));
        assert_eq!(cyclonedx("NOASSERTION"), CdxLicense::Name("NOASSERTION".into()));
    }

    #[test]
    fn spdx_lenient() {
        assert_eq!(spdx_expression("GPL-2+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(
            spdx_expression("MIT OR Apache-2.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            spdx_expression("MIT/Apache-2.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(spdx_expression("public-domain"), None);
        assert_eq!(spdx_expression("GPL-2").as_deref(), Some("GPL-2.0-only"));
        assert_eq!(spdx_expression("LGPLv2+").as_deref(), Some("LGPL-2.0-or-later"));
        assert_eq!(
            spdx_expression("(GPL-3+ or BSD-3-clause)").as_deref(),
            Some("(GPL-3.0-or-later OR BSD-3-Clause)")
        );
        assert_eq!(spdx_expression("ASL 2.0").as_deref(), Some("Apache-2.0"));
        assert_eq!(spdx_expression("Expat").as_deref(), Some("MIT"));
        assert_eq!(
            spdx_expression("GPL-2.0-or-later").as_deref(),
            Some("GPL-2.0-or-later")
        );
        assert_eq!(spdx_expression("GPL-9+"), None);
        assert_eq!(spdx_expression("LicenseRef-foo"), None);
        assert_eq!(license_ref("Artistic"), "LicenseRef-Artistic");
        assert!(license_ref("public domain").starts_with("LicenseRef-public-domain-"));
        assert!(license_ref("©").starts_with("LicenseRef-"));
        assert_eq!(join_and(&["MIT".into(), "A OR B".into()]), "MIT AND (A OR B)");
    }
}
