//! One repository of a registry, read and written: manifests by tag or digest, blobs, blob uploads and
//! manifest pushes (what signing and attesting need), through the same [`Client`] as pulls (TLS roots,
//! timeouts, basic or bearer authentication with the `pull,push` scope for writes).

use std::io::Read;

use ureq::http::{Method, StatusCode};

use super::client::{Access, Call, Client};
use super::{BlobReader, MANIFEST_ACCEPT, RegistryOptions, manifest_media_type};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::reference::RegistryRef;
use crate::source::MAX_JSON_BYTES;

/// A client for one repository of a registry (`127.0.0.1:5000/demo/app`): reads and writes manifests
/// and blobs.
///
/// Every request authenticates as the registry asks: anonymously first, then with basic credentials or
/// a bearer token from the registry's token server. Reads ask for the scope `repository:REPO:pull` and
/// writes for `repository:REPO:pull,push` when the registry's challenge names no scope; a write that is
/// refused with a token that only allows pulling gets a new token for the scope the registry asks for.
pub struct Repository {
    client: Client,
    /// `REGISTRY/REPOSITORY`, for messages.
    location: String,
}

/// A manifest (or index) as a registry returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryManifest {
    /// The digest of `data` (the digest asked for, when asked by digest).
    pub digest: Digest,
    /// The manifest's `mediaType`, else the registry's `Content-Type`, else a guess from its shape.
    pub media_type: String,
    /// The manifest's bytes, exactly as received.
    pub data: Vec<u8>,
}

/// The answer to a manifest request: the manifest, or the registry's 404 as an error for callers that
/// need one.
pub(crate) enum Lookup {
    Found(RegistryManifest),
    NotFound(Error),
}

/// The `Content-Type` of blob uploads.
const OCTET_STREAM: &str = "application/octet-stream";

impl Repository {
    /// A client for `reference.registry` / `reference.repository` (tag and digest of `reference` ignored).
    ///
    /// Fails when the options are unusable (a CA file that is not PEM, a user name without a password);
    /// nothing is sent yet.
    pub fn open(reference: &RegistryRef, options: &RegistryOptions) -> Result<Repository> {
        let client = Client::new(reference, options)?;
        Ok(Repository {
            location: format!("{}/{}", reference.registry, reference.repository),
            client,
        })
    }

    /// The registry as named (`127.0.0.1:5000`).
    pub fn registry(&self) -> &str {
        self.client.registry()
    }

    /// The repository (`demo/app`).
    pub fn repository(&self) -> &str {
        self.client.repository()
    }

    /// `REGISTRY/REPOSITORY` (`127.0.0.1:5000/demo/app`), as messages name it.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// `GET /v2/REPO/manifests/REFERENCE` (a tag or `sha256:…`), accepting OCI manifests and indexes and
    /// Docker v2 manifests and manifest lists.
    ///
    /// Returns `Ok(None)` when the registry answers 404 (no such tag, digest or repository). The
    /// returned digest is that of the bytes received: when `reference` is a digest and the bytes do not
    /// hash to it, or the registry's `Docker-Content-Digest` header names another digest, that is an
    /// [`Error::ManifestDigestMismatch`]. Manifests larger than [`MAX_JSON_BYTES`] are refused.
    pub fn manifest(&self, reference: &str) -> Result<Option<RegistryManifest>> {
        match self.lookup_manifest(reference)? {
            Lookup::Found(m) => Ok(Some(m)),
            Lookup::NotFound(_) => Ok(None),
        }
    }

