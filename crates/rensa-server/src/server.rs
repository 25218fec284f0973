//! The server: HTTPS listener (HTTP/1.1 with keep-alive, h2 through ALPN), routes, the Docker
//! authorization socket, the reload loop, and a graceful stop.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rensa_policy::deploy::secret::SecretDetector;
use rensa_policy::deploy::verify::{ImageVerifier, RegistryVerifier};
use rensa_policy::deploy::{Date, DeployPolicy};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{mpsc, watch};

use crate::admission::{self, Context, Decision, Review};
use crate::audit::{AuditLog, AuditRecord};
use crate::config::ServeConfig;
use crate::metrics::{Endpoint, Metrics, Outcome};
use crate::mutate::{CachedResolver, DigestResolver, RegistryResolver};
use crate::reload::{self, Seen};
use crate::tls::CertStore;
use crate::{Error, Result, authz};

/// What the caller plugs in.
#[derive(Clone, Default)]
pub struct Options {
    /// Secret detection in env values, command lines and ConfigMaps (the CLI passes rensa-checks'
    /// secret scanner); `None`: the built-in env-name checks only.
    pub secrets: Option<Arc<dyn SecretDetector + Send + Sync>>,
    /// Where `/mutate` gets digests; `None`: the registry ([`RegistryResolver`]) behind a cache with the
    /// configured TTL.
    pub resolver: Option<Arc<dyn DigestResolver>>,
    /// The day exception expiry is judged on; `None`: today (UTC).
    pub today: Option<Date>,
}

/// The policy in force and, when it verifies images against their registry, the verifier built for
/// it (replaced together on reload, so a request never sees one without the other).
struct Active {
    policy: Arc<DeployPolicy>,
    verifier: Option<Arc<RegistryVerifier>>,
}

/// The server's shared state.
pub(crate) struct State {
    pub(crate) config: ServeConfig,
    active: RwLock<Arc<Active>>,
    pub(crate) certs: Arc<CertStore>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) audit: AuditLog,
    secrets: Option<Arc<dyn SecretDetector + Send + Sync>>,
    resolver: Arc<dyn DigestResolver>,
    today: Option<Date>,
}

impl State {
    pub(crate) fn policy(&self) -> Arc<DeployPolicy> {
        self.active().policy.clone()
    }

    fn active(&self) -> Arc<Active> {
        self.active.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_policy(&self, policy: DeployPolicy) {
        *self.active.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(Active::new(policy, &self.config.registry));
    }
}

impl Active {
    fn new(policy: DeployPolicy, registry: &crate::config::RegistryConfig) -> Active {
        let policy = admission::admission_policy(policy);
        let verifier = policy.images.needs_registry().then(|| {
            let registry = registry.clone();
            Arc::new(RegistryVerifier::per_registry(&policy.images, move |host| {
                registry.options_for(host)
            }))
        });
        Active {
            policy: Arc::new(policy),
            verifier,
        }
    }

