//! The metadata a Java archive carries about itself: Maven's `pom.properties`, the JAR manifest
//! (`META-INF/MANIFEST.MF`), and the `artifact-version.jar` file-name convention.

/// Maven coordinates found for one archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Coordinates {
    /// The groupId (empty when unknown).
    pub group: String,
    /// The artifactId.
    pub artifact: String,
    /// The version.
    pub version: String,
}

/// Parses a Java `.properties` file: `key=value`, `key: value` or `key value` lines; `#` and `!` start
/// comments. Escapes and continuation lines are not needed for the keys read here and are not decoded.
pub(crate) fn properties(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .map(|l| match l.find(['=', ':', ' ', '\t']) {
            Some(i) => (
                l[..i].trim(),
                l[i + 1..].trim_start_matches([' ', '\t', '=', ':']).trim(),
            ),
            None => (l, ""),
        })
        .collect()
}

/// The coordinates of a `META-INF/maven/GROUP/ARTIFACT/pom.properties`; group and artifact default to
/// the directory names. `None` without a version and artifact.
pub(crate) fn pom_properties(entry: &str, text: &str) -> Option<Coordinates> {
    let mut c = Coordinates::default();
    for (k, v) in properties(text) {
        match k {
            "groupId" => c.group = v.to_string(),
            "artifactId" => c.artifact = v.to_string(),
            "version" => c.version = v.to_string(),
            _ => {}
        }
    }
    let mut dirs = entry.rsplit('/').skip(1);
    let (artifact_dir, group_dir) = (dirs.next().unwrap_or(""), dirs.next().unwrap_or(""));
    if c.artifact.is_empty() {
        c.artifact = artifact_dir.to_string();
    }
    if c.group.is_empty() {
        c.group = group_dir.to_string();
    }
    (!c.artifact.is_empty() && !c.version.is_empty()).then_some(c)
}

