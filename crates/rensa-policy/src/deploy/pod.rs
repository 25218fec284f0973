//! Pod security: the Pod Security Standards baseline and restricted controls
//! (<https://kubernetes.io/docs/concepts/security/pod-security-standards/>), CIS Kubernetes 5.2.x, and the
//! optional requirements of the policy (resource limits, read-only root, no token automount), over one pod
//! template. Pod-level `securityContext` fields that Kubernetes lets containers inherit (`runAsNonRoot`,
//! `runAsUser`, `seccompProfile`, `seLinuxOptions`, `appArmorProfile`, `windowsOptions`) are resolved as
//! the kubelet does: the container's value wins, the pod's applies when the container sets none.

use serde_json::Value;

use super::config::{normalize_capability, Level, PodSecurity};
use super::objects::PodTemplate;
use super::Violation;

/// PSS baseline, Capabilities: the capabilities a container may add.
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// PSS restricted, Capabilities: the only capability a container may add back after dropping ALL.
pub const RESTRICTED_CAPABILITIES: &[&str] = &["NET_BIND_SERVICE"];

/// PSS baseline, Sysctls: the safe, namespaced sysctls (as of Kubernetes 1.29+).
pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_syncookies",
];

/// PSS baseline, SELinux: the allowed `seLinuxOptions.type` values (besides unset and empty).
pub const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// PSS restricted, Volume Types: the allowed volume types.
pub const RESTRICTED_VOLUME_TYPES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// PSS baseline and restricted, Seccomp: the allowed `seccompProfile.type` values (besides unset).
pub const SECCOMP_TYPES: &[&str] = &["RuntimeDefault", "Localhost"];

/// The container lists of a pod spec, in the order they are checked.
pub const CONTAINER_LISTS: &[&str] = &["initContainers", "containers", "ephemeralContainers"];

const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

struct Out<'a> {
    violations: &'a mut Vec<Violation>,
}

impl Out<'_> {
    fn push(&mut self, rule: &'static str, path: String, message: String) {
        self.violations.push(Violation { rule, path, message });
    }
}

fn is_true(v: &Value) -> bool {
    v.as_bool() == Some(true)
}

fn items(v: &Value) -> impl Iterator<Item = (usize, &Value)> {
    v.as_array().into_iter().flatten().enumerate()
}

