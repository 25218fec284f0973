//! Prometheus metrics: lock-free counters (atomics), rendered in the text exposition format.
//!
//! | metric | labels |
//! |---|---|
//! | `rensa_admission_requests_total` | `endpoint` (validate, mutate), `verdict` (allow, deny, rejected) |
//! | `rensa_admission_duration_seconds` (histogram) | — |
//! | `rensa_policy_reloads_total` | `result` (success, failure) |
//! | `rensa_policy_loaded_timestamp_seconds` | — |
//! | `rensa_certificate_reloads_total` | `result` (success, failure) |
//! | `rensa_docker_authz_requests_total` | `verdict` (allow, deny, rejected) |
//! | `rensa_audit_write_failures_total` | — |
//!
//! `rejected` counts requests answered with an HTTP error (malformed review, oversize body, timeout).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The admission endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/validate`.
    Validate,
    /// `/mutate`.
    Mutate,
}

impl Endpoint {
    /// The label value and path segment (`validate`).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

/// How a request ended, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed.
    Allow,
    /// Denied.
    Deny,
    /// Answered with an HTTP error.
    Rejected,
}

impl Outcome {
    fn index(self) -> usize {
        self as usize
    }
}

const OUTCOMES: [(&str, Outcome); 3] = [
    ("allow", Outcome::Allow),
    ("deny", Outcome::Deny),
    ("rejected", Outcome::Rejected),
];

/// Upper bounds of the latency histogram, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// All counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; 3]; 2],
    buckets: [AtomicU64; BUCKETS.len()],
    duration_count: AtomicU64,
    duration_sum_nanos: AtomicU64,
    policy_reloads: [AtomicU64; 2],
    policy_loaded_at: AtomicU64,
    certificate_reloads: [AtomicU64; 2],
    authz: [AtomicU64; 3],
    audit_failures: AtomicU64,
}

fn add(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    /// Counts an admission request and its latency.
    pub fn admission(&self, endpoint: Endpoint, outcome: Outcome, elapsed: Duration) {
        let e = match endpoint {
            Endpoint::Validate => 0,
            Endpoint::Mutate => 1,
        };
        add(&self.requests[e][outcome.index()]);
        let secs = elapsed.as_secs_f64();
        // Cumulative buckets are summed when rendered: count each observation in its first bucket only.
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            add(&self.buckets[i]);
        }
        add(&self.duration_count);
        self.duration_sum_nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Counts a policy reload.
    pub fn policy_reload(&self, ok: bool) {
        add(&self.policy_reloads[usize::from(!ok)]);
    }

    /// Records when the policy in force was loaded (seconds since the epoch).
    pub fn policy_loaded(&self, unix_secs: u64) {
        self.policy_loaded_at.store(unix_secs, Ordering::Relaxed);
    }

    /// Counts a certificate reload.
    pub fn certificate_reload(&self, ok: bool) {
        add(&self.certificate_reloads[usize::from(!ok)]);
    }

    /// Counts a Docker authorization request.
    pub fn authz(&self, outcome: Outcome) {
        add(&self.authz[outcome.index()]);
    }

    /// Counts an audit line that could not be written.
    pub fn audit_failure(&self) {
        add(&self.audit_failures);
    }

    /// The metrics in the Prometheus text exposition format (0.0.4).
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::with_capacity(2048);
        out.push_str("# HELP rensa_admission_requests_total Admission reviews answered, by endpoint and verdict.\n# TYPE rensa_admission_requests_total counter\n");
        for (e, endpoint) in [Endpoint::Validate, Endpoint::Mutate].iter().enumerate() {
            for (name, outcome) in OUTCOMES {
                let _ = writeln!(
                    out,
                    "rensa_admission_requests_total{{endpoint=\"{}\",verdict=\"{name}\"}} {}",
                    endpoint.name(),
                    get(&self.requests[e][outcome.index()])
                );
            }
        }
        out.push_str("# HELP rensa_admission_duration_seconds Time to answer an admission review.\n# TYPE rensa_admission_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += get(&self.buckets[i]);
            let _ = writeln!(
                out,
                "rensa_admission_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = get(&self.duration_count);
        let _ = writeln!(
            out,
            "rensa_admission_duration_seconds_bucket{{le=\"+Inf\"}} {count}\nrensa_admission_duration_seconds_sum {}\nrensa_admission_duration_seconds_count {count}",
            get(&self.duration_sum_nanos) as f64 / 1e9
        );
        for (metric, help, counters) in [
            (
                "rensa_policy_reloads_total",
                "Policy reloads, by result.",
                &self.policy_reloads,
            ),
            (
                "rensa_certificate_reloads_total",
                "Certificate reloads, by result.",
                &self.certificate_reloads,
            ),
        ] {
            let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} counter");
            for (i, result) in ["success", "failure"].iter().enumerate() {
                let _ = writeln!(out, "{metric}{{result=\"{result}\"}} {}", get(&counters[i]));
            }
        }
        let _ = writeln!(
            out,
            "# HELP rensa_policy_loaded_timestamp_seconds When the policy in force was loaded.\n# TYPE rensa_policy_loaded_timestamp_seconds gauge\nrensa_policy_loaded_timestamp_seconds {}",
            get(&self.policy_loaded_at)
        );
        out.push_str("# HELP rensa_docker_authz_requests_total Docker authorization requests, by verdict.\n# TYPE rensa_docker_authz_requests_total counter\n");
        for (name, outcome) in OUTCOMES {
            let _ = writeln!(
                out,
                "rensa_docker_authz_requests_total{{verdict=\"{name}\"}} {}",
                get(&self.authz[outcome.index()])
            );
        }
        let _ = writeln!(
            out,
            "# HELP rensa_audit_write_failures_total Audit lines that could not be written.\n# TYPE rensa_audit_write_failures_total counter\nrensa_audit_write_failures_total {}",
            get(&self.audit_failures)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.admission(Endpoint::Validate, Outcome::Allow, Duration::from_micros(300));
        m.admission(Endpoint::Validate, Outcome::Deny, Duration::from_millis(3));
        m.admission(Endpoint::Mutate, Outcome::Rejected, Duration::from_secs(5));
        let text = m.render();
        for line in [
            "rensa_admission_requests_total{endpoint=\"validate\",verdict=\"allow\"} 1",
            "rensa_admission_requests_total{endpoint=\"validate\",verdict=\"deny\"} 1",
            "rensa_admission_requests_total{endpoint=\"mutate\",verdict=\"rejected\"} 1",
            "rensa_admission_requests_total{endpoint=\"mutate\",verdict=\"allow\"} 0",
            "rensa_admission_duration_seconds_bucket{le=\"0.0005\"} 1",
            "rensa_admission_duration_seconds_bucket{le=\"0.0025\"} 1",
            "rensa_admission_duration_seconds_bucket{le=\"0.005\"} 2",
            "rensa_admission_duration_seconds_bucket{le=\"2.5\"} 2",
            "rensa_admission_duration_seconds_bucket{le=\"+Inf\"} 3",
            "rensa_admission_duration_seconds_count 3",
            "rensa_admission_duration_seconds_sum 5.0033",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
    }
}
