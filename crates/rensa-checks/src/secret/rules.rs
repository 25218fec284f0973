//! The secret rules: metadata (a [`Rule`] each) and how each one is found (keywords for the prefilter,
//! a byte regex whose group `s` is the secret, which files it applies to and how candidates are checked).
//!
//! The patterns are written from the token formats' own documentation; the source is noted per rule.

use crate::finding::{Category, Severity};
use crate::rule::Rule;

const NIST: &str = "NIST SP 800-190 3.1.4 (Embedded clear text secrets)";
const CIS: &str = "CIS Docker Benchmark 4.10 (Ensure secrets are not stored in Dockerfiles)";
const ISO_CRYPTO: &str = "ISO/IEC 27001:2022 A.8.24 (Use of cryptography)";
const ISO_AUTH: &str = "ISO/IEC 27001:2022 A.5.17 (Authentication information)";

const RATIONALE: &str = "Anyone who can pull the image can read every file of every layer, so a credential \
     stored in it is disclosed to all of them (registries, mirrors, CI caches, every host that runs it) and \
     stays valid until it is rotated.";

const REMEDIATION: &str = "Rotate the credential now (treat it as leaked). Remove it from the layer that adds \
     it and rebuild: deleting the file in a later layer does not remove it from the image, whose earlier \
     layers still hold it. Pass the credential at build or run time instead: a build secret mount \
     (`RUN --mount=type=secret`), a runtime secret (Kubernetes Secret, Docker/Podman secret) or a secrets \
     manager.";

/// Which files a detector applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Files {
    /// Every scanned file.
    Any,
    /// Configuration files only (see [`super::is_config_path`]).
    Config,
    /// Files whose base name is one of these.
    Named(&'static [&'static str]),
    /// Files whose path ends with one of these.
    Suffix(&'static [&'static str]),
}

/// An extra check of a regex match that rules out decoys and look-alikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Only the placeholder checks common to every rule.
    Token,
    /// A value typed by a person (`password=`): also rejects variables, templates and filler words.
    Value,
    /// A PEM/OpenSSH private key: the header must be followed by a key body and an `-----END` line.
    PrivateKey,
    /// A JSON Web Token: the first part must decode to a JSON header naming `alg` or `typ`.
    Jwt,
    /// A Docker `auths.*.auth` value: must decode to `user:password` with a non-empty password.
    DockerAuth,
    /// A GCP service-account file: the file must also hold a `private_key`.
    GcpServiceAccount,
}

/// How one rule is found.
#[derive(Debug)]
pub(crate) struct Detector {
    /// The rule's metadata.
    pub meta: Rule,
    /// Literal keywords, one of which every match contains (the prefilter).
    pub keywords: &'static [&'static str],
    /// Whether the keywords are also matched in lower case, upper case and with a capital first letter
    /// (the regex itself then ignores case; a keyword in other mixed case, `PassWord`, is not seen).
    pub ignore_case: bool,
    /// The byte regex (ASCII mode is added when compiled); group `s` is the secret value.
    pub pattern: &'static str,
    /// Which files the rule applies to.
    pub files: Files,
    /// The candidate check.
    pub check: Check,
    /// Whether a match spans lines (private keys): the regex then runs from the keyword's line onwards.
    pub multiline: bool,
    /// Whether this rule only recognises a credential by its context (`password=` in a config file): its
    /// hits are dropped where a rule that knows the credential's own format matched the same bytes.
    pub contextual: bool,
}

macro_rules! meta {
    ($id:literal, $sev:ident, $title:literal, [$($doc:literal),* $(,)?]) => {
        Rule {
            id: $id,
            category: Category::Secret,
            severity: Severity::$sev,
            title: $title,
            rationale: RATIONALE,
            remediation: REMEDIATION,
            references: &[NIST, CIS, ISO_AUTH, ISO_CRYPTO, $($doc),*],
        }
    };
}

