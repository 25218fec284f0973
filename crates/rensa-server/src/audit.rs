//! The audit log: one JSON object per decision and per policy reload, one line each, keys sorted,
//! flushed per line, written by a thread of its own so requests never wait on the disk.
//!
//! ```json
//! {"dry_run":false,"endpoint":"validate","groups":["system:masters"],"kind":"admission","latency_ms":0.21,"object":"Deployment/shop/web","operation":"CREATE","reasons":["pod-privileged at spec.template.spec.containers[0].securityContext.privileged: …"],"rules":["pod-privileged"],"time":"2026-11-23T18:41:42.123Z","uid":"…","user":"alice","verdict":"deny"}
//! ```
//!
//! `kind` is `admission`, `docker-authz` or `policy-reload`. A line that cannot be written is printed to
//! standard error instead (so no decision is lost), counted, and `/readyz` reports the failure until a
//! line is written again.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::config::AuditTarget;
use crate::metrics::Metrics;
use crate::{Error, Result};

/// One audit line. Fields are declared in alphabetical order so the JSON keys are sorted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AuditRecord {
    /// The review was a dry run (no side effects).
    pub dry_run: bool,
    /// `validate`, `mutate`, `AuthZPlugin.AuthZReq`, `AuthZPlugin.AuthZRes` or `reload`.
    pub endpoint: String,
    /// The requesting user's groups.
    pub groups: Vec<String>,
    /// `admission`, `docker-authz` or `policy-reload`.
    pub kind: String,
    /// Time to decide, in milliseconds.
    pub latency_ms: f64,
    /// `Kind/namespace/name` (admission), `METHOD URI` (docker-authz) or the policy file.
    pub object: String,
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`; the HTTP method for docker-authz; `RELOAD`.
    pub operation: String,
    /// Why: finding messages, warnings, errors.
    pub reasons: Vec<String>,
    /// The rule ids that decided.
    pub rules: Vec<String>,
    /// RFC 3339 UTC with milliseconds (set when written to the channel).
    pub time: String,
    /// The AdmissionReview uid.
    pub uid: String,
    /// The requesting user.
    pub user: String,
    /// `allow` or `deny` (`applied` or `rejected` for policy reloads).
    pub verdict: String,
}

enum Message {
    Line(Box<AuditRecord>),
    Flush(Sender<()>),
}

/// The handle requests write through.
#[derive(Debug)]
pub struct AuditLog {
    sender: Mutex<Sender<MessageBox>>,
    failure: Arc<Mutex<Option<String>>>,
    healthy: Arc<AtomicBool>,
}

/// Opaque wrapper so `AuditLog` can derive `Debug`.
struct MessageBox(Message);

impl std::fmt::Debug for MessageBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("audit message")
    }
}

impl AuditLog {
    /// Opens the target (a file is created if needed and appended to) and starts the writer thread.
    pub fn open(target: &AuditTarget, metrics: Arc<Metrics>) -> Result<AuditLog> {
        let out: Box<dyn Write + Send> = match target {
            AuditTarget::Stdout => Box::new(std::io::stdout()),
            AuditTarget::File(path) => Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| Error::Io {
                        path: path.clone(),
                        error: source,
                    })?,
            ),
        };
        let name = match target {
            AuditTarget::Stdout => "standard output".to_string(),
            AuditTarget::File(p) => p.display().to_string(),
        };
        let (sender, receiver) = channel();
        let failure = Arc::new(Mutex::new(None));
        let healthy = Arc::new(AtomicBool::new(true));
        let (f, h) = (failure.clone(), healthy.clone());
        std::thread::Builder::new()
            .name("rensa-audit".into())
            .spawn(move || write_lines(receiver, out, &name, &f, &h, &metrics))
            .map_err(Error::Runtime)?;
        Ok(AuditLog {
            sender: Mutex::new(sender),
            failure,
            healthy,
        })
    }

    /// Queues a line; `time` is set now and `latency_ms` rounded to microseconds.
    pub fn write(&self, mut record: AuditRecord) {
        record.time = crate::time::rfc3339_millis(SystemTime::now());
        // Microseconds are enough, and keep the lines short.
        record.latency_ms = (record.latency_ms * 1000.0).round() / 1000.0;
        self.send(Message::Line(Box::new(record)));
    }

    fn send(&self, message: Message) {
        let sent = self
            .sender
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(MessageBox(message));
        if let Err(e) = sent {
            if let Message::Line(record) = e.0.0 {
                // The writer thread is gone: keep the decision on standard error.
                eprintln!(
                    "rensa serve: audit log writer stopped; decision: {}",
                    serde_json::to_string(&record).unwrap_or_default()
                );
            }
            self.healthy.store(false, Ordering::Relaxed);
        }
    }

    /// Waits (at most `timeout`) until every line queued so far is written.
    pub fn flush(&self, timeout: Duration) -> bool {
        let (tx, rx) = channel();
        self.send(Message::Flush(tx));
        rx.recv_timeout(timeout).is_ok()
    }

    /// `None` while every line has been written; the last error otherwise.
    pub fn failure(&self) -> Option<String> {
        if self.healthy.load(Ordering::Relaxed) {
            return None;
        }
        Some(
            self.failure
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .unwrap_or_else(|| "the audit log writer stopped".into()),
        )
    }
}

fn write_lines(
    receiver: Receiver<MessageBox>,
    mut out: Box<dyn Write + Send>,
    name: &str,
    failure: &Mutex<Option<String>>,
    healthy: &AtomicBool,
    metrics: &Metrics,
) {
    for MessageBox(message) in receiver {
        match message {
            Message::Flush(ack) => {
                let _ = ack.send(());
            }
            Message::Line(record) => {
                let mut line = serde_json::to_vec(&record).unwrap_or_default();
                line.push(b'\n');
                let written = out.write_all(&line).and_then(|()| out.flush());
                if written.is_ok() {
                    // Writing works again (the disk has room again): ready again.
                    healthy.store(true, Ordering::Relaxed);
                }
                if let Err(e) = written {
                    let message = format!("cannot write the audit log {name}: {e}");
                    eprintln!(
                        "rensa serve: {message}; decision: {}",
                        String::from_utf8_lossy(&line).trim_end()
                    );
                    metrics.audit_failure();
                    *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(message);
                    healthy.store(false, Ordering::Relaxed);
                }
            }
        }
    }
}
