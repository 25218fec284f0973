//! Artifact rules (`expected_materials`, `expected_products`) and how they consume artifacts.
//!
//! Semantics of in-toto 1.x (specification v0.9, section 4.3.3, and the reference
//! implementation's `verify_item_rules`): the queue starts with every material (or product) path
//! of the step's link; rules run in order, each removes ("consumes") the paths it accepts;
//! `DISALLOW` fails if a queued path matches, `REQUIRE` fails if its path is not queued. Paths
//! left in the queue after the last rule are allowed (layouts end with `DISALLOW *` to forbid
//! them). Keywords are case insensitive.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::fnmatch::fnmatch;

/// Artifacts of a link: path → hash algorithm → lower-case hex digest.
pub type Artifacts = BTreeMap<String, BTreeMap<String, String>>;

/// Which artifacts of a link a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ArtifactKind {
    /// What the step read.
    Materials,
    /// What the step wrote.
    Products,
}

impl ArtifactKind {
    /// `materials` or `products`.
    pub fn plural(self) -> &'static str {
        match self {
            ArtifactKind::Materials => "materials",
            ArtifactKind::Products => "products",
        }
    }

    /// `material` or `product`.
    pub fn singular(self) -> &'static str {
        match self {
            ArtifactKind::Materials => "material",
            ArtifactKind::Products => "product",
        }
    }
}

/// One artifact rule of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactRule {
    /// `MATCH pattern [IN prefix] WITH (MATERIALS|PRODUCTS) [IN prefix] FROM step`: consumes
    /// artifacts whose hashes equal those of the same path (under the destination prefix) in
    /// the named step's link.
    Match {
        /// fnmatch pattern, applied to the path after the source prefix.
        pattern: String,
        /// Source path prefix (empty for none).
        source_prefix: String,
        /// Which artifacts of the other step to compare with.
        dest_kind: ArtifactKind,
        /// Destination path prefix (empty for none).
        dest_prefix: String,
        /// The other step (or inspection).
        dest_step: String,
    },
    /// `CREATE pattern`: consumes products that are not materials.
    Create(String),
    /// `DELETE pattern`: consumes materials that are not products.
    Delete(String),
    /// `MODIFY pattern`: consumes artifacts that are both with different hashes.
    Modify(String),
    /// `ALLOW pattern`: consumes matching artifacts.
    Allow(String),
    /// `DISALLOW pattern`: fails if a queued artifact matches.
    Disallow(String),
    /// `REQUIRE path`: fails unless `path` is queued.
    Require(String),
}

impl ArtifactRule {
    /// Parses a rule given as its list of words (`["MATCH", "*", "WITH", "PRODUCTS", "FROM",
    /// "build"]`); the error says what is wrong.
    pub fn parse(words: &[String]) -> Result<Self, String> {
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let kw = |i: usize, k: &str| lower.get(i).map(String::as_str) == Some(k);
        if words.len() < 2 {
            return Err(format!("rule {words:?} needs a type and a pattern"));
        }
        let pattern = words[1].clone();
        let generic = |make: fn(String) -> ArtifactRule| {
            if words.len() == 2 {
                Ok(make(pattern.clone()))
            } else {
                Err(format!(
                    "rule {words:?} must be `{} <pattern>`",
                    words[0].to_uppercase()
                ))
            }
        };
        match lower[0].as_str() {
            "create" => generic(ArtifactRule::Create),
            "delete" => generic(ArtifactRule::Delete),
            "modify" => generic(ArtifactRule::Modify),
            "allow" => generic(ArtifactRule::Allow),
            "disallow" => generic(ArtifactRule::Disallow),
            "require" => generic(ArtifactRule::Require),
            "match" => {
                let (source_prefix, dest, dest_prefix, dest_step) = match words.len() {
                    10 if kw(2, "in") && kw(4, "with") && kw(6, "in") && kw(8, "from") => {
                        (&words[3], 5, words[7].clone(), &words[9])
                    }
                    8 if kw(2, "in") && kw(4, "with") && kw(6, "from") => {
                        (&words[3], 5, String::new(), &words[7])
                    }
                    8 if kw(2, "with") && kw(4, "in") && kw(6, "from") => {
                        (&String::new(), 3, words[5].clone(), &words[7])
                    }
                    6 if kw(2, "with") && kw(4, "from") => (&String::new(), 3, String::new(), &words[5]),
                    _ => {
                        return Err(format!(
                            "rule {words:?} must be `MATCH <pattern> [IN <prefix>] WITH \
                             (MATERIALS|PRODUCTS) [IN <prefix>] FROM <step>`"
                        ));
                    }
                };
                let dest_kind = match lower[dest].as_str() {
                    "materials" => ArtifactKind::Materials,
                    "products" => ArtifactKind::Products,
                    other => {
                        return Err(format!(
                            "rule {words:?}: `{other}` is neither MATERIALS nor PRODUCTS"
                        ));
                    }
                };
                Ok(ArtifactRule::Match {
                    pattern,
                    source_prefix: source_prefix.clone(),
                    dest_kind,
                    dest_prefix,
                    dest_step: dest_step.clone(),
                })
            }
            other => Err(format!(
                "rule {words:?}: unknown rule type `{other}` (MATCH, CREATE, DELETE, MODIFY, ALLOW, \
                 DISALLOW or REQUIRE)"
            )),
        }
    }
}