    /// [`Repository::manifest`], with a 404 kept as the error the registry's answer makes.
    pub(crate) fn lookup_manifest(&self, reference: &str) -> Result<Lookup> {
        let expected = parse_reference(reference)?;
        let name = self.manifest_name(reference, expected.is_some());
        let what = format!("manifest {name}");
        let response = self
            .client
            .get(&format!("manifests/{reference}"), Some(MANIFEST_ACCEPT), &what)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(Lookup::NotFound(self.client.status_error(
                response,
                &what,
                Client::status_hint(status),
            )));
        }
        if !status.is_success() {
            return Err(self
                .client
                .status_error(response, &what, Client::status_hint(status)));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let stated = header("docker-content-digest");
        let mut data = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_JSON_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| self.client.error(format!("{what}: reading failed: {e}")))?;
        if data.len() as u64 > MAX_JSON_BYTES {
            return Err(Error::malformed(
                &self.location,
                format!("{what} is larger than {MAX_JSON_BYTES} bytes"),
            ));
        }
        let check = |expected: &Digest| {
            let mut hasher = expected.hasher();
            hasher.update(&data);
            let actual = hasher.finish();
            if &actual == expected {
                Ok(())
            } else {
                Err(Error::ManifestDigestMismatch {
                    manifest: name.clone(),
                    expected: expected.to_string(),
                    actual: actual.to_string(),
                })
            }
        };
        let digest = match expected {
            Some(expected) => {
                check(&expected)?;
                expected
            }
            None => {
                if let Some(stated) = &stated {
                    let stated = Digest::parse(stated).map_err(|_| {
                        self.client
                            .error(format!("{what}: invalid Docker-Content-Digest header {stated:?}"))
                    })?;
                    check(&stated)?;
                }
                Digest::sha256_of(&data)
            }
        };
        let media_type = manifest_media_type(&data, &content_type);
        Ok(Lookup::Found(RegistryManifest {
            digest,
            media_type,
            data,
        }))
    }

    /// GETs a blob, at most `max_bytes` of it (a larger blob is an error, found from its
    /// `Content-Length` before reading when the registry sends one), verified against `digest`.
    ///
    /// Errors: [`Error::MissingBlob`] on 404, [`Error::Malformed`] when larger than `max_bytes`,
    /// [`Error::DigestMismatch`] when the bytes do not hash to `digest`.
    pub fn blob(&self, digest: &Digest, max_bytes: u64) -> Result<Vec<u8>> {
        let too_large = || {
            Error::malformed(
                &self.location,
                format!("blob {digest} is larger than the limit of {max_bytes} bytes"),
            )
        };
        let (response, what) = self.blob_response(digest, "blob")?;
        let length = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if length.is_some_and(|n| n > max_bytes) {
            return Err(too_large());
        }
        let mut data = Vec::new();
        self.blob_reader(response)
            .take(max_bytes.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| self.client.error(format!("{what}: reading failed: {e}")))?;
        if data.len() as u64 > max_bytes {
            return Err(too_large());
        }
        let mut hasher = digest.hasher();
        hasher.update(&data);
        let actual = hasher.finish();
        if &actual != digest {
            return Err(Error::DigestMismatch {
                location: self.location.clone(),
                expected: digest.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(data)
    }

    /// Whether the repository has the blob (`HEAD /v2/REPO/blobs/DIGEST`: 200 yes, 404 no).
    pub fn blob_exists(&self, digest: &Digest) -> Result<bool> {
        self.head_blob(
            digest,
            Access::Pull,
            &format!("blob {digest} of {}", self.location),
        )
    }

    fn head_blob(&self, digest: &Digest, access: Access, what: &str) -> Result<bool> {
        let url = self.client.url(&format!("blobs/{digest}"));
        let what = format!("{what}: HEAD {url}");
        let response = self.client.call(&Call::new(Method::HEAD, url, access), &what)?;
        match response.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            s => Err(self.client.status_error(response, &what, &self.hint(s, access))),
        }
    }

    /// Uploads `data` as a blob unless the registry already has it (`HEAD /v2/REPO/blobs/DIGEST`
    /// answering 200 skips the upload), and returns its sha256 digest.
    ///
    /// The upload is `POST /v2/REPO/blobs/uploads/` followed by one monolithic `PUT` to the `Location`
    /// the registry gives (absolute or relative; `digest=` appended to its query). A `Location` on
    /// another host gets no `Authorization` header.
    pub fn push_blob(&self, data: &[u8]) -> Result<Digest> {
        let digest = Digest::sha256_of(data);
        let what = format!("pushing blob {digest} to {}", self.location);
        if self.head_blob(&digest, Access::Push, &what)? {
            return Ok(digest);
        }
        let start_url = self.client.url("blobs/uploads/");
        let start_what = format!("{what}: POST {start_url}");
        let start = Call {
            body: Some(&[]),
            ..Call::new(Method::POST, start_url.clone(), Access::Push)
        };
        let response = self.client.call(&start, &start_what)?;
        let status = response.status();
        if status != StatusCode::ACCEPTED {
            return Err(self
                .client
                .status_error(response, &start_what, &self.hint(status, Access::Push)));
        }
        let Some(location) = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty())
        else {
            return Err(self.client.error(format!(
                "{start_what}: the registry started an upload without a Location header"
            )));
        };
        let mut url = self.client.resolve(location.trim(), &start_url);
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("digest={digest}"));
        let put_what = format!("{what}: PUT {url}");
        let put = Call {
            body: Some(data),
            content_type: Some(OCTET_STREAM),
            ..Call::new(Method::PUT, url, Access::Push)
        };
        let response = self.client.call(&put, &put_what)?;
        let status = response.status();
        if !status.is_success() {
            return Err(self
                .client
                .status_error(response, &put_what, &self.hint(status, Access::Push)));
        }
        self.check_stated_digest(&response, &digest, data, &put_what)?;
        Ok(digest)
    }

    /// `PUT /v2/REPO/manifests/REFERENCE` (a tag or a digest) with `Content-Type: media_type`; returns
    /// the sha256 digest of `data`.
    ///
    /// When `reference` is a digest, `data` must hash to it (checked before sending). When the registry
    /// answers with a `Docker-Content-Digest` header that `data` does not hash to, that is an error. The
    /// blobs the manifest names must be in the repository already (push them with
    /// [`Repository::push_blob`]); otherwise the registry refuses it (`MANIFEST_BLOB_UNKNOWN`).
    pub fn put_manifest(&self, reference: &str, data: &[u8], media_type: &str) -> Result<Digest> {
        let expected = parse_reference(reference)?;
        let name = self.manifest_name(reference, expected.is_some());
        let digest = Digest::sha256_of(data);
        if let Some(expected) = &expected {
            let mut hasher = expected.hasher();
            hasher.update(data);
            let actual = hasher.finish();
            if &actual != expected {
                return Err(Error::malformed(
                    &self.location,
                    format!("the manifest to push as {expected} hashes to {actual}"),
                ));
            }
        }
        let url = self.client.url(&format!("manifests/{reference}"));
        let what = format!("pushing manifest {name}: PUT {url}");
        let call = Call {
            body: Some(data),
            content_type: Some(media_type),
            ..Call::new(Method::PUT, url, Access::Push)
        };
        let response = self.client.call(&call, &what)?;
        let status = response.status();
        if !status.is_success() {
            return Err(self
                .client
                .status_error(response, &what, &self.hint(status, Access::Push)));
        }
        self.check_stated_digest(&response, &digest, data, &what)?;
        Ok(digest)
    }

    /// Checks the `Docker-Content-Digest` of a write's answer, when there is one, against `data`.
    fn check_stated_digest(
        &self,
        response: &ureq::http::Response<ureq::Body>,
        digest: &Digest,
        data: &[u8],
        what: &str,
    ) -> Result<()> {
        let Some(stated) = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(());
        };
        let stated_digest = Digest::parse(stated.trim()).map_err(|_| {
            self.client
                .error(format!("{what}: invalid Docker-Content-Digest header {stated:?}"))
        })?;
        let mut hasher = stated_digest.hasher();
        hasher.update(data);
        if hasher.finish() != stated_digest {
            return Err(self.client.error(format!(
                "{what}: the registry stored it as {stated_digest} (Docker-Content-Digest), \
                 but what was sent hashes to {digest}"
            )));
        }
        Ok(())
    }

    /// The hint for a refused request.
    fn hint(&self, status: StatusCode, access: Access) -> String {
        match (status.as_u16(), access) {
            (401 | 403, Access::Push) => self.client.push_denied(),
            (400, Access::Push) => "the registry refused what was sent".to_string(),
            _ => Client::status_hint(status).to_string(),
        }
    }

    /// `REGISTRY/REPO:TAG` or `REGISTRY/REPO@DIGEST`.
    fn manifest_name(&self, reference: &str, is_digest: bool) -> String {
        let sep = if is_digest { '@' } else { ':' };
        format!("{}{sep}{reference}", self.location)
    }

    /// Sends `GET /v2/REPO/blobs/DIGEST` and checks the status; `label` names the blob for messages.
    pub(crate) fn blob_response(
        &self,
        digest: &Digest,
        label: &str,
    ) -> Result<(ureq::http::Response<ureq::Body>, String)> {
        let what = format!("{label} {digest} of {}", self.location);
        let response = self.client.get(&format!("blobs/{digest}"), None, &what)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Err(Error::MissingBlob {
                location: self.location.clone(),
                digest: digest.to_string(),
            });
        }
        if !status.is_success() {
            return Err(self
                .client
                .status_error(response, &what, Client::status_hint(status)));
        }
        Ok((response, what))
    }

    /// The body of a blob response, with transport errors (timeouts, dropped connections) naming the
    /// registry.
    pub(crate) fn blob_reader(
        &self,
        response: ureq::http::Response<ureq::Body>,
    ) -> Box<dyn Read + Send + 'static> {
        Box::new(BlobReader {
            inner: response.into_body().into_reader(),
            registry: self.client.registry().to_string(),
            timeout_secs: self.client.timeout().as_secs(),
        })
    }
}

/// The digest of a digest reference, `None` for a tag; an error for anything that is neither (a tag
/// is `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`).
fn parse_reference(reference: &str) -> Result<Option<Digest>> {
    if reference.contains(':') {
        return Digest::parse(reference).map(Some);
    }
    let valid = !reference.is_empty()
        && reference.len() <= 128
        && !reference.starts_with(['.', '-'])
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if valid {
        Ok(None)
    } else {
        Err(Error::Reference {
            reference: reference.to_string(),
            reason: "not a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) or a digest (ALGORITHM:HEX)".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shareable_between_threads() {
        fn check<T: Send + Sync>() {}
        check::<Repository>();
        check::<RegistryManifest>();
    }

    #[test]
    fn references() {
        assert!(parse_reference("v1").unwrap().is_none());
        assert!(parse_reference("sha256-ab.sig").unwrap().is_none());
        let d = Digest::sha256_of(b"x");
        assert_eq!(parse_reference(&d.to_string()).unwrap(), Some(d));
        for bad in ["", "../x", "a/b", ".x", "-x", "a b", "sha256:zz"] {
            assert!(parse_reference(bad).is_err(), "{bad}");
        }
        assert!(parse_reference(&"a".repeat(129)).is_err());
    }
}