    fn images(&self) -> Option<&dyn ImageVerifier> {
        self.verifier.as_deref().map(|v| v as &dyn ImageVerifier)
    }
}

/// Runs `f`, which may wait for a registry when images are verified (a cache miss), without
/// holding up the other requests of this runtime worker.
fn may_block<T>(verifies: bool, f: impl FnOnce() -> T) -> T {
    if verifies {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

/// Starts servers.
pub struct Server;

/// A running server on a runtime of its own; stopped by [`Handle::shutdown`] or when dropped (from
/// synchronous code: dropped inside an async context it stops without waiting for requests in flight).
pub struct Handle {
    addr: SocketAddr,
    authz_socket: Option<PathBuf>,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
    stop: watch::Sender<bool>,
    done: Option<mpsc::Receiver<()>>,
}

impl Server {
    /// Loads the policy, certificate and key (any error is returned: nothing is served), opens the audit
    /// log, binds the HTTPS address (and the Docker authorization socket) and starts serving on a
    /// multi-threaded runtime of its own.
    pub fn start(config: ServeConfig, options: Options) -> Result<Handle> {
        let metrics = Arc::new(Metrics::default());
        let policy = DeployPolicy::read(&config.policy)?;
        let seen = Seen {
            tls: reload::fingerprint(&[&config.tls.cert, &config.tls.key]),
            policy: reload::fingerprint(&reload::policy_files(&config.policy, &policy)),
        };
        metrics.policy_loaded(reload::unix_now());
        let certs = Arc::new(CertStore::new(crate::tls::load(
            &config.tls.cert,
            &config.tls.key,
        )?));
        let tls_config = Arc::new(crate::tls::server_config(certs.clone())?);
        let audit = AuditLog::open(&config.audit_log, metrics.clone())?;
        let resolver = options.resolver.unwrap_or_else(|| {
            Arc::new(CachedResolver::new(
                RegistryResolver::new(config.registry.clone()),
                config.mutate.cache_ttl,
            ))
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("rensa-serve")
            .build()
            .map_err(Error::Runtime)?;
        let listener = runtime
            .block_on(TcpListener::bind(config.listen))
            .map_err(|e| Error::Listen {
                address: config.listen.to_string(),
                message: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| Error::Listen {
            address: config.listen.to_string(),
            message: e.to_string(),
        })?;
        let authz_listener = match &config.docker_authz {
            None => None,
            Some(a) => {
                authz::prepare_socket(&a.socket)?;
                let _guard = runtime.enter();
                let listener = UnixListener::bind(&a.socket).map_err(|e| Error::Listen {
                    address: a.socket.display().to_string(),
                    message: e.to_string(),
                })?;
                authz::restrict_socket(&a.socket)?;
                Some(listener)
            }
        };
        let authz_socket = config.docker_authz.as_ref().map(|a| a.socket.clone());
        let state = Arc::new(State {
            active: RwLock::new(Arc::new(Active::new(policy, &config.registry))),
            certs,
            metrics,
            audit,
            secrets: options.secrets,
            resolver,
            today: options.today,
            config,
        });
        let (stop, stopped) = watch::channel(false);
        let (done_tx, done) = mpsc::channel::<()>(1);
        let acceptor = tokio_rustls::TlsAcceptor::from(tls_config);
        runtime.spawn(serve_https(
            state.clone(),
            listener,
            acceptor,
            stopped.clone(),
            done_tx.clone(),
        ));
        if let Some(listener) = authz_listener {
            runtime.spawn(serve_authz(
                state.clone(),
                listener,
                stopped.clone(),
                done_tx.clone(),
            ));
        }
        runtime.spawn(reload_loop(state.clone(), seen, stopped));
        drop(done_tx);
        Ok(Handle {
            addr,
            authz_socket,
            state,
            runtime: Some(runtime),
            stop,
            done: Some(done),
        })
    }
}

impl Handle {
    /// The bound HTTPS address (the real port when the configuration said 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Docker authorization socket, when enabled.
    pub fn authz_socket(&self) -> Option<&std::path::Path> {
        self.authz_socket.as_deref()
    }

    /// Waits (at most `timeout`) until every audit line queued so far is written.
    pub fn flush_audit(&self, timeout: Duration) -> bool {
        self.state.audit.flush(timeout)
    }

    /// The metrics text, as `/metrics` serves it.
    pub fn metrics(&self) -> String {
        self.state.metrics.render()
    }

    /// Stops accepting, lets requests in flight finish (at most 5 s), writes the audit log out and
    /// removes the authorization socket.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        let _ = self.stop.send(true);
        if tokio::runtime::Handle::try_current().is_ok() {
            // Dropped inside an async context, where blocking is not allowed: stop without waiting.
            runtime.shutdown_background();
            if let Some(socket) = &self.authz_socket {
                let _ = std::fs::remove_file(socket);
            }
            return;
        }
        if let Some(mut done) = self.done.take() {
            runtime.block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(5), done.recv()).await;
            });
        }
        self.state.audit.flush(Duration::from_secs(5));
        runtime.shutdown_timeout(Duration::from_secs(1));
        if let Some(socket) = &self.authz_socket {
            let _ = std::fs::remove_file(socket);
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Starts the server from `config` and serves until SIGTERM or SIGINT (`rensa serve`), then stops
/// gracefully. Says where it listens on standard error once the signal handlers are in place.
pub fn run(config: ServeConfig, options: Options) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let handle = Server::start(config, options)?;
    let Some(runtime) = handle.runtime.as_ref() else {
        return Ok(());
    };
    let (mut term, mut int) = {
        let _guard = runtime.enter();
        (
            signal(SignalKind::terminate()).map_err(Error::Runtime)?,
            signal(SignalKind::interrupt()).map_err(Error::Runtime)?,
        )
    };
    eprintln!(
        "rensa serve: listening on https://{}{}",
        handle.addr(),
        handle
            .authz_socket()
            .map(|s| format!(", Docker authorization on {}", s.display()))
            .unwrap_or_default()
    );
    runtime.block_on(async {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    });
    eprintln!("rensa serve: stopping");
    handle.shutdown();
    Ok(())
}

async fn reload_loop(state: Arc<State>, mut seen: Seen, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(state.config.reload_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = tick.tick() => {
                let s = state.clone();
                let current = seen.clone();
                match tokio::task::spawn_blocking(move || {
                    let mut current = current;
                    reload::check(&s, &mut current);
                    current
                }).await {
                    Ok(next) => seen = next,
                    Err(e) => eprintln!("rensa serve: reload check failed: {e}"),
                }
            }
        }
    }
}

type Body = Full<Bytes>;

async fn serve_https(
    state: Arc<State>,
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    mut stopped: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(state.config.max_connections));
    loop {
        // At most max_connections open: the next one is accepted when one closes.
        let slot = tokio::select! {
            _ = stopped.changed() => return,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => return,
            },
        };
        let (tcp, _peer) = tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    eprintln!("rensa serve: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let state = state.clone();
        let acceptor = acceptor.clone();
        let stopped = stopped.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let timeout = state.config.request_timeout;
            // A client that does not finish the handshake in time is dropped.
            let Ok(Ok(tls)) = tokio::time::timeout(timeout, acceptor.accept(tcp)).await else {
                return;
            };
            let service = {
                let state = state.clone();
                service_fn(move |req| route(state.clone(), req))
            };
            serve_connection(TokioIo::new(tls), service, timeout, stopped).await;
            drop((done, slot));
        });
    }
}