impl fmt::Display for ArtifactRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArtifactRule::Match {
                pattern,
                source_prefix,
                dest_kind,
                dest_prefix,
                dest_step,
            } => {
                write!(f, "MATCH {pattern}")?;
                if !source_prefix.is_empty() {
                    write!(f, " IN {source_prefix}")?;
                }
                write!(f, " WITH {}", dest_kind.plural().to_uppercase())?;
                if !dest_prefix.is_empty() {
                    write!(f, " IN {dest_prefix}")?;
                }
                write!(f, " FROM {dest_step}")
            }
            ArtifactRule::Create(p) => write!(f, "CREATE {p}"),
            ArtifactRule::Delete(p) => write!(f, "DELETE {p}"),
            ArtifactRule::Modify(p) => write!(f, "MODIFY {p}"),
            ArtifactRule::Allow(p) => write!(f, "ALLOW {p}"),
            ArtifactRule::Disallow(p) => write!(f, "DISALLOW {p}"),
            ArtifactRule::Require(p) => write!(f, "REQUIRE {p}"),
        }
    }
}

/// A rule that failed, with the artifacts that made it fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    /// The rule.
    pub rule: ArtifactRule,
    /// For `DISALLOW`: the queued artifacts it matched (sorted); for `REQUIRE`: the missing path.
    pub artifacts: Vec<String>,
}

/// Python's `os.path.join(a, b)` on POSIX for one component, then `\` → `/` as in-toto does.
fn join(prefix: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else if prefix.is_empty() || prefix.ends_with('/') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}/{path}")
    };
    joined.replace('\\', "/")
}

fn matching<'a>(queue: &'a BTreeSet<String>, pattern: &str) -> impl Iterator<Item = &'a String> {
    queue.iter().filter(move |p| fnmatch(pattern, p))
}

/// The links a rule can refer to: step name → (materials, products) of the step's link.
pub type LinkArtifacts<'a> = BTreeMap<&'a str, (&'a Artifacts, &'a Artifacts)>;