/// The main section of a JAR manifest as `(name, value)` pairs, with continuation lines (a leading
/// space) joined.
pub(crate) fn manifest(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some(last) = out.last_mut() {
                last.1.push_str(more);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// Splits an archive's file name into artifact and version at the last `-` followed by a digit
/// (`commons-lang3-3.12.0.jar` → `commons-lang3`, `3.12.0`); the version is empty when there is none.
pub(crate) fn file_name(name: &str) -> (&str, &str) {
    let base = name.rsplit('/').next().unwrap_or(name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let bytes = stem.as_bytes();
    let split = (2..bytes.len())
        .rev()
        .find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit());
    match split {
        Some(i) => (&stem[..i - 1], &stem[i..]),
        None => (stem, ""),
    }
}

/// Coordinates from a manifest, helped by the archive's file name:
/// - version: `Implementation-Version`, else `Bundle-Version`;
/// - artifact: the file name's artifact part when the file name carries a version (Maven names files
///   `artifact-version.jar`), else `Implementation-Title` or `Bundle-Name` when one word, else the file
///   name without its extension, else the last element of `Bundle-SymbolicName`;
/// - group: `Implementation-Vendor-Id`, else `Bundle-SymbolicName` without a trailing `.ARTIFACT`.
///
/// `None` without a version.
pub(crate) fn from_manifest(fields: &[(String, String)], archive_name: &str) -> Option<Coordinates> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let version = get("Implementation-Version").or_else(|| get("Bundle-Version"))?;
    let bsn = get("Bundle-SymbolicName").map(|s| s.split(';').next().unwrap_or(s).trim());
    let (file_artifact, file_version) = file_name(archive_name);
    let one_word = |k: &str| get(k).filter(|t| !t.contains(char::is_whitespace));
    let artifact = if !file_version.is_empty() && !file_artifact.is_empty() {
        file_artifact
    } else if let Some(t) = one_word("Implementation-Title").or_else(|| one_word("Bundle-Name")) {
        t
    } else if !file_artifact.is_empty() {
        file_artifact
    } else {
        bsn.map(|b| b.rsplit('.').next().unwrap_or(b))
            .filter(|a| !a.is_empty())?
    };
    let group = match get("Implementation-Vendor-Id") {
        Some(g) => g.to_string(),
        None => bsn
            .and_then(|b| b.strip_suffix(artifact))
            .and_then(|g| g.strip_suffix('.'))
            .unwrap_or("")
            .to_string(),
    };
    Some(Coordinates {
        group,
        artifact: artifact.to_string(),
        version: version.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pom_properties_with_comments_and_defaults() {
        let c = pom_properties(
            "META-INF/maven/org.a/b/pom.properties",
            "#Generated by Maven\n#Tue\r\nversion=1.0\r\ngroupId=org.a\r\nartifactId=b\r\n",
        )
        .unwrap();
        assert_eq!(
            c,
            Coordinates {
                group: "org.a".into(),
                artifact: "b".into(),
                version: "1.0".into()
            }
        );
        let c = pom_properties("META-INF/maven/g/a/pom.properties", "version = 2.0\n").unwrap();
        assert_eq!(
            (c.group.as_str(), c.artifact.as_str(), c.version.as_str()),
            ("g", "a", "2.0")
        );
        assert_eq!(pom_properties("pom.properties", "groupId=x\n"), None);
    }

    #[test]
    fn manifest_continuations_and_guesses() {
        let m = manifest(
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: com.fasterxml.jackson.core.jackson-data\r\n bind;singleton:=true\r\n\
             Bundle-Version: 2.15.2\r\n\r\nName: x\r\nImplementation-Version: 9\r\n",
        );
        assert_eq!(m.len(), 3);
        let c = from_manifest(&m, "jackson-databind.jar").unwrap();
        assert_eq!(
            c,
            Coordinates {
                group: "com.fasterxml.jackson.core".into(),
                artifact: "jackson-databind".into(),
                version: "2.15.2".into()
            }
        );
        let m = manifest(
            "Implementation-Title: Apache Thing\nImplementation-Version: 1.1\nImplementation-Vendor-Id: org.thing\n",
        );
        let c = from_manifest(&m, "thing-1.1.jar").unwrap();
        assert_eq!(
            c,
            Coordinates {
                group: "org.thing".into(),
                artifact: "thing".into(),
                version: "1.1".into()
            }
        );
        assert_eq!(
            from_manifest(&manifest("Implementation-Title: t\n"), "t.jar"),
            None
        );
        // Debian's guice-multibindings.jar: no version in the file name, a one-word Bundle-Name.
        let m = manifest(
            "Bundle-Name: guice-multibindings\nBundle-SymbolicName: com.google.inject\nBundle-Version: 4.2.3\n",
        );
        let c = from_manifest(&m, "/usr/share/java/guice-multibindings.jar").unwrap();
        assert_eq!(
            c,
            Coordinates {
                group: String::new(),
                artifact: "guice-multibindings".into(),
                version: "4.2.3".into()
            }
        );
        let m = manifest("Bundle-Name: Some Library\nBundle-SymbolicName: org.lib.core\nBundle-Version: 1\n");
        let c = from_manifest(&m, "core.jar").unwrap();
        assert_eq!(
            c,
            Coordinates {
                group: "org.lib".into(),
                artifact: "core".into(),
                version: "1".into()
            }
        );
    }

    #[test]
    fn file_names() {
        assert_eq!(
            file_name("/x/commons-lang3-3.12.0.jar"),
            ("commons-lang3", "3.12.0")
        );
        assert_eq!(file_name("log4j-1.2-api-2.17.1.jar"), ("log4j-1.2-api", "2.17.1"));
        assert_eq!(file_name("foo-1.0-SNAPSHOT.war"), ("foo", "1.0-SNAPSHOT"));
        assert_eq!(file_name("app.war"), ("app", ""));
        assert_eq!(file_name("-1.jar"), ("-1", ""));
        assert_eq!(file_name(""), ("", ""));
    }
}