async fn serve_connection<I, S>(io: I, service: S, timeout: Duration, mut stopped: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<Body>, Error = Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), connection).await;
        }
    }
}

async fn serve_authz(
    state: Arc<State>,
    listener: UnixListener,
    mut stopped: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(e) => {
                    eprintln!("rensa serve: authorization socket accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let state = state.clone();
        let stopped = stopped.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let timeout = state.config.request_timeout;
            let service = {
                let state = state.clone();
                service_fn(move |req| authz_route(state.clone(), req))
            };
            serve_connection(TokioIo::new(stream), service, timeout, stopped).await;
            drop(done);
        });
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.into())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn json_response(body: Vec<u8>, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

async fn route(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => match state.audit.failure() {
            None => text(StatusCode::OK, "ok\n"),
            Some(e) => text(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}\n")),
        },
        (&Method::GET, "/metrics") => {
            let mut r = text(StatusCode::OK, state.metrics.render());
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        (&Method::POST, "/validate") => admission_endpoint(&state, Endpoint::Validate, req).await,
        (&Method::POST, "/mutate") => admission_endpoint(&state, Endpoint::Mutate, req).await,
        (_, "/healthz" | "/readyz" | "/metrics" | "/validate" | "/mutate") => {
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
        }
        (_, path) => text(StatusCode::NOT_FOUND, format!("no such endpoint: {path}\n")),
    };
    Ok(response)
}

/// Reads a request body within the size limit and the timeout; the error is the HTTP answer's status
/// and message.
async fn read_body(
    state: &State,
    req: Request<Incoming>,
) -> std::result::Result<Bytes, (StatusCode, String)> {
    let max = state.config.max_request_bytes;
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than max_request_bytes ({max} bytes)"),
        )
    };
    if let Some(length) = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && length > max
    {
        return Err(too_large());
    }
    let limited = Limited::new(req.into_body(), usize::try_from(max).unwrap_or(usize::MAX));
    match tokio::time::timeout(state.config.request_timeout, limited.collect()).await {
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within request_timeout ({} ms)",
                state.config.request_timeout.as_millis()
            ),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err((StatusCode::BAD_REQUEST, format!("cannot read the body: {e}"))),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

async fn admission_endpoint(
    state: &Arc<State>,
    endpoint: Endpoint,
    req: Request<Incoming>,
) -> Response<Body> {
    let start = Instant::now();
    let rejected = |status: StatusCode, message: String, uid: String| {
        state
            .metrics
            .admission(endpoint, Outcome::Rejected, start.elapsed());
        state.audit.write(AuditRecord {
            kind: "admission".into(),
            endpoint: endpoint.name().into(),
            uid,
            verdict: "rejected".into(),
            reasons: vec![message.clone()],
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            ..AuditRecord::default()
        });
        let mut r = text(status, format!("{message}\n"));
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection cannot be reused.
            r.headers_mut()
                .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
        }
        r
    };
    let body = match read_body(state, req).await {
        Ok(b) => b,
        Err((status, message)) => return rejected(status, message, String::new()),
    };
    let mut review = match admission::parse_review(&body) {
        Ok(r) => r,
        Err(message) => {
            return rejected(
                StatusCode::BAD_REQUEST,
                format!("not an AdmissionReview v1: {message}"),
                String::new(),
            );
        }
    };
    let decision = match endpoint {
        Endpoint::Validate => {
            let active = state.active();
            let ctx = Context {
                policy: &active.policy,
                secrets: state.secrets.as_deref().map(|s| s as &dyn SecretDetector),
                unknown_kinds: state.config.unknown_kinds,
                fail_open: &state.config.fail_open_namespaces,
                today: state.today.unwrap_or_else(Date::today_utc),
                images: active.images(),
            };
            may_block(active.verifier.is_some(), || {
                admission::validate(&mut review, &ctx)
            })
        }
        Endpoint::Mutate => mutate(state, &mut review).await,
    };
    let body = admission::response(&review.uid, &decision);
    let elapsed = start.elapsed();
    let outcome = if decision.allowed {
        Outcome::Allow
    } else {
        Outcome::Deny
    };
    state.metrics.admission(endpoint, outcome, elapsed);
    state
        .audit
        .write(audit_record(endpoint, &review, &decision, elapsed));
    json_response(body, "application/json")
}

