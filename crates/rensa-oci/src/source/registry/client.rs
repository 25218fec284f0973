//! A blocking HTTP client for one repository of a registry: TLS roots, timeouts, and the authentication
//! dance (anonymous first, then basic or a bearer token as the registry's challenge asks, retried once).

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use ureq::http::{Method, Response, StatusCode};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Body};

use super::RegistryOptions;
use super::auth::{self, Challenge, Credentials, TokenResponse};
use crate::error::{Error, Result};
use crate::reference::RegistryRef;

/// The timeout used when the options say 0.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// How much of an error response's body is read for its message.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// The API host for a registry name: Docker Hub's `docker.io` is served by `registry-1.docker.io`.
pub fn api_host(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        other => other,
    }
}

/// What a request needs to be allowed to do: the bearer scope asked for when a challenge names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read: `repository:REPO:pull`.
    Pull,
    /// Write: `repository:REPO:pull,push`.
    Push,
}

/// One request to send through [`Client::call`].
pub(crate) struct Call<'a> {
    /// `GET`, `HEAD`, `POST`, `PUT`.
    pub(crate) method: Method,
    /// The absolute URL.
    pub(crate) url: String,
    /// The `Accept` header, if any.
    pub(crate) accept: Option<&'a str>,
    /// The body, if any (sent again when the request is retried after authenticating).
    pub(crate) body: Option<&'a [u8]>,
    /// The `Content-Type` header, if any.
    pub(crate) content_type: Option<&'a str>,
    /// The access the request needs.
    pub(crate) access: Access,
}

impl Call<'_> {
    /// A request without body, `Accept` or `Content-Type`.
    pub(crate) fn new(method: Method, url: String, access: Access) -> Self {
        Call {
            method,
            url,
            accept: None,
            body: None,
            content_type: None,
            access,
        }
    }
}

/// A client for the `/v2/REPOSITORY/…` endpoints of one registry.
pub(crate) struct Client {
    agent: Agent,
    /// The registry as the user named it, for messages.
    registry: String,
    /// `https://HOST` or `http://HOST`.
    base: String,
    repository: String,
    credentials: Option<Credentials>,
    /// The `Authorization` value that worked last (basic or bearer), sent with every request.
    authorization: Mutex<Option<String>>,
    timeout: Duration,
}

impl Client {
    /// Sets up TLS, timeouts and credentials for `reference`'s registry.
    pub(crate) fn new(reference: &RegistryRef, options: &RegistryOptions) -> Result<Self> {
        let registry = reference.registry.clone();
        let secs = if options.timeout_secs == 0 {
            DEFAULT_TIMEOUT_SECS
        } else {
            options.timeout_secs
        };
        let timeout = Duration::from_secs(secs);
        let mut tls = TlsConfig::builder();
        if let Some(path) = &options.ca_file {
            tls = tls.root_certs(root_certs(path)?);
        }
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("rensa/{}", env!("CARGO_PKG_VERSION")))
            .timeout_resolve(Some(timeout))
            .timeout_connect(Some(timeout))
            .timeout_send_request(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .tls_config(tls.build())
            .build()
            .into();
        let credentials = credentials(&registry, options)?;
        let scheme = if options.insecure { "http" } else { "https" };
        Ok(Client {
            agent,
            base: format!("{scheme}://{}", api_host(&registry)),
            registry,
            repository: reference.repository.clone(),
            credentials,
            authorization: Mutex::new(None),
            timeout,
        })
    }

    /// The registry as the user named it.
    pub(crate) fn registry(&self) -> &str {
        &self.registry
    }

    /// The timeout of each connect, request and read.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// An [`Error::Registry`] for this registry.
    pub(crate) fn error(&self, reason: impl Into<String>) -> Error {
        Error::Registry {
            registry: self.registry.clone(),
            reason: reason.into(),
        }
    }

    /// The repository as named (`demo/app`).
    pub(crate) fn repository(&self) -> &str {
        &self.repository
    }

