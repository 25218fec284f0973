//! The one error type of this crate.

/// Everything that can go wrong while reading keys, signing, or reading and verifying payloads
/// and envelopes. Each variant names one distinct problem so that the CLI can explain it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds no PEM block at all, or the block is truncated or not valid PEM.
    #[error("not a valid PEM file: {0}")]
    Pem(#[source] pem_rfc7468::Error),

    /// A PEM block was found but its label is not one this reader accepts.
    #[error("unexpected PEM label `{found}` (expected {expected})")]
    PemLabel {
        /// The label that was found.
        found: String,
        /// The label or labels that would have been accepted.
        expected: &'static str,
    },

    /// The body of an encrypted key is not the JSON document cosign writes.
    #[error("encrypted key body is not valid cosign key JSON: {0}")]
    EncryptedKeyJson(#[source] serde_json::Error),

    /// A base64 field of the encrypted key JSON (salt, nonce or ciphertext) does not decode.
    #[error("encrypted key field `{field}` is not valid base64: {source}")]
    EncryptedKeyBase64 {
        /// The JSON field.
        field: &'static str,
        /// The decoding error.
        #[source]
        source: base64::DecodeError,
    },

    /// The key derivation function named in the key file is not scrypt.
    #[error("unsupported key derivation function `{0}` (only scrypt is supported)")]
    UnsupportedKdf(String),

    /// The scrypt parameters are not one of the three sets cosign accepts.
    #[error(
        "unsupported scrypt parameters N={n} r={r} p={p} (cosign accepts N=32768, 65536 or 131072 with r=8, p=1)"
    )]
    UnsupportedScryptParams {
        /// The cost parameter N.
        n: u64,
        /// The block size r.
        r: u64,
        /// The parallelism p.
        p: u64,
    },

    /// The cipher named in the key file is not NaCl secretbox.
    #[error("unsupported cipher `{0}` (only nacl/secretbox is supported)")]
    UnsupportedCipher(String),

    /// The secretbox nonce does not have the 24 bytes XSalsa20 needs.
    #[error("secretbox nonce must be 24 bytes, found {0}")]
    BadNonceLength(usize),

    /// The secretbox did not open: the password is wrong (or the ciphertext was altered).
    #[error("wrong password for the encrypted private key (or the key file was altered)")]
    WrongPassword,

    /// The decrypted or given private key is not a well-formed PKCS#8 document.
    #[error("private key is not valid PKCS#8: {0}")]
    Pkcs8(#[source] pkcs8::Error),

    /// The public key is not a well-formed SubjectPublicKeyInfo document.
    #[error("public key is not valid SubjectPublicKeyInfo: {0}")]
    Spki(#[source] spki::Error),

    /// The key uses an algorithm (or elliptic curve) that is not supported.
    #[error("unsupported key algorithm {0}")]
    UnsupportedAlgorithm(String),

    /// An RSA key size outside 2048..=4096 bits was asked for.
    #[error("unsupported RSA key size {0} bits (2048 to 4096 are supported)")]
    UnsupportedRsaSize(usize),

    /// Key generation or signing failed inside the cryptographic library.
    #[error("{operation} failed: {source}")]
    Crypto {
        /// What was being done.
        operation: &'static str,
        /// The library's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(#[source] getrandom::Error),

    /// The signature bytes cannot be a signature of this key type (wrong encoding or length).
    #[error("malformed {algorithm} signature: {detail}")]
    MalformedSignature {
        /// The key algorithm.
        algorithm: &'static str,
        /// What is wrong.
        detail: String,
    },

    /// The signature is well-formed but does not verify with this key over this message.
    #[error("signature does not verify with key {key_id}")]
    BadSignature {
        /// The fingerprint of the key that was tried.
        key_id: String,
    },

    /// A simple-signing payload is not valid JSON of the expected shape.
    #[error("simple-signing payload is malformed: {0}")]
    SimpleSigningJson(#[source] serde_json::Error),

    /// The `critical.type` of a simple-signing payload is not the cosign one.
    #[error("simple-signing payload has type `{0}`, expected `cosign container image signature`")]
    SimpleSigningType(String),

    /// The manifest digest in a simple-signing payload is not `sha256:` and 64 lower-case hex digits.
    #[error("malformed manifest digest `{0}` (expected sha256: and 64 lower-case hex digits)")]
    BadDigest(String),

    /// A containers/image `sigstore-json` signature file is malformed.
    #[error("containers/image sigstore-json signature is malformed: {0}")]
    DirSignature(String),

    /// A DSSE envelope is not valid JSON of the expected shape.
    #[error("DSSE envelope is malformed: {0}")]
    DsseJson(#[source] serde_json::Error),

    /// A base64 field of a DSSE envelope does not decode.
    #[error("DSSE envelope field `{field}` is not valid base64: {source}")]
    DsseBase64 {
        /// The field (`payload` or `signatures[N].sig`).
        field: String,
        /// The decoding error.
        #[source]
        source: base64::DecodeError,
    },

    /// The envelope carries no signatures.
    #[error("DSSE envelope has no signatures")]
    DsseNoSignatures,

    /// The envelope's payload type is not the one the caller expects.
    #[error("DSSE payload type is `{found}`, expected `{expected}`")]
    DssePayloadType {
        /// The type in the envelope.
        found: String,
        /// The type the caller asked for.
        expected: String,
    },

    /// None of the envelope's signatures verifies with the given key.
    #[error("no signature in the DSSE envelope verifies with key {key_id} ({tried} tried)")]
    DsseNoValidSignature {
        /// The fingerprint of the key that was tried.
        key_id: String,
        /// How many signatures were checked.
        tried: usize,
    },

    /// An in-toto statement is not valid JSON of the expected shape.
    #[error("in-toto statement is malformed: {0}")]
    StatementJson(#[source] serde_json::Error),

    /// The statement's `_type` is not in-toto Statement v1.
    #[error("in-toto statement has _type `{0}`, expected `https://in-toto.io/Statement/v1`")]
    StatementType(String),

    /// The statement breaks a rule of the specification (no subjects, a subject without digest, ...).
    #[error("invalid in-toto statement: {0}")]
    StatementInvalid(String),

    /// A time is not an RFC 3339 timestamp (`2026-01-02T03:04:05Z`, offsets allowed).
    #[error("`{0}` is not an RFC 3339 timestamp")]
    Timestamp(String),

    /// A predicate does not have the shape its predicate type requires.
    #[error("{predicate_type} predicate is invalid: {message}")]
    Predicate {
        /// The predicate type URI.
        predicate_type: String,
        /// What is wrong.
        message: String,
        /// The JSON error, when the predicate did not deserialize.
        #[source]
        source: Option<serde_json::Error>,
    },

    /// A trust policy is not valid YAML or does not have the expected shape.
    #[error("{origin}:{line}: {message}")]
    PolicyYaml {
        /// Where the policy came from (its file name).
        origin: String,
        /// The 1-based line (0 when the parser knows none).
        line: u64,
        /// The parser's message.
        message: String,
        /// The parser's error.
        #[source]
        source: Box<serde_saphyr::Error>,
    },

    /// A trust policy parses but breaks a rule (unknown key name, bad threshold, bad glob, ...).
    #[error("{origin}:{line}: {message}")]
    PolicyInvalid {
        /// Where the policy came from (its file name).
        origin: String,
        /// The 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },

    /// A key named in a trust policy cannot be read.
    #[error("{origin}:{line}: key `{name}`: cannot read {path}: {source}")]
    PolicyKeyRead {
        /// Where the policy came from.
        origin: String,
        /// The 1-based line of the key.
        line: u64,
        /// The key's name in the policy.
        name: String,
        /// The path as written in the policy.
        path: String,
        /// The reading error.
        #[source]
        source: std::io::Error,
    },

    /// A key named in a trust policy is not a valid public key.
    #[error("{origin}:{line}: key `{name}`: {source}")]
    PolicyKey {
        /// Where the policy came from.
        origin: String,
        /// The 1-based line of the key.
        line: u64,
        /// The key's name in the policy.
        name: String,
        /// Why the key is not valid.
        #[source]
        source: Box<Error>,
    },

    /// A containers-policy.json file is not valid JSON of the expected shape.
    #[error("containers-policy.json is malformed: {0}")]
    ContainersPolicyJson(#[source] serde_json::Error),

    /// A containers-policy.json file uses something rensa cannot represent.
    #[error("containers-policy.json {location}: {message}")]
    ContainersPolicyUnsupported {
        /// Where in the file (`default`, `transports.docker["SCOPE"][N]`, ...).
        location: String,
        /// What cannot be imported, and why.
        message: String,
    },

    /// A key file named by `keyPath` in containers-policy.json cannot be read.
    #[error("containers-policy.json {location}: cannot read key {path}: {source}")]
    ContainersPolicyKeyRead {
        /// Where in the file.
        location: String,
        /// The `keyPath`.
        path: String,
        /// The reading error.
        #[source]
        source: std::io::Error,
    },

    /// A key in containers-policy.json (`keyPath` file or `keyData`) is not a valid public key.
    #[error("containers-policy.json {location}: {source}")]
    ContainersPolicyKey {
        /// Where in the file (`transports.docker["SCOPE"][N].keyData`, ...).
        location: String,
        /// Why the key is not valid.
        #[source]
        source: Box<Error>,
    },

    /// A rensa trust policy cannot be expressed as containers-policy.json.
    #[error("cannot export {location} to containers-policy.json: {message}")]
    ContainersPolicyExport {
        /// Which part of the policy (`default`, `scope "PATTERN"`).
        location: String,
        /// What cannot be expressed.
        message: String,
    },

    /// in-toto 1.x metadata (a layout, a link or a key file) is not JSON of the shape the in-toto
    /// specification gives.
    #[error("in-toto {what} is malformed: {detail}")]
    InTotoMetadata {
        /// Which document (`layout`, `layout step `build``, `link`, `key file`).
        what: String,
        /// What is wrong.
        detail: String,
        /// The JSON error, when the document did not parse.
        #[source]
        source: Option<serde_json::Error>,
    },

    /// A securesystemslib key (in a layout or a key file) is malformed, private, or of an
    /// unsupported type or scheme.
    #[error("in-toto key {key}: {detail}")]
    InTotoKey {
        /// The keyid (or `file` for a key file, `layout` for the set of layout keys).
        key: String,
        /// What is wrong.
        detail: String,
        /// The underlying error (PEM, SubjectPublicKeyInfo, JSON).
        #[source]
        source: Option<Box<Error>>,
    },

    /// A cosign signature or attestation manifest (or one of its layers) is malformed.
    #[error("cosign manifest: {0}")]
    CosignManifest(String),

    /// A trust policy file cannot be read (or is not UTF-8 text).
    #[error("{path}: cannot read the trust policy: {source}")]
    PolicyRead {
        /// The file.
        path: std::path::PathBuf,
        /// The reading error.
        #[source]
        source: std::io::Error,
    },

    /// A registry request failed (feature `registry`).
    #[cfg(feature = "registry")]
    #[error(transparent)]
    Registry(#[from] rensa_oci::Error),

    /// An image reference is not a registry reference, or names no image in the registry
    /// (feature `registry`).
    #[cfg(feature = "registry")]
    #[error("{image}: {message}")]
    Image {
        /// The reference as given.
        image: String,
        /// What is wrong.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[test]
    fn error_is_send_sync_and_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<super::Error>();
    }
}