/// Applies `rules` to the `kind` artifacts of a step whose link recorded `materials` and
/// `products`; `links` resolves `MATCH ... FROM step`. Returns the first violated rule.
pub fn apply(
    rules: &[ArtifactRule],
    kind: ArtifactKind,
    materials: &Artifacts,
    products: &Artifacts,
    links: &LinkArtifacts<'_>,
) -> Result<(), Box<RuleViolation>> {
    let source = match kind {
        ArtifactKind::Materials => materials,
        ArtifactKind::Products => products,
    };
    let mut queue: BTreeSet<String> = source.keys().cloned().collect();
    for rule in rules {
        let consumed: BTreeSet<String> = match rule {
            ArtifactRule::Match {
                pattern,
                source_prefix,
                dest_kind,
                dest_prefix,
                dest_step,
            } => {
                let Some(&(dest_materials, dest_products)) = links.get(dest_step.as_str()) else {
                    continue;
                };
                let dest = match dest_kind {
                    ArtifactKind::Materials => dest_materials,
                    ArtifactKind::Products => dest_products,
                };
                let stripped: Vec<String> = if source_prefix.is_empty() {
                    queue.iter().cloned().collect()
                } else {
                    let norm = join(source_prefix, "");
                    queue
                        .iter()
                        .filter_map(|p| p.strip_prefix(norm.as_str()).map(str::to_owned))
                        .collect()
                };
                stripped
                    .into_iter()
                    .filter(|p| fnmatch(pattern, p))
                    .filter_map(|p| {
                        let full_source = if source_prefix.is_empty() {
                            p.clone()
                        } else {
                            join(source_prefix, &p)
                        };
                        let full_dest = if dest_prefix.is_empty() {
                            p
                        } else {
                            join(dest_prefix, &p)
                        };
                        let same = matches!(
                            (source.get(&full_source), dest.get(&full_dest)),
                            (Some(a), Some(b)) if a == b
                        );
                        same.then_some(full_source)
                    })
                    .collect()
            }
            ArtifactRule::Create(pattern) => matching(&queue, pattern)
                .filter(|p| products.contains_key(*p) && !materials.contains_key(*p))
                .cloned()
                .collect(),
            ArtifactRule::Delete(pattern) => matching(&queue, pattern)
                .filter(|p| materials.contains_key(*p) && !products.contains_key(*p))
                .cloned()
                .collect(),
            ArtifactRule::Modify(pattern) => matching(&queue, pattern)
                .filter(|p| matches!((materials.get(*p), products.get(*p)), (Some(a), Some(b)) if a != b))
                .cloned()
                .collect(),
            ArtifactRule::Allow(pattern) => matching(&queue, pattern).cloned().collect(),
            ArtifactRule::Disallow(pattern) => {
                let hits: Vec<String> = matching(&queue, pattern).cloned().collect();
                if hits.is_empty() {
                    continue;
                }
                return Err(Box::new(RuleViolation {
                    rule: rule.clone(),
                    artifacts: hits,
                }));
            }
            ArtifactRule::Require(path) => {
                if queue.contains(path) {
                    continue;
                }
                return Err(Box::new(RuleViolation {
                    rule: rule.clone(),
                    artifacts: vec![path.clone()],
                }));
            }
        };
        queue.retain(|p| !consumed.contains(p));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    fn arts(items: &[(&str, &str)]) -> Artifacts {
        items
            .iter()
            .map(|(p, h)| {
                (
                    (*p).to_owned(),
                    BTreeMap::from([("sha256".to_owned(), (*h).to_owned())]),
                )
            })
            .collect()
    }

    fn rules(list: &[&str]) -> Vec<ArtifactRule> {
        list.iter()
            .map(|r| ArtifactRule::parse(&words(r)).unwrap())
            .collect()
    }

    #[test]
    fn parse_every_form_and_print_it_back() {
        for text in [
            "MATCH * WITH PRODUCTS FROM build",
            "MATCH *.c IN src WITH MATERIALS FROM build",
            "MATCH *.c WITH PRODUCTS IN out FROM build",
            "MATCH *.c IN src WITH PRODUCTS IN out FROM build",
            "CREATE a",
            "DELETE a",
            "MODIFY a",
            "ALLOW a",
            "DISALLOW *",
            "REQUIRE a",
        ] {
            assert_eq!(ArtifactRule::parse(&words(text)).unwrap().to_string(), text);
        }
        let lower = ArtifactRule::parse(&words("match x with products from b")).unwrap();
        assert_eq!(lower.to_string(), "MATCH x WITH PRODUCTS FROM b");
        for bad in [
            "ALLOW",
            "ALLOW a b",
            "MATCH a WITH BYPRODUCTS FROM b",
            "MATCH a FROM b",
            "COPY a",
        ] {
            assert!(ArtifactRule::parse(&words(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn generic_rules_consume_as_specified() {
        let materials = arts(&[("keep", "1"), ("gone", "2"), ("edit", "3")]);
        let products = arts(&[("keep", "1"), ("new", "4"), ("edit", "5")]);
        let links = LinkArtifacts::new();
        let ok = rules(&["CREATE *", "MODIFY *", "ALLOW keep", "DISALLOW *"]);
        apply(&ok, ArtifactKind::Products, &materials, &products, &links).unwrap();
        let ok = rules(&["DELETE *", "MODIFY *", "ALLOW keep", "DISALLOW *"]);
        apply(&ok, ArtifactKind::Materials, &materials, &products, &links).unwrap();
        // CREATE does not consume an artifact that was also a material.
        let err = apply(
            &rules(&["CREATE *", "DISALLOW *"]),
            ArtifactKind::Products,
            &materials,
            &products,
            &links,
        )
        .unwrap_err();
        assert_eq!(err.artifacts, ["edit", "keep"]);
        assert_eq!(err.rule.to_string(), "DISALLOW *");
        // REQUIRE looks at the queue: a consumed artifact is no longer there.
        apply(
            &rules(&["REQUIRE new"]),
            ArtifactKind::Products,
            &materials,
            &products,
            &links,
        )
        .unwrap();
        let err = apply(
            &rules(&["ALLOW new", "REQUIRE new"]),
            ArtifactKind::Products,
            &materials,
            &products,
            &links,
        )
        .unwrap_err();
        assert_eq!(err.artifacts, ["new"]);
    }

    #[test]
    fn match_with_prefixes() {
        let build_products = arts(&[("out/app", "a"), ("out/lib", "b")]);
        let empty = Artifacts::new();
        let links = LinkArtifacts::from([("build", (&empty, &build_products))]);
        let materials = arts(&[("dist/app", "a"), ("dist/lib", "x"), ("other", "a")]);
        let r = rules(&["MATCH * IN dist WITH PRODUCTS IN out/ FROM build", "DISALLOW *"]);
        let err = apply(&r, ArtifactKind::Materials, &materials, &empty, &links).unwrap_err();
        // dist/lib has a different hash, `other` is outside the prefix.
        assert_eq!(err.artifacts, ["dist/lib", "other"]);
        // A MATCH against a step without a link consumes nothing.
        let r = rules(&["MATCH * WITH PRODUCTS FROM nowhere", "DISALLOW other"]);
        assert!(apply(&r, ArtifactKind::Materials, &materials, &empty, &links).is_err());
        let r = rules(&[
            "MATCH app IN dist/ WITH PRODUCTS IN out FROM build",
            "REQUIRE other",
            "DISALLOW dist/app",
        ]);
        apply(&r, ArtifactKind::Materials, &materials, &empty, &links).unwrap();
    }
}
