//! The deploy-gate rules: every id the gate can report, with why it matters, how to fix it and its
//! references (CIS Kubernetes Benchmark v1.9 section 5 recommendations, Pod Security Standards controls,
//! NIST SP 800-190). The ids are a public contract: never rename one.

use serde::Serialize;

/// How bad a violation is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applies {
    /// Pod Security Standards baseline (and therefore restricted too).
    Baseline,
    /// Pod Security Standards restricted only.
    Restricted,
    /// When the policy file switches it on (`require_resources`, `require_read_only_root`, …).
    Option,
    /// Network checks (`network.require_default_deny`; `network-allows-any-source` always).
    Network,
    /// Placement checks (`placement.enabled`).
    Placement,
    /// Image checks (`images.allowed`, `images.require_digest`).
    Images,
    /// Secret checks (`secrets.enabled`).
    Secrets,
    /// Docker authorization-plugin checks (`docker.enabled`; [`crate::docker::rule::RULES`]).
    Docker,
    /// Custom rules in Rego (`custom_rules`).
    Custom,
}

/// The fixed description of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The stable kebab-case id.
    pub id: &'static str,
    /// Severity of a violation.
    pub severity: Severity,
    /// When it applies.
    pub applies: Applies,
    /// One line: what the rule requires.
    pub title: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix a violation.
    pub remediation: &'static str,
    /// CIS Kubernetes Benchmark, Pod Security Standards and NIST SP 800-190 references.
    pub references: &'static [&'static str],
}

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

macro_rules! rules {
    ($($id:literal $sev:ident $applies:ident { $title:literal, $why:literal, $fix:literal, [$($r:literal),*] })*) => {
        /// Every rule, sorted by id.
        pub const RULES: &[Rule] = &[$(Rule {
            id: $id,
            severity: Severity::$sev,
            applies: Applies::$applies,
            title: $title,
            rationale: $why,
            remediation: $fix,
            references: &[$($r),*],
        }),*];
    };
}