fn audit_record(endpoint: Endpoint, review: &Review, decision: &Decision, elapsed: Duration) -> AuditRecord {
    AuditRecord {
        dry_run: review.dry_run,
        endpoint: endpoint.name().into(),
        groups: review.groups.clone(),
        kind: "admission".into(),
        latency_ms: elapsed.as_secs_f64() * 1000.0,
        object: decision.object.clone(),
        operation: review.operation.clone(),
        reasons: decision.reasons.clone(),
        rules: decision.rules.clone(),
        time: String::new(),
        uid: review.uid.clone(),
        user: review.user.clone(),
        verdict: if decision.allowed { "allow" } else { "deny" }.into(),
    }
}

/// `/mutate`: pins tags to digests (when enabled); a lookup failure denies unless fail-open.
async fn mutate(state: &Arc<State>, review: &mut Review) -> Decision {
    if !review.is_checked() || !state.config.mutate.pin_digests {
        return Decision::allow(review.reference());
    }
    let namespace = review.namespace.clone();
    let object = match review.take_object() {
        Ok(o) => o,
        Err(reason) => {
            return admission::internal_error(
                review.reference(),
                &namespace,
                &state.config.fail_open_namespaces,
                reason,
            );
        }
    };
    let reference = object.reference().to_string();
    let namespace = if namespace.is_empty() {
        object.namespace.clone()
    } else {
        namespace
    };
    if crate::mutate::unpinned(&object).is_empty() {
        return Decision::allow(reference);
    }
    // With image verification the pins are the digests the verifier checked.
    let resolver: Arc<dyn DigestResolver> = match &state.active().verifier {
        Some(v) => Arc::new(crate::mutate::VerifiedResolver(v.clone())),
        None => state.resolver.clone(),
    };
    let pinned = tokio::task::spawn_blocking(move || crate::mutate::pin(&object, resolver.as_ref())).await;
    match pinned {
        Ok(Ok(patch)) => {
            let reasons = patch
                .iter()
                .map(|op| {
                    format!(
                        "{} = {}",
                        op["path"].as_str().unwrap_or(""),
                        op["value"].as_str().unwrap_or("")
                    )
                })
                .collect();
            Decision {
                object: reference,
                allowed: true,
                reasons,
                patch: Some(patch),
                ..Decision::default()
            }
        }
        Ok(Err(e)) => admission::internal_error(
            reference,
            &namespace,
            &state.config.fail_open_namespaces,
            e.to_string(),
        ),
        Err(e) => admission::internal_error(
            reference,
            &namespace,
            &state.config.fail_open_namespaces,
            format!("the digest lookup failed: {e}"),
        ),
    }
}

async fn authz_route(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    const PLUGIN_JSON: &str = rensa_policy::docker::CONTENT_TYPE;
    let call = match (req.method(), req.uri().path()) {
        (&Method::POST, "/Plugin.Activate") => {
            return Ok(json_response(authz::activate(), PLUGIN_JSON));
        }
        (&Method::POST, "/AuthZPlugin.AuthZReq") => authz::Call::Request,
        (&Method::POST, "/AuthZPlugin.AuthZRes") => authz::Call::Response,
        (_, path) => return Ok(text(StatusCode::NOT_FOUND, format!("no such endpoint: {path}\n"))),
    };
    let body = match read_body(&state, req).await {
        Ok(b) => b,
        Err((status, message)) => {
            state.metrics.authz(Outcome::Rejected);
            state.audit.write(AuditRecord {
                kind: "docker-authz".into(),
                endpoint: call.endpoint().into(),
                verdict: "rejected".into(),
                reasons: vec![message.clone()],
                ..AuditRecord::default()
            });
            return Ok(text(status, format!("{message}\n")));
        }
    };
    let active = state.active();
    let (answer, outcome, record) = may_block(active.verifier.is_some(), || {
        authz::authorize(&active.policy, active.images(), call, &body)
    });
    state.metrics.authz(outcome);
    state.audit.write(record);
    Ok(json_response(answer, PLUGIN_JSON))
}