    /// The URL of `/v2/REPOSITORY/PATH`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/v2/{}/{path}", self.base, self.repository)
    }

    /// The absolute URL for a `Location` header of an answer to a request for `request_url`: an absolute
    /// URL as is, a path (`/v2/…`) on this registry, or a relative reference resolved against the request.
    pub(crate) fn resolve(&self, location: &str, request_url: &str) -> String {
        if location.starts_with("https://") || location.starts_with("http://") {
            location.to_string()
        } else if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            let base = request_url.split('?').next().unwrap_or(request_url);
            let dir = base.rfind('/').map_or(base, |i| &base[..=i]);
            format!("{dir}{location}")
        }
    }

    /// `GET /v2/REPOSITORY/PATH`, authenticating as the registry asks. Any status is returned except a
    /// 401 that persists after authenticating, which is an error; `what` names the object for messages.
    pub(crate) fn get(&self, path: &str, accept: Option<&str>, what: &str) -> Result<Response<Body>> {
        let call = Call {
            accept,
            ..Call::new(Method::GET, self.url(path), Access::Pull)
        };
        self.call(&call, what)
    }

    /// Sends `call`, authenticating as the registry asks: the last `Authorization` that worked first,
    /// then (on a 401) basic credentials or a fresh bearer token for the challenge's scope (or, when the
    /// challenge names none, the scope `call.access` needs), retried once. Any status is returned except a
    /// 401 that persists after authenticating, which is an error; `what` names the object for messages.
    ///
    /// `Authorization` goes only to URLs on this registry; a request elsewhere (an upload `Location` on
    /// another host) is sent without it.
    pub(crate) fn call(&self, call: &Call<'_>, what: &str) -> Result<Response<Body>> {
        let own = call.url.starts_with(&format!("{}/", self.base));
        let mut refreshed = false;
        loop {
            let sent = if own {
                self.authorization
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
            } else {
                None
            };
            let response = self.send(call, sent.as_deref())?;
            if response.status() != StatusCode::UNAUTHORIZED || !own {
                return Ok(response);
            }
            let challenge = response
                .headers()
                .get_all("www-authenticate")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(Challenge::parse)
                .max_by_key(|c| matches!(c, Challenge::Bearer { .. }));
            let Some(challenge) = challenge else {
                return Err(self.status_error(response, what, "no supported WWW-Authenticate challenge"));
            };
            if refreshed {
                let hint = match (&challenge, &self.credentials) {
                    (Challenge::Bearer { error: Some(e), .. }, _) if e == "insufficient_scope" => {
                        match call.access {
                            Access::Pull => {
                                "the token does not grant pull access to this repository".to_string()
                            }
                            Access::Push => self.push_denied(),
                        }
                    }
                    (_, Some(c)) => {
                        format!("user {:?} was refused (wrong user name or password?)", c.username)
                    }
                    (_, None) => {
                        "the registry requires credentials (--username and --password, or docker login)"
                            .to_string()
                    }
                };
                return Err(self.status_error(response, what, &hint));
            }
            let header = match challenge {
                Challenge::Basic { .. } => match &self.credentials {
                    Some(c) => c.basic_header(),
                    None => {
                        return Err(self.status_error(
                            response,
                            what,
                            "the registry requires a user name and password (--username and --password, \
                             or docker login)",
                        ));
                    }
                },
                Challenge::Bearer {
                    realm,
                    service,
                    scope,
                    ..
                } => {
                    let actions = match call.access {
                        Access::Pull => "pull",
                        Access::Push => "pull,push",
                    };
                    let scope = scope.unwrap_or_else(|| format!("repository:{}:{actions}", self.repository));
                    format!("Bearer {}", self.fetch_token(&realm, service.as_deref(), &scope)?)
                }
            };
            *self.authorization.lock().unwrap_or_else(|e| e.into_inner()) = Some(header);
            refreshed = true;
        }
    }

    /// The hint for a write the registry refused (401 after authenticating, 403).
    pub(crate) fn push_denied(&self) -> String {
        format!("the credentials do not allow pushing to {}", self.repository)
    }

    /// Asks a token server for a bearer token, with basic credentials when there are any.
    fn fetch_token(&self, realm: &str, service: Option<&str>, scope: &str) -> Result<String> {
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(self.error(format!("token realm {realm:?} is not an http(s) URL")));
        }
        let mut request = self.agent.get(realm);
        if let Some(s) = service {
            request = request.query("service", s);
        }
        request = request.query("scope", scope);
        if let Some(c) = &self.credentials {
            request = request.header("Authorization", c.basic_header());
        }
        let response = request
            .call()
            .map_err(|e| self.transport_error("GET", realm, e))?;
        let status = response.status();
        if !status.is_success() {
            let hint = match (status, &self.credentials) {
                (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, Some(c)) => {
                    format!("user {:?} was refused (wrong user name or password?)", c.username)
                }
                (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, None) => {
                    "anonymous access was refused; give --username and --password".to_string()
                }
                _ => "the token server failed".to_string(),
            };
            return Err(self.status_error(response, &format!("token from {realm}"), &hint));
        }
        let mut data = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(crate::source::MAX_JSON_BYTES)
            .read_to_end(&mut data)
            .map_err(|e| self.error(format!("token from {realm}: reading the answer failed: {e}")))?;
        let token: TokenResponse = serde_json::from_slice(&data)
            .map_err(|e| self.error(format!("token from {realm}: not a token response: {e}")))?;
        token
            .into_token()
            .ok_or_else(|| self.error(format!("token from {realm}: the answer holds no token")))
    }

    fn send(&self, call: &Call<'_>, authorization: Option<&str>) -> Result<Response<Body>> {
        let mut request = ureq::http::Request::builder()
            .method(call.method.clone())
            .uri(call.url.as_str());
        if let Some(a) = call.accept {
            request = request.header("Accept", a);
        }
        if let Some(t) = call.content_type {
            request = request.header("Content-Type", t);
        }
        if let Some(a) = authorization {
            request = request.header("Authorization", a);
        }
        let result = match call.body {
            Some(body) => request.body(body).map(|r| self.agent.run(r)),
            None => request.body(()).map(|r| self.agent.run(r)),
        };
        let result =
            result.map_err(|e| self.error(format!("{} {}: invalid request: {e}", call.method, call.url)))?;
        result.map_err(|e| self.transport_error(call.method.as_str(), &call.url, e))
    }

    /// An error for a request that got no HTTP answer (connection, TLS, timeout).
    pub(crate) fn transport_error(&self, method: &str, url: &str, e: ureq::Error) -> Error {
        let tls_failure = match &e {
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => true,
            ureq::Error::Io(io) => io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()),
            _ => false,
        };
        let reason = match &e {
            _ if tls_failure => format!(
                "{method} {url}: TLS failed: {e} (a private CA needs --ca-file; a plain-HTTP registry needs --insecure)"
            ),
            ureq::Error::Timeout(kind) => {
                format!(
                    "{method} {url}: no answer within {} s (timeout: {kind})",
                    self.timeout.as_secs()
                )
            }
            ureq::Error::Protocol(_) if url.starts_with("https://") => {
                format!("{method} {url}: {e} (does the registry speak plain HTTP? then use --insecure)")
            }
            ureq::Error::HostNotFound => format!("{method} {url}: host not found"),
            ureq::Error::ConnectionFailed => format!("{method} {url}: connection failed"),
            _ => format!("{method} {url}: {e}"),
        };
        self.error(reason)
    }

    /// An error for an unexpected status, with the registry's own error codes and a hint.
    pub(crate) fn status_error(&self, response: Response<Body>, what: &str, hint: &str) -> Error {
        let status = response.status();
        let mut data = Vec::new();
        // The body only adds detail; a failure to read it leaves the status alone to speak.
        let _ = response
            .into_body()
            .into_reader()
            .take(MAX_ERROR_BODY)
            .read_to_end(&mut data);
        let detail = registry_error_detail(&data);
        let mut reason = format!("{what}: {status}");
        if !detail.is_empty() {
            reason.push_str(&format!(" ({detail})"));
        }
        if !hint.is_empty() {
            reason.push_str(": ");
            reason.push_str(hint);
        }
        self.error(reason)
    }

    /// The hint for a status that is not success.
    pub(crate) fn status_hint(status: StatusCode) -> &'static str {
        match status.as_u16() {
            404 => "no such repository, tag or digest",
            403 => "access denied",
            429 => "too many requests; try again later",
            500..=599 => "the registry failed (server error)",
            _ => "",
        }
    }
}