rules! {
    "custom-rule-error" High Custom {
        "custom rules must evaluate cleanly",
        "a custom rule that fails to evaluate, or reports something other than the rules it declared, cannot vouch for the object: the gate fails closed rather than let it through unchecked",
        "fix the custom Rego module named in the message (or, deliberately, add an exception for custom-rule-error)",
        ["Open Policy Agent: Policy Language (Rego)", "NIST SP 800-190 4.4"]
    }
    "image-not-pinned" Medium Images {
        "images must be referenced by digest",
        "a tag can be moved to another image after it was scanned and signed; only a digest names exactly the image that was checked",
        "reference the image as REPOSITORY@sha256:DIGEST (the admission gate's mutation can pin tags to verified digests)",
        ["NIST SP 800-190 4.1.4", "CIS Kubernetes 5.5.1"]
    }
    "image-not-trusted" Critical Images {
        "images must satisfy the trust policy (signatures, attested stages, scan verdicts)",
        "an image nobody with a trusted key has signed, or that has not passed the required pipeline stages, may have been built or altered outside the controlled pipeline",
        "sign and attest the image as the trust policy requires (`rensa sign`, `rensa attest`), or deploy an image that is; `rensa verify IMAGE --policy TRUST.yaml` shows what is missing",
        ["NIST SP 800-190 4.1.5", "NIST SP 800-190 4.2.3"]
    }
    "image-registry-not-allowed" High Images {
        "images must come from an allowed registry or repository",
        "images from registries outside the organisation's control have not gone through its scanning, signing and access control",
        "push the image to an allowed registry (or add its repository to `images.allowed` in the deploy policy)",
        ["NIST SP 800-190 4.2.1", "CIS Kubernetes 5.5.1"]
    }
    "image-too-old" High Images {
        "images must have been built within the policy's maximum age",
        "an old image misses the fixes published since it was built; a build time is also needed to prove freshness",
        "rebuild the image from an up-to-date base and redeploy it (or raise `images.max_age` in the deploy policy)",
        ["NIST SP 800-190 4.1.1", "NIST SP 800-190 4.5.2"]
    }
    "image-verification-failed" Critical Images {
        "the gate must be able to verify every image",
        "when the registry cannot be reached or its answer cannot be read, nothing has proven that the image is trusted: the gate fails closed",
        "make the image's registry reachable from the gate (credentials, CA, network), or fix the reference; the message says what failed",
        ["NIST SP 800-190 4.2.3"]
    }
    "network-allows-any-source" High Network {
        "a NetworkPolicy ingress rule must not admit every source",
        "an ingress rule with no `from` peers, or an ipBlock of 0.0.0.0/0 or ::/0, admits traffic from every pod and every address, which undoes the default deny",
        "list the pods, namespaces or address ranges that need access in `from`",
        ["CIS Kubernetes 5.3.2", "NIST SP 800-190 4.4.2"]
    }
    "network-no-default-deny" Medium Network {
        "every namespace with workloads needs a default-deny ingress NetworkPolicy",
        "without a policy that selects every pod for Ingress and allows nothing, any pod in the cluster can reach the namespace's workloads",
        "add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress]` and no ingress rules, then allow what is needed",
        ["CIS Kubernetes 5.3.2", "NIST SP 800-190 4.4.2"]
    }
    "placement-allowed-regions" High Placement {
        "a workload with rensa.dev/allowed-regions must be constrained to nodes in those regions",
        "data residency: without a nodeSelector or required nodeAffinity on topology.kubernetes.io/region the scheduler may place it in any region",
        "add `nodeSelector: {topology.kubernetes.io/region: REGION}` or a required nodeAffinity term `topology.kubernetes.io/region In [allowed regions]`",
        ["NIST SP 800-190 4.4.4"]
    }
    "placement-attested-nodes" High Placement {
        "a sensitive workload must require nodes labelled rensa.dev/attested=true",
        "only nodes whose boot chain and host were attested should run sensitive workloads; otherwise a compromised host kernel sees them",
        "add `nodeSelector: {rensa.dev/attested: \"true\"}` (or a required nodeAffinity term on that label)",
        ["NIST SP 800-190 4.6", "NIST SP 800-190 3.3.4"]
    }
    "placement-sensitivity" High Placement {
        "a workload labelled rensa.dev/sensitivity must select nodes of exactly that level",
        "workloads of different sensitivity must not share a host kernel: a container escape in one exposes the others",
        "add `nodeSelector: {rensa.dev/sensitivity: LEVEL}` (or a required nodeAffinity term `rensa.dev/sensitivity In [LEVEL]` in every term)",
        ["NIST SP 800-190 3.3.4", "NIST SP 800-190 4.4.4"]
    }
    "pod-allow-privilege-escalation" High Restricted {
        "containers must set allowPrivilegeEscalation: false",
        "without no_new_privs a process can gain privileges through setuid binaries or file capabilities",
        "set `securityContext.allowPrivilegeEscalation: false` on every container",
        ["CIS Kubernetes 5.2.6", "PSS restricted: Privilege Escalation"]
    }
    "pod-apparmor" High Baseline {
        "AppArmor must not be disabled",
        "an Unconfined AppArmor profile removes a mandatory access control layer between the container and the host",
        "remove the override or use `appArmorProfile.type: RuntimeDefault` (or Localhost; annotations `runtime/default` or `localhost/NAME`)",
        ["PSS baseline: AppArmor"]
    }
    "pod-capabilities-added" High Baseline {
        "containers must not add capabilities beyond the allowed set",
        "capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a container powers close to root on the host",
        "remove the capability from `securityContext.capabilities.add`, or allow it in the policy (`allowed_capabilities`) with a reason",
        ["CIS Kubernetes 5.2.8", "CIS Kubernetes 5.2.9", "PSS baseline: Capabilities", "PSS restricted: Capabilities"]
    }
    "pod-capabilities-drop-all" Medium Restricted {
        "containers must drop ALL capabilities",
        "the runtime's default capability set (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, …) is more than most workloads need",
        "set `securityContext.capabilities.drop: [ALL]` and add back only NET_BIND_SERVICE if needed",
        ["CIS Kubernetes 5.2.10", "PSS restricted: Capabilities"]
    }
    "pod-host-ipc" High Baseline {
        "pods must not share the host's IPC namespace",
        "hostIPC lets a container read and write the shared memory of every process on the host",
        "remove `hostIPC: true`",
        ["CIS Kubernetes 5.2.4", "PSS baseline: Host Namespaces"]
    }
    "pod-host-network" High Baseline {
        "pods must not use the host's network namespace",
        "hostNetwork exposes the node's interfaces and loopback services and bypasses NetworkPolicy",
        "remove `hostNetwork: true` and expose the workload through a Service",
        ["CIS Kubernetes 5.2.5", "PSS baseline: Host Namespaces"]
    }
    "pod-host-path" High Baseline {
        "pods must not mount host paths (except those the policy allows)",
        "a hostPath volume gives the container the node's files: the container runtime socket, kubelet credentials, /etc",
        "use a configMap, secret, emptyDir or persistentVolumeClaim instead, or allow the path in the policy (`allowed_host_paths`)",
        ["CIS Kubernetes 5.2.12", "PSS baseline: HostPath Volumes"]
    }
    "pod-host-pid" High Baseline {
        "pods must not share the host's PID namespace",
        "hostPID lets a container see and signal every process on the node and read their environment",
        "remove `hostPID: true`",
        ["CIS Kubernetes 5.2.3", "PSS baseline: Host Namespaces"]
    }
    "pod-host-port" Medium Baseline {
        "containers must not bind host ports",
        "a hostPort ties the pod to a node and exposes it on the node's address, outside NetworkPolicy and Services",
        "remove `hostPort` and expose the port through a Service",
        ["CIS Kubernetes 5.2.13", "PSS baseline: Host Ports"]
    }
    "pod-host-process" Critical Baseline {
        "Windows pods must not run HostProcess containers",
        "a HostProcess container runs directly on the Windows host with its privileges",
        "remove `windowsOptions.hostProcess: true`",
        ["CIS Kubernetes 5.2.11", "PSS baseline: HostProcess"]
    }
    "pod-privileged" Critical Baseline {
        "containers must not run privileged",
        "a privileged container has every capability and every host device and can take over the node",
        "remove `securityContext.privileged: true`; add only the capabilities the workload needs",
        ["CIS Kubernetes 5.2.2", "PSS baseline: Privileged Containers", "NIST SP 800-190 4.4.3"]
    }
    "pod-proc-mount" Medium Baseline {
        "containers must use the Default /proc mount",
        "an Unmasked /proc exposes kernel interfaces that the runtime normally masks",
        "remove `securityContext.procMount` or set it to `Default`",
        ["PSS baseline: /proc Mount Type"]
    }
    "pod-read-only-root-filesystem" Low Option {
        "containers must run with a read-only root filesystem",
        "a writable root filesystem lets an attacker change binaries and drop tools inside the container",
        "set `securityContext.readOnlyRootFilesystem: true` and mount an emptyDir where the workload writes",
        ["CIS Kubernetes 5.7.3", "NIST SP 800-190 4.4.3"]
    }
    "pod-resource-limits" Low Option {
        "containers must set CPU and memory limits",
        "without limits one container can starve every other workload on the node",
        "set `resources.limits.cpu` and `resources.limits.memory`",
        ["CIS Kubernetes 5.7.3", "NIST SP 800-190 4.4.2"]
    }
    "pod-run-as-non-root" High Restricted {
        "containers must set runAsNonRoot: true",
        "a container running as uid 0 is root on the host if it escapes the namespaces",
        "set `securityContext.runAsNonRoot: true` on the pod (or on every container) and run the image as a non-root user",
        ["CIS Kubernetes 5.2.7", "PSS restricted: Running as Non-root"]
    }
    "pod-run-as-user-root" High Restricted {
        "pods and containers must not set runAsUser: 0",
        "uid 0 inside the container is uid 0 on the host without user namespaces",
        "set `runAsUser` to a non-zero uid, or leave it unset and use runAsNonRoot",
        ["CIS Kubernetes 5.2.7", "PSS restricted: Running as Non-root user"]
    }
    "pod-seccomp" High Baseline {
        "seccomp must not be Unconfined (restricted: must be RuntimeDefault or Localhost)",
        "seccomp blocks the rarely used system calls through which most kernel exploits reach the host",
        "set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (or Localhost with a profile)",
        ["CIS Kubernetes 5.7.2", "PSS baseline: Seccomp", "PSS restricted: Seccomp"]
    }
    "pod-selinux" High Baseline {
        "SELinux options must not set a custom user or role or an unconfined type",
        "a custom SELinux type, user or role can lift the confinement the container would otherwise have",
        "remove `seLinuxOptions.user` and `role`; use type container_t, container_init_t, container_kvm_t or container_engine_t",
        ["PSS baseline: SELinux"]
    }
    "pod-service-account-token" Low Option {
        "pods must not mount a service account token automatically",
        "a mounted token lets anyone who takes over the container call the Kubernetes API as that service account",
        "set `automountServiceAccountToken: false` on the pod (or its service account) unless it calls the API",
        ["CIS Kubernetes 5.1.6"]
    }
    "pod-sysctls" High Baseline {
        "pods may only set the safe, namespaced sysctls",
        "other sysctls either affect the whole node or disable security mechanisms",
        "remove the sysctl from `securityContext.sysctls`",
        ["PSS baseline: Sysctls"]
    }
    "pod-volume-types" Medium Restricted {
        "pods may only use configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes",
        "other volume types reach storage on the node or in the network directly, outside what the cluster administrator set up",
        "use a persistentVolumeClaim (with a PersistentVolume the administrator provides) instead",
        ["PSS restricted: Volume Types"]
    }
    "secret-in-args" High Secrets {
        "command lines must not carry secrets",
        "a secret in `command` or `args` is stored in the object for everyone who can read it, and shows in process listings on the node",
        "pass the secret through a mounted Secret volume or an env var with `valueFrom.secretKeyRef`, and rotate it",
        ["NIST SP 800-190 4.1.5", "CIS Kubernetes 5.4.1"]
    }
    "secret-in-configmap" High Secrets {
        "ConfigMaps must not hold secrets",
        "ConfigMaps are not encrypted at rest by default and are readable by far more principals than Secrets",
        "move the value into a Secret (mounted as a volume or referenced with `secretKeyRef`), and rotate it",
        ["NIST SP 800-190 4.1.5", "CIS Kubernetes 5.4.1"]
    }
    "secret-in-env" High Secrets {
        "secrets must not be literal env values",
        "a literal value in `env` is stored in the workload object and visible to everyone who can read it (and in `kubectl describe`); a Secret can be access-controlled, encrypted at rest and rotated",
        "use `valueFrom.secretKeyRef` for the variable, and rotate the exposed value",
        ["NIST SP 800-190 4.1.5", "CIS Kubernetes 5.4.1"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_unique_kebab_case() {
        for pair in RULES.windows(2) {
            assert!(pair[0].id < pair[1].id, "{} before {}", pair[0].id, pair[1].id);
        }
        for r in RULES {
            assert!(
                r.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            assert!(!r.references.is_empty(), "{}", r.id);
        }
    }
}