/// Every secret detector, in report order of rule id.
pub(crate) static DETECTORS: &[Detector] = &[
    // age specification (C2SP age.md): X25519 identities are Bech32 with HRP AGE-SECRET-KEY-.
    Detector {
        meta: meta!(
            "secret-age-key",
            Critical,
            "age secret key",
            ["https://github.com/C2SP/C2SP/blob/main/age.md"]
        ),
        keywords: &["AGE-SECRET-KEY-1"],
        ignore_case: false,
        pattern: r"(?P<s>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // AWS IAM "Unique identifier prefixes": AKIA (access key), ASIA (temporary, STS), ABIA/ACCA (service
    // keys); the id is 20 upper-case alphanumerics.
    Detector {
        meta: meta!(
            "secret-aws-access-key",
            Critical,
            "AWS access key ID",
            [
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids"
            ]
        ),
        keywords: &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        ignore_case: false,
        pattern: r"\b(?P<s>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // AWS CLI "Configuration and credential file settings": aws_secret_access_key is 40 base64 characters;
    // recognised by its setting or environment-variable name.
    Detector {
        meta: meta!(
            "secret-aws-secret-key",
            Critical,
            "AWS secret access key",
            ["https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html"]
        ),
        keywords: &["secret"],
        ignore_case: true,
        pattern: r#"(?i)(?:aws[_.-]?)?secret[_.-]?(?:access[_.-]?)?key["']?\s*(?::|=>|=)\s*["']?(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Azure Storage "Configure a connection string": AccountKey= is the base64 of a 64-byte key (88 chars).
    Detector {
        meta: meta!(
            "secret-azure-storage-key",
            Critical,
            "Azure storage account key",
            ["https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string"]
        ),
        keywords: &["AccountKey"],
        ignore_case: true,
        pattern: r"(?i)AccountKey\s*=\s*(?P<s>[A-Za-z0-9+/]{86}==)",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // DigitalOcean "Personal access tokens" (2022 format): dop_v1_/doo_v1_/dor_v1_ + 64 hex digits.
    Detector {
        meta: meta!(
            "secret-digitalocean-token",
            Critical,
            "DigitalOcean token",
            ["https://docs.digitalocean.com/reference/api/create-personal-access-token/"]
        ),
        keywords: &["dop_v1_", "doo_v1_", "dor_v1_"],
        ignore_case: false,
        pattern: r"\b(?P<s>do[opr]_v1_[a-f0-9]{64})\b",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Docker CLI configuration file (config.json): auths.<registry>.auth is base64("user:password");
    // identitytoken/registrytoken hold tokens. Podman's containers-auth.json has the same shape.
    Detector {
        meta: meta!(
            "secret-docker-config-auth",
            High,
            "Registry credentials in a Docker/Podman auth file",
            [
                "https://docs.docker.com/reference/cli/docker/login/",
                "https://github.com/containers/image/blob/main/docs/containers-auth.json.5.md"
            ]
        ),
        keywords: &["\"auth\"", "identityToken", "registryToken"],
        ignore_case: true,
        pattern: r#"(?i)"(?:auth|identitytoken|registrytoken)"\s*:\s*"(?P<s>[A-Za-z0-9+/=_.-]{8,})""#,
        files: Files::Suffix(&[".docker/config.json", "/.dockercfg", "containers/auth.json"]),
        check: Check::DockerAuth,
        multiline: false,
        contextual: true,
    },
    // Google Cloud "Create and delete service account keys": the JSON key file has "type": "service_account"
    // and the key in "private_key".
    Detector {
        meta: meta!(
            "secret-gcp-service-account",
            Critical,
            "GCP service-account key file",
            ["https://cloud.google.com/iam/docs/keys-create-delete"]
        ),
        keywords: &["service_account"],
        ignore_case: false,
        pattern: r#""type"\s*:\s*"(?P<s>service_account)""#,
        files: Files::Any,
        check: Check::GcpServiceAccount,
        multiline: false,
        contextual: false,
    },
    // Generic credentials assigned in configuration files (`password=`, `api_key:`, `client_secret =`).
    Detector {
        meta: meta!(
            "secret-generic-assignment",
            Medium,
            "Password or key assigned in a configuration file",
            []
        ),
        keywords: &[
            "password",
            "passwd",
            "passphrase",
            "secret",
            "api_key",
            "api-key",
            "apikey",
            "access_token",
            "access-token",
            "auth_token",
            "auth-token",
            "private_key",
            "private-key",
            "apiKey",
            "accessToken",
            "authToken",
            "privateKey",
        ],
        ignore_case: true,
        pattern: r#"(?i)(?:^|[^A-Za-z0-9])[A-Za-z0-9_.-]{0,40}?(?:password|passwd|passphrase|secret|api[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key)["']?\s*(?::|=>|=)\s*["']?(?P<s>[^\s"'`,;]{6,200})"#,
        files: Files::Config,
        check: Check::Value,
        multiline: false,
        contextual: true,
    },
    // GitHub "About authentication to GitHub" / "Behind GitHub's new authentication token formats" (2021):
    // ghp_ (classic PAT), gho_ (OAuth), ghu_/ghs_ (app user/server), ghr_ (refresh), github_pat_
    // (fine-grained PAT).
    Detector {
        meta: meta!(
            "secret-github-token",
            High,
            "GitHub token",
            [
                "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats"
            ]
        ),
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        ignore_case: false,
        pattern: r"\b(?P<s>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})\b",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // GitLab "GitLab token overview" (token prefixes): glpat- (personal), gldt- (deploy), glrt- (runner),
    // glptt- (pipeline trigger), glcbt- (CI job), gloas- (OAuth app secret), ...; GR1348941 for runner
    // registration tokens.
    Detector {
        meta: meta!(
            "secret-gitlab-token",
            High,
            "GitLab token",
            ["https://docs.gitlab.com/security/tokens/#token-prefixes"]
        ),
        keywords: &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glcbt-",
            "glimt-",
            "glagent-",
            "gloas-",
            "glsoat-",
            "glffct-",
            "GR1348941",
        ],
        ignore_case: false,
        pattern: r"\b(?P<s>(?:glpat|gldt|glrt|glptt|glcbt|glimt|glagent|gloas|glsoat|glffct)-[A-Za-z0-9_-]{20,64}|GR1348941[A-Za-z0-9_-]{20,64})(?:[^A-Za-z0-9_-]|$)",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Google Cloud "Manage API keys": keys are 39 characters starting with AIza.
    Detector {
        meta: meta!(
            "secret-google-api-key",
            High,
            "Google API key",
            ["https://cloud.google.com/docs/authentication/api-keys"]
        ),
        keywords: &["AIza"],
        ignore_case: false,
        pattern: r"\b(?P<s>AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Heroku Platform API "Authentication": API keys are UUIDs (named after heroku) or HRKU- tokens.
    Detector {
        meta: meta!(
            "secret-heroku-key",
            High,
            "Heroku API key",
            ["https://devcenter.heroku.com/articles/platform-api-quickstart#authentication"]
        ),
        keywords: &["heroku"],
        ignore_case: true,
        pattern: r#"(?i)heroku[A-Za-z0-9_ .-]{0,20}["']?\s*(?::|=>|=)\s*["']?(?P<s>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|HRKU-[A-Za-z0-9_-]{20,})\b"#,
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Hugging Face "User access tokens": hf_ followed by 34 letters and digits.
    Detector {
        meta: meta!(
            "secret-huggingface-token",
            High,
            "Hugging Face access token",
            ["https://huggingface.co/docs/hub/security-tokens"]
        ),
        keywords: &["hf_"],
        ignore_case: false,
        pattern: r"\b(?P<s>hf_[A-Za-z0-9]{34,40})\b",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // RFC 7519 / RFC 7515 compact serialization: base64url(header).base64url(payload).signature; the JSON
    // header and payload start with `{"`, i.e. `eyJ`.
    Detector {
        meta: meta!(
            "secret-jwt",
            Medium,
            "JSON Web Token",
            ["https://www.rfc-editor.org/rfc/rfc7519"]
        ),
        keywords: &["eyJ"],
        ignore_case: false,
        pattern: r"\b(?P<s>eyJ[A-Za-z0-9_-]{15,}\.ey[A-Za-z0-9_-]{15,}\.[A-Za-z0-9_-]{10,})",
        files: Files::Any,
        check: Check::Jwt,
        multiline: false,
        contextual: false,
    },
    // npm "Creating and viewing access tokens" / "About access tokens": npm_ followed by 36 alphanumerics.
    Detector {
        meta: meta!(
            "secret-npm-token",
            High,
            "npm access token",
            ["https://docs.npmjs.com/about-access-tokens"]
        ),
        keywords: &["npm_"],
        ignore_case: false,
        pattern: r"\b(?P<s>npm_[A-Za-z0-9]{36})\b",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // npm "npmrc" / "config": auth settings `_authToken`, `_auth` (base64 user:password) and `_password`,
    // optionally scoped to a registry (`//registry.npmjs.org/:_authToken=`).
    Detector {
        meta: meta!(
            "secret-npmrc-auth",
            High,
            "Registry credentials in an .npmrc file",
            ["https://docs.npmjs.com/cli/v10/configuring-npm/npmrc#auth-related-configuration"]
        ),
        keywords: &["_auth", "_password"],
        ignore_case: false,
        pattern: r"(?m)^\s*(?:[^\s=#;]*:)?(?:_authToken|_auth|_password)\s*=\s*(?P<s>[^\s]+)",
        files: Files::Named(&[".npmrc", "npmrc"]),
        check: Check::Value,
        multiline: false,
        contextual: true,
    },
    // OpenAI API keys: sk-/sk-proj-/sk-svcacct- keys carry the marker T3BlbkFJ (base64 of "OpenAI").
    Detector {
        meta: meta!(
            "secret-openai-key",
            High,
            "OpenAI API key",
            ["https://platform.openai.com/docs/api-reference/authentication"]
        ),
        keywords: &["T3BlbkFJ"],
        ignore_case: false,
        pattern: r"\b(?P<s>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // RFC 7468 (PEM) private-key labels (PRIVATE KEY, RSA/EC/DSA/ENCRYPTED PRIVATE KEY), OpenSSH's
    // PROTOCOL.key (BEGIN OPENSSH PRIVATE KEY) and OpenPGP armor (PGP PRIVATE KEY BLOCK).
    Detector {
        meta: meta!(
            "secret-private-key",
            Critical,
            "Private key",
            [
                "https://www.rfc-editor.org/rfc/rfc7468",
                "https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key"
            ]
        ),
        keywords: &["-----BEGIN"],
        ignore_case: false,
        pattern: r"-----BEGIN (?P<s>(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----",
        files: Files::Any,
        check: Check::PrivateKey,
        multiline: true,
        contextual: false,
    },
    // PyPI "API tokens": macaroons serialised as pypi- + base64 starting with the fixed location header
    // AgEIcHlwaS5vcmc ("pypi.org").
    Detector {
        meta: meta!(
            "secret-pypi-token",
            High,
            "PyPI upload token",
            ["https://pypi.org/help/#apitoken"]
        ),
        keywords: &["pypi-AgEIcHlwaS5vcmc"],
        ignore_case: false,
        pattern: r"\b(?P<s>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Python Packaging "The .pypirc file": `password` in a repository section.
    Detector {
        meta: meta!(
            "secret-pypirc-password",
            High,
            "Package-index password in a .pypirc file",
            ["https://packaging.python.org/en/latest/specifications/pypirc/"]
        ),
        keywords: &["password"],
        ignore_case: true,
        pattern: r"(?im)^\s*password\s*[:=]\s*(?P<s>[^\s]+)",
        files: Files::Named(&[".pypirc"]),
        check: Check::Value,
        multiline: false,
        contextual: true,
    },
    // SendGrid "API Keys": SG. + 22-character id + . + 43-character secret.
    Detector {
        meta: meta!(
            "secret-sendgrid-key",
            High,
            "SendGrid API key",
            ["https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys"]
        ),
        keywords: &["SG."],
        ignore_case: false,
        pattern: r"\b(?P<s>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Slack "Token types": xoxb- (bot), xoxp- (user), xoxa-/xoxr- (app/refresh), xoxe- (rotating), xoxs-/xoxo-
    // (legacy), always with a numeric team/user part; xapp- (app-level tokens).
    Detector {
        meta: meta!(
            "secret-slack-token",
            High,
            "Slack token",
            ["https://api.slack.com/concepts/token-types"]
        ),
        keywords: &[
            "xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-", "xapp-",
        ],
        ignore_case: false,
        pattern: r"\b(?P<s>xox[abeoprs]-(?:[0-9]+-)?[0-9]+-[0-9A-Za-z-]{8,250}|xapp-[0-9]+-[A-Z0-9]+-[0-9]+-[A-Za-z0-9]{20,})",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Slack "Sending messages using incoming webhooks": https://hooks.slack.com/services/T…/B…/secret (and
    // workflow/trigger webhooks).
    Detector {
        meta: meta!(
            "secret-slack-webhook",
            High,
            "Slack incoming webhook URL",
            ["https://api.slack.com/messaging/webhooks"]
        ),
        keywords: &["hooks.slack.com"],
        ignore_case: false,
        pattern: r"(?P<s>https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Stripe "API keys": secret keys sk_live_/sk_test_ and restricted keys rk_live_/rk_test_ (publishable
    // pk_ keys are public and not reported).
    Detector {
        meta: meta!(
            "secret-stripe-key",
            High,
            "Stripe secret key",
            ["https://docs.stripe.com/keys"]
        ),
        keywords: &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        ignore_case: false,
        pattern: r"\b(?P<s>[sr]k_(?:live|test)_[0-9A-Za-z]{24,247})\b",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
    // Twilio "API keys": the API key SID is SK followed by 32 hex digits (the secret is shown only once).
    Detector {
        meta: meta!(
            "secret-twilio-key",
            High,
            "Twilio API key",
            ["https://www.twilio.com/docs/iam/api-keys"]
        ),
        keywords: &["SK"],
        ignore_case: false,
        pattern: r"\b(?P<s>SK[0-9a-fA-F]{32})\b",
        files: Files::Any,
        check: Check::Token,
        multiline: false,
        contextual: false,
    },
];