/// Checks one pod template against the pod-security settings.
pub(crate) fn check(t: &PodTemplate<'_>, cfg: &PodSecurity, out: &mut Vec<Violation>) {
    let out = &mut Out { violations: out };
    let restricted = cfg.level == Level::Restricted;
    let sp = t.spec_path;
    let spec = t.spec;
    let psc = &spec["securityContext"];
    let psp = format!("{sp}.securityContext");

    // Host namespaces (PSS baseline; CIS 5.2.3-5.2.5).
    for (field, rule, what) in [
        ("hostNetwork", "pod-host-network", "the host's network namespace"),
        ("hostPID", "pod-host-pid", "the host's PID namespace"),
        ("hostIPC", "pod-host-ipc", "the host's IPC namespace"),
    ] {
        if is_true(&spec[field]) {
            out.push(
                rule,
                format!("{sp}.{field}"),
                format!("the pod shares {what} ({field}: true)"),
            );
        }
    }

    // HostProcess, pod level.
    if is_true(&psc["windowsOptions"]["hostProcess"]) {
        out.push(
            "pod-host-process",
            format!("{psp}.windowsOptions.hostProcess"),
            "the pod runs as a Windows HostProcess pod".into(),
        );
    }

    // Sysctls (baseline).
    for (i, s) in items(&psc["sysctls"]) {
        let name = s["name"].as_str().unwrap_or("");
        if !SAFE_SYSCTLS.contains(&name.replace('/', ".").as_str()) {
            out.push(
                "pod-sysctls",
                format!("{psp}.sysctls[{i}].name"),
                format!("the pod sets sysctl {name:?}, which is not one of the safe namespaced sysctls"),
            );
        }
    }

    // Volumes: hostPath (baseline), types (restricted).
    for (i, v) in items(&spec["volumes"]) {
        let vname = v["name"].as_str().unwrap_or("");
        if let Some(hp) = v.get("hostPath") {
            let path = hp["path"].as_str().unwrap_or("");
            if !host_path_allowed(path, &cfg.allowed_host_paths) {
                out.push(
                    "pod-host-path",
                    format!("{sp}.volumes[{i}].hostPath.path"),
                    format!("volume {vname:?} mounts the host path {path:?}"),
                );
            }
            continue;
        }
        if restricted {
            let kind = v
                .as_object()
                .and_then(|m| m.keys().find(|k| k.as_str() != "name"))
                .map(String::as_str);
            if let Some(kind) = kind.filter(|k| !RESTRICTED_VOLUME_TYPES.contains(k)) {
                out.push(
                    "pod-volume-types",
                    format!("{sp}.volumes[{i}].{kind}"),
                    format!("volume {vname:?} is of type {kind}, not allowed at the restricted level"),
                );
            }
        }
    }

    // Pod-level settings that containers inherit.
    selinux(out, &psc["seLinuxOptions"], &psp, "the pod");
    if let Some(ty) = psc["seccompProfile"]["type"].as_str() {
        if !SECCOMP_TYPES.contains(&ty) {
            out.push(
                "pod-seccomp",
                format!("{psp}.seccompProfile.type"),
                format!("the pod's seccomp profile is {ty}"),
            );
        }
    }
    if psc["appArmorProfile"]["type"].as_str() == Some("Unconfined") {
        out.push(
            "pod-apparmor",
            format!("{psp}.appArmorProfile.type"),
            "the pod's AppArmor profile is Unconfined".into(),
        );
    }
    if restricted {
        if psc["runAsNonRoot"].as_bool() == Some(false) {
            out.push(
                "pod-run-as-non-root",
                format!("{psp}.runAsNonRoot"),
                "the pod sets runAsNonRoot: false".into(),
            );
        }
        if psc["runAsUser"].as_i64() == Some(0) {
            out.push(
                "pod-run-as-user-root",
                format!("{psp}.runAsUser"),
                "the pod runs as uid 0 (runAsUser: 0)".into(),
            );
        }
    }
    if cfg.forbid_token_automount && spec["automountServiceAccountToken"].as_bool() != Some(false) {
        out.push(
            "pod-service-account-token",
            format!("{sp}.automountServiceAccountToken"),
            "the pod mounts its service account token automatically (automountServiceAccountToken is not false)"
                .into(),
        );
    }

    // AppArmor annotations (baseline): runtime/default or localhost/*.
    if let Some(annotations) = t.metadata["annotations"].as_object() {
        for (key, value) in annotations {
            let (Some(container), Some(value)) = (key.strip_prefix(APPARMOR_ANNOTATION), value.as_str())
            else {
                continue;
            };
            if value != "runtime/default" && !value.starts_with("localhost/") {
                out.push(
                    "pod-apparmor",
                    format!("{}.annotations[\"{key}\"]", t.metadata_path),
                    format!("container {container:?} has AppArmor profile {value:?}"),
                );
            }
        }
    }

    let mut caps: Vec<String> = if restricted {
        RESTRICTED_CAPABILITIES.iter().map(|c| c.to_string()).collect()
    } else {
        BASELINE_CAPABILITIES.iter().map(|c| c.to_string()).collect()
    };
    caps.extend(cfg.allowed_capabilities.iter().cloned());

    for list in CONTAINER_LISTS {
        for (i, c) in items(&spec[*list]) {
            container(out, cfg, restricted, &caps, psc, list, i, c, sp);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn container(
    out: &mut Out<'_>,
    cfg: &PodSecurity,
    restricted: bool,
    caps: &[String],
    psc: &Value,
    list: &str,
    i: usize,
    c: &Value,
    sp: &str,
) {
    let cp = format!("{sp}.{list}[{i}]");
    let csp = format!("{cp}.securityContext");
    let sc = &c["securityContext"];
    let who = format!("container {:?}", c["name"].as_str().unwrap_or(""));

    if is_true(&sc["privileged"]) {
        out.push(
            "pod-privileged",
            format!("{csp}.privileged"),
            format!("{who} runs privileged"),
        );
    }
    if is_true(&sc["windowsOptions"]["hostProcess"]) {
        out.push(
            "pod-host-process",
            format!("{csp}.windowsOptions.hostProcess"),
            format!("{who} is a Windows HostProcess container"),
        );
    }
    for (j, cap) in items(&sc["capabilities"]["add"]) {
        let cap = normalize_capability(cap.as_str().unwrap_or(""));
        if !caps.contains(&cap) {
            out.push(
                "pod-capabilities-added",
                format!("{csp}.capabilities.add[{j}]"),
                format!("{who} adds capability {cap}, beyond the allowed set"),
            );
        }
    }
    if restricted
        && !items(&sc["capabilities"]["drop"])
            .any(|(_, d)| d.as_str().map(normalize_capability).as_deref() == Some("ALL"))
    {
        out.push(
            "pod-capabilities-drop-all",
            format!("{csp}.capabilities.drop"),
            format!("{who} does not drop ALL capabilities"),
        );
    }
    for (j, port) in items(&c["ports"]) {
        if port["hostPort"].as_i64().is_some_and(|p| p != 0) {
            out.push(
                "pod-host-port",
                format!("{cp}.ports[{j}].hostPort"),
                format!("{who} binds host port {}", port["hostPort"]),
            );
        }
    }
    selinux(out, &sc["seLinuxOptions"], &csp, &who);
    if let Some(pm) = sc["procMount"].as_str().filter(|p| *p != "Default") {
        out.push(
            "pod-proc-mount",
            format!("{csp}.procMount"),
            format!("{who} uses procMount {pm}"),
        );
    }
    match sc["seccompProfile"]["type"].as_str() {
        Some(ty) if !SECCOMP_TYPES.contains(&ty) => out.push(
            "pod-seccomp",
            format!("{csp}.seccompProfile.type"),
            format!("{who}'s seccomp profile is {ty}"),
        ),
        None if restricted && psc["seccompProfile"]["type"].is_null() => out.push(
            "pod-seccomp",
            format!("{csp}.seccompProfile.type"),
            format!("{who} has no seccomp profile (neither it nor the pod sets seccompProfile.type)"),
        ),
        _ => {}
    }
    if sc["appArmorProfile"]["type"].as_str() == Some("Unconfined") {
        out.push(
            "pod-apparmor",
            format!("{csp}.appArmorProfile.type"),
            format!("{who}'s AppArmor profile is Unconfined"),
        );
    }
    if restricted {
        if sc["allowPrivilegeEscalation"].as_bool() != Some(false) {
            out.push(
                "pod-allow-privilege-escalation",
                format!("{csp}.allowPrivilegeEscalation"),
                format!("{who} does not set allowPrivilegeEscalation: false"),
            );
        }
        match sc["runAsNonRoot"].as_bool() {
            Some(false) => out.push(
                "pod-run-as-non-root",
                format!("{csp}.runAsNonRoot"),
                format!("{who} sets runAsNonRoot: false"),
            ),
            None if psc["runAsNonRoot"].is_null() => out.push(
                "pod-run-as-non-root",
                format!("{csp}.runAsNonRoot"),
                format!("{who} may run as root (neither it nor the pod sets runAsNonRoot: true)"),
            ),
            _ => {}
        }
        if sc["runAsUser"].as_i64() == Some(0) {
            out.push(
                "pod-run-as-user-root",
                format!("{csp}.runAsUser"),
                format!("{who} runs as uid 0 (runAsUser: 0)"),
            );
        }
    }
    if cfg.require_read_only_root && !is_true(&sc["readOnlyRootFilesystem"]) {
        out.push(
            "pod-read-only-root-filesystem",
            format!("{csp}.readOnlyRootFilesystem"),
            format!("{who} has a writable root filesystem"),
        );
    }
    // Ephemeral containers cannot have resources; the kubelet accounts them to the pod.
    if cfg.require_resources && list != "ephemeralContainers" {
        for resource in ["cpu", "memory"] {
            if c["resources"]["limits"][resource].is_null() {
                out.push(
                    "pod-resource-limits",
                    format!("{cp}.resources.limits.{resource}"),
                    format!("{who} has no {resource} limit"),
                );
            }
        }
    }
}

fn selinux(out: &mut Out<'_>, opts: &Value, path: &str, who: &str) {
    if let Some(ty) = opts["type"].as_str() {
        if !ty.is_empty() && !SELINUX_TYPES.contains(&ty) {
            out.push(
                "pod-selinux",
                format!("{path}.seLinuxOptions.type"),
                format!("{who} sets SELinux type {ty:?}"),
            );
        }
    }
    for field in ["user", "role"] {
        if let Some(v) = opts[field].as_str().filter(|v| !v.is_empty()) {
            out.push(
                "pod-selinux",
                format!("{path}.seLinuxOptions.{field}"),
                format!("{who} sets a custom SELinux {field} {v:?}"),
            );
        }
    }
}

fn host_path_allowed(path: &str, allowed: &[String]) -> bool {
    let path = path.trim_end_matches('/');
    allowed.iter().any(|a| {
        let a = a.trim_end_matches('/');
        path == a
            || path.strip_prefix(a).is_some_and(|rest| rest.starts_with('/'))
            || (a.is_empty() && path.starts_with('/'))
    }) && !path.split('/').any(|seg| seg == "..")
}
