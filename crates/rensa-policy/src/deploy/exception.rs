//! Matching findings against the policy's exceptions.

use std::collections::BTreeMap;

use rensa_vulndb::suppress::Date;

use super::config::Exception;
use super::objects::ObjectRef;

impl Exception {
    /// Whether the exception has expired on `today` (it applies up to the day before `expires`).
    pub fn expired(&self, today: Date) -> bool {
        today >= self.expires
    }

    /// Whether it covers a finding of `rule` on `object`, whose (workload and pod template) labels are
    /// `labels`. For findings on a namespace, `namespace` matches the namespace's own name.
    pub fn covers(&self, rule: &str, object: &ObjectRef, labels: &BTreeMap<String, String>) -> bool {
        let namespace = if object.kind == "Namespace" {
            &object.name
        } else {
            &object.namespace
        };
        self.rule == rule
            && self.namespace.as_ref().is_none_or(|n| n == namespace)
            && self.name.as_ref().is_none_or(|n| *n == object.name)
            && self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exception() -> Exception {
        Exception {
            rule: "pod-host-path".into(),
            namespace: Some("monitoring".into()),
            name: None,
            labels: [("app".to_string(), "exporter".to_string())].into(),
            reason: "r".into(),
            expires: Date::parse("2027-01-31").unwrap(),
            line: 0,
        }
    }

    #[test]
    fn matching_and_expiry() {
        let e = exception();
        let object = ObjectRef {
            kind: "DaemonSet".into(),
            namespace: "monitoring".into(),
            name: "node-exporter".into(),
        };
        let labels: BTreeMap<String, String> = [
            ("app".to_string(), "exporter".to_string()),
            ("x".to_string(), "y".to_string()),
        ]
        .into();
        assert!(e.covers("pod-host-path", &object, &labels));
        assert!(!e.covers("pod-host-pid", &object, &labels));
        assert!(!e.covers("pod-host-path", &object, &BTreeMap::new()));
        let other = ObjectRef {
            namespace: "default".into(),
            ..object
        };
        assert!(!e.covers("pod-host-path", &other, &labels));
        assert!(!e.expired(Date::parse("2027-01-30").unwrap()));
        assert!(e.expired(Date::parse("2027-01-31").unwrap()));
    }
}