/// `CODE: message` of each entry of a registry's `{"errors": [...]}` body, joined; empty otherwise.
fn registry_error_detail(data: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_slice::<Errors>(data) {
        Ok(e) => e
            .errors
            .iter()
            .map(|e| match (e.code.is_empty(), e.message.is_empty()) {
                (false, false) => format!("{}: {}", e.code, e.message),
                (false, true) => e.code.clone(),
                _ => e.message.clone(),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Err(_) => String::new(),
    }
}

/// The trusted roots: the CA file's certificates plus the bundled Mozilla roots.
fn root_certs(path: &std::path::Path) -> Result<RootCerts> {
    let pem = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(Error::malformed(path.display(), format!("invalid PEM: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(Error::malformed(
            path.display(),
            "no PEM certificate (-----BEGIN CERTIFICATE-----) found",
        ));
    }
    certs.extend(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| Certificate::from_der(c.as_ref())),
    );
    Ok(RootCerts::from(certs))
}

/// The credentials to use: the options' user name and password, else the first credential file
/// (containers `auth.json` or Docker `config.json`) with an entry for the registry.
fn credentials(registry: &str, options: &RegistryOptions) -> Result<Option<Credentials>> {
    match (&options.username, &options.password) {
        (Some(u), Some(p)) => {
            return Ok(Some(Credentials {
                username: u.clone(),
                password: p.clone(),
            }));
        }
        (Some(_), None) => {
            return Err(Error::Registry {
                registry: registry.to_string(),
                reason: "a user name was given without a password (--password or RENSA_REGISTRY_PASSWORD)"
                    .into(),
            });
        }
        (None, Some(_)) => {
            return Err(Error::Registry {
                registry: registry.to_string(),
                reason: "a password was given without a user name (--username)".into(),
            });
        }
        (None, None) => {}
    }
    let files = match &options.auth_file {
        Some(p) => vec![p.clone()],
        None => auth::default_auth_files(),
    };
    for path in files {
        if let Some(c) = auth::docker_config_credentials(&path, registry)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_host() {
        assert_eq!(api_host("docker.io"), "registry-1.docker.io");
        assert_eq!(api_host("index.docker.io"), "registry-1.docker.io");
        assert_eq!(api_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn upload_locations() {
        let reference = match crate::reference::ImageRef::parse("127.0.0.1:5000/demo/app:v1").unwrap() {
            crate::reference::ImageRef::Registry(r) => r,
            _ => unreachable!(),
        };
        let options = RegistryOptions {
            insecure: true,
            auth_file: Some("/nonexistent/rensa-test-auth.json".into()),
            ..Default::default()
        };
        let client = Client::new(&reference, &options).unwrap();
        let start = client.url("blobs/uploads/");
        assert_eq!(start, "http://127.0.0.1:5000/v2/demo/app/blobs/uploads/");
        assert_eq!(
            client.resolve("/v2/demo/app/blobs/uploads/u1?_state=s", &start),
            "http://127.0.0.1:5000/v2/demo/app/blobs/uploads/u1?_state=s"
        );
        assert_eq!(
            client.resolve("https://store.example/u/1", &start),
            "https://store.example/u/1"
        );
        assert_eq!(
            client.resolve("u2", &format!("{start}?x=1")),
            "http://127.0.0.1:5000/v2/demo/app/blobs/uploads/u2"
        );
    }

    #[test]
    fn error_details() {
        let body =
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#;
        assert_eq!(registry_error_detail(body), "MANIFEST_UNKNOWN: manifest unknown");
        assert_eq!(registry_error_detail(b"<html>"), "");
        assert_eq!(
            registry_error_detail(br#"{"errors":[{"code":"A"},{"message":"m"}]}"#),
            "A; m"
        );
    }
}
