//! Pod security: the Pod Security Standards baseline and restricted controls
//! (<https://kubernetes.io/docs/concepts/security/pod-security-standards/>), CIS Kubernetes 5.2.x, and the
//! optional requirements of the policy (resource limits, read-only root, no token automount), over one pod
//! template. Pod-level `securityContext` fields that Kubernetes lets containers inherit (`runAsNonRoot`,
//! `runAsUser`, `seccompProfile`, `seLinuxOptions`, `appArmorProfile`, `windowsOptions`) are resolved as
//! the kubelet does: the container's value wins, the pod's applies when the container sets none.

use serde_json::Value;

use super::Violation;
use super::config::{Level, PodSecurity, normalize_capability};
use super::objects::PodTemplate;

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
    // PSS restricted: privilege escalation, capabilities and seccomp are Linux-only controls; pods with
    // `spec.os.name: windows` are exempt from them.
    let linux = t.spec["os"]["name"].as_str() != Some("windows");
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
    if let Some(ty) = psc["seccompProfile"]["type"].as_str()
        && !SECCOMP_TYPES.contains(&ty)
    {
        out.push(
            "pod-seccomp",
            format!("{psp}.seccompProfile.type"),
            format!("the pod's seccomp profile is {ty}"),
        );
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
            container(out, cfg, restricted, linux, &caps, psc, list, i, c, sp);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn container(
    out: &mut Out<'_>,
    cfg: &PodSecurity,
    restricted: bool,
    linux: bool,
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
        && linux
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
        None if restricted && linux && psc["seccompProfile"]["type"].is_null() => out.push(
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
        if linux && sc["allowPrivilegeEscalation"].as_bool() != Some(false) {
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
    if let Some(ty) = opts["type"].as_str()
        && !ty.is_empty()
        && !SELINUX_TYPES.contains(&ty)
    {
        out.push(
            "pod-selinux",
            format!("{path}.seLinuxOptions.type"),
            format!("{who} sets SELinux type {ty:?}"),
        );
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

#[cfg(test)]
mod tests {
    //! Expected values follow the Pod Security Standards page
    //! (<https://kubernetes.io/docs/concepts/security/pod-security-standards/>): restricted fields and
    //! allowed values per control. No `kubectl`/API-server oracle is available offline.

    use super::super::objects::parse_manifests;
    use super::*;

    fn run(spec: &str, cfg: &PodSecurity) -> Vec<(&'static str, String)> {
        let text = format!("kind: Pod\nmetadata:\n  name: p\n  annotations: {{}}\nspec:\n{spec}");
        let objects = parse_manifests(&text, "t.yaml").unwrap();
        let mut out = Vec::new();
        check(&objects[0].pod_template().unwrap(), cfg, &mut out);
        out.into_iter().map(|v| (v.rule, v.path)).collect()
    }

    fn baseline(spec: &str) -> Vec<(&'static str, String)> {
        run(spec, &PodSecurity::default())
    }

    fn restricted(spec: &str) -> Vec<(&'static str, String)> {
        run(
            spec,
            &PodSecurity {
                level: Level::Restricted,
                ..PodSecurity::default()
            },
        )
    }

    fn v(rule: &'static str, path: &str) -> (&'static str, String) {
        (rule, path.to_string())
    }

    /// A container that meets restricted on its own.
    const GOOD: &str = "{name: c, securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: {type: RuntimeDefault}, capabilities: {drop: [ALL]}}}";

    #[test]
    fn minimal_pod_meets_baseline_not_restricted() {
        assert_eq!(baseline("  containers: [{name: c}]\n"), []);
        assert_eq!(
            restricted("  containers: [{name: c}]\n"),
            [
                v(
                    "pod-capabilities-drop-all",
                    "spec.containers[0].securityContext.capabilities.drop"
                ),
                v(
                    "pod-seccomp",
                    "spec.containers[0].securityContext.seccompProfile.type"
                ),
                v(
                    "pod-allow-privilege-escalation",
                    "spec.containers[0].securityContext.allowPrivilegeEscalation"
                ),
                v(
                    "pod-run-as-non-root",
                    "spec.containers[0].securityContext.runAsNonRoot"
                ),
            ]
        );
        assert_eq!(restricted(&format!("  containers: [{GOOD}]\n")), []);
    }

    #[test]
    fn host_namespaces() {
        let spec = "  hostNetwork: true\n  hostPID: false\n  hostIPC: true\n  containers: [{name: c}]\n";
        assert_eq!(
            baseline(spec),
            [
                v("pod-host-network", "spec.hostNetwork"),
                v("pod-host-ipc", "spec.hostIPC")
            ]
        );
    }

    #[test]
    fn privileged_in_every_container_list() {
        let spec = "  initContainers: [{name: i, securityContext: {privileged: true}}]\n  containers: [{name: a}, {name: b, securityContext: {privileged: true}}, {name: c, securityContext: {privileged: false}}]\n  ephemeralContainers: [{name: e, securityContext: {privileged: true}}]\n";
        assert_eq!(
            baseline(spec),
            [
                v(
                    "pod-privileged",
                    "spec.initContainers[0].securityContext.privileged"
                ),
                v("pod-privileged", "spec.containers[1].securityContext.privileged"),
                v(
                    "pod-privileged",
                    "spec.ephemeralContainers[0].securityContext.privileged"
                ),
            ]
        );
    }

    #[test]
    fn host_process() {
        let spec = "  securityContext: {windowsOptions: {hostProcess: true}}\n  containers: [{name: c, securityContext: {windowsOptions: {hostProcess: true}}}]\n";
        assert_eq!(
            baseline(spec),
            [
                v(
                    "pod-host-process",
                    "spec.securityContext.windowsOptions.hostProcess"
                ),
                v(
                    "pod-host-process",
                    "spec.containers[0].securityContext.windowsOptions.hostProcess"
                ),
            ]
        );
    }

    #[test]
    fn capabilities_baseline_restricted_and_allowlist() {
        // Baseline allows the 13 listed capabilities; NET_RAW and SYS_ADMIN are not among them.
        let spec = "  containers: [{name: c, securityContext: {capabilities: {add: [CHOWN, CAP_NET_RAW, SYS_ADMIN, NET_BIND_SERVICE]}}}]\n";
        assert_eq!(
            baseline(spec),
            [
                v(
                    "pod-capabilities-added",
                    "spec.containers[0].securityContext.capabilities.add[1]"
                ),
                v(
                    "pod-capabilities-added",
                    "spec.containers[0].securityContext.capabilities.add[2]"
                ),
            ]
        );
        let allowing = PodSecurity {
            allowed_capabilities: vec!["SYS_ADMIN".into()],
            ..PodSecurity::default()
        };
        assert_eq!(
            run(spec, &allowing),
            [v(
                "pod-capabilities-added",
                "spec.containers[0].securityContext.capabilities.add[1]"
            )]
        );
        // Restricted: only NET_BIND_SERVICE may be added, and ALL must be dropped.
        let spec = "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: c, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [NET_RAW], add: [CHOWN, NET_BIND_SERVICE]}}}]\n";
        assert_eq!(
            restricted(spec),
            [
                v(
                    "pod-capabilities-added",
                    "spec.containers[0].securityContext.capabilities.add[0]"
                ),
                v(
                    "pod-capabilities-drop-all",
                    "spec.containers[0].securityContext.capabilities.drop"
                ),
            ]
        );
    }

    #[test]
    fn host_path_with_allowlist() {
        let spec = "  containers: [{name: c}]\n  volumes: [{name: a, hostPath: {path: /var/log/pods}}, {name: b, hostPath: {path: /var/logs}}, {name: c, hostPath: {path: /var/log/../run}}, {name: d, emptyDir: {}}]\n";
        assert_eq!(
            baseline(spec),
            [
                v("pod-host-path", "spec.volumes[0].hostPath.path"),
                v("pod-host-path", "spec.volumes[1].hostPath.path"),
                v("pod-host-path", "spec.volumes[2].hostPath.path"),
            ]
        );
        let allowing = PodSecurity {
            allowed_host_paths: vec!["/var/log/".into()],
            ..PodSecurity::default()
        };
        assert_eq!(
            run(spec, &allowing),
            [
                v("pod-host-path", "spec.volumes[1].hostPath.path"),
                v("pod-host-path", "spec.volumes[2].hostPath.path"),
            ]
        );
    }

    #[test]
    fn host_ports() {
        let spec = "  containers: [{name: c, ports: [{containerPort: 80}, {containerPort: 81, hostPort: 0}, {containerPort: 82, hostPort: 8082}]}]\n";
        assert_eq!(
            baseline(spec),
            [v("pod-host-port", "spec.containers[0].ports[2].hostPort")]
        );
    }

    #[test]
    fn apparmor_field_and_annotation() {
        let text = "kind: Pod\nmetadata:\n  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/a: runtime/default\n    container.apparmor.security.beta.kubernetes.io/b: localhost/k8s-nginx\n    container.apparmor.security.beta.kubernetes.io/c: unconfined\nspec:\n  securityContext: {appArmorProfile: {type: RuntimeDefault}}\n  containers: [{name: a, securityContext: {appArmorProfile: {type: Unconfined}}}, {name: b, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: x}}}]\n";
        let objects = parse_manifests(text, "t.yaml").unwrap();
        let mut out = Vec::new();
        check(
            &objects[0].pod_template().unwrap(),
            &PodSecurity::default(),
            &mut out,
        );
        let got: Vec<_> = out.into_iter().map(|v| (v.rule, v.path)).collect();
        assert_eq!(
            got,
            [
                v(
                    "pod-apparmor",
                    "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/c\"]"
                ),
                v(
                    "pod-apparmor",
                    "spec.containers[0].securityContext.appArmorProfile.type"
                ),
            ]
        );
    }

    #[test]
    fn selinux() {
        let spec = "  securityContext: {seLinuxOptions: {type: container_t, level: 's0:c123,c456'}}\n  containers: [{name: a, securityContext: {seLinuxOptions: {type: spc_t, user: system_u, role: ''}}}, {name: b, securityContext: {seLinuxOptions: {type: container_kvm_t}}}]\n";
        assert_eq!(
            baseline(spec),
            [
                v(
                    "pod-selinux",
                    "spec.containers[0].securityContext.seLinuxOptions.type"
                ),
                v(
                    "pod-selinux",
                    "spec.containers[0].securityContext.seLinuxOptions.user"
                ),
            ]
        );
    }

    #[test]
    fn proc_mount() {
        let spec = "  containers: [{name: a, securityContext: {procMount: Default}}, {name: b, securityContext: {procMount: Unmasked}}]\n";
        assert_eq!(
            baseline(spec),
            [v(
                "pod-proc-mount",
                "spec.containers[1].securityContext.procMount"
            )]
        );
    }

    #[test]
    fn seccomp_inheritance() {
        // Baseline: only Unconfined (anything but RuntimeDefault/Localhost) is refused, at either level.
        let spec = "  securityContext: {seccompProfile: {type: Unconfined}}\n  containers: [{name: a}, {name: b, securityContext: {seccompProfile: {type: RuntimeDefault}}}]\n";
        assert_eq!(
            baseline(spec),
            [v("pod-seccomp", "spec.securityContext.seccompProfile.type")]
        );
        // Restricted: the pod-level profile covers containers that set none.
        let spec = format!(
            "  securityContext: {{runAsNonRoot: true, seccompProfile: {{type: Localhost, localhostProfile: p.json}}}}\n  containers: [{GOOD}, {{name: b, securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}}}}}]\n"
        );
        assert_eq!(restricted(&spec), []);
        let spec = "  securityContext: {runAsNonRoot: true}\n  containers: [{name: b, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: Unconfined}}}]\n";
        assert_eq!(
            restricted(spec),
            [v(
                "pod-seccomp",
                "spec.containers[0].securityContext.seccompProfile.type"
            )]
        );
    }

    #[test]
    fn sysctls() {
        let spec = "  securityContext:\n    sysctls: [{name: net.ipv4.ip_local_port_range, value: '1024 65535'}, {name: net/ipv4/tcp_syncookies, value: '1'}, {name: net.core.somaxconn, value: '1024'}, {name: kernel.msgmax, value: '1'}]\n  containers: [{name: c}]\n";
        assert_eq!(
            baseline(spec),
            [
                v("pod-sysctls", "spec.securityContext.sysctls[2].name"),
                v("pod-sysctls", "spec.securityContext.sysctls[3].name"),
            ]
        );
    }

    #[test]
    fn volume_types_restricted_only() {
        let spec = format!(
            "  securityContext: {{runAsNonRoot: true}}\n  containers: [{GOOD}]\n  volumes: [{{name: a, configMap: {{name: x}}}}, {{name: b, nfs: {{server: s, path: /}}}}, {{name: c, persistentVolumeClaim: {{claimName: d}}}}, {{name: d, gitRepo: {{repository: r}}}}]\n"
        );
        assert_eq!(baseline(&spec), []);
        assert_eq!(
            restricted(&spec),
            [
                v("pod-volume-types", "spec.volumes[1].nfs"),
                v("pod-volume-types", "spec.volumes[3].gitRepo")
            ]
        );
    }

    #[test]
    fn run_as_non_root_and_uid_0() {
        // Pod-level true covers containers; a container's false overrides it.
        let spec = "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}, {name: b, securityContext: {runAsNonRoot: false, runAsUser: 0, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]\n";
        assert_eq!(
            restricted(spec),
            [
                v(
                    "pod-run-as-non-root",
                    "spec.containers[1].securityContext.runAsNonRoot"
                ),
                v(
                    "pod-run-as-user-root",
                    "spec.containers[1].securityContext.runAsUser"
                ),
            ]
        );
        // Pod-level false and uid 0 are refused even when containers set true.
        let spec = "  securityContext: {runAsNonRoot: false, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a, securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]\n";
        assert_eq!(
            restricted(spec),
            [
                v("pod-run-as-non-root", "spec.securityContext.runAsNonRoot"),
                v("pod-run-as-user-root", "spec.securityContext.runAsUser"),
            ]
        );
        assert_eq!(baseline(spec), []);
    }

    #[test]
    fn windows_pods_exempt_from_linux_only_restricted_controls() {
        let spec = "  os: {name: windows}\n  containers: [{name: c}]\n";
        assert_eq!(
            restricted(spec),
            [v(
                "pod-run-as-non-root",
                "spec.containers[0].securityContext.runAsNonRoot"
            )]
        );
    }

    #[test]
    fn privilege_escalation() {
        let spec = "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a, securityContext: {allowPrivilegeEscalation: true, capabilities: {drop: [ALL]}}}]\n";
        assert_eq!(
            restricted(spec),
            [v(
                "pod-allow-privilege-escalation",
                "spec.containers[0].securityContext.allowPrivilegeEscalation"
            )]
        );
    }

    #[test]
    fn optional_requirements() {
        let cfg = PodSecurity {
            require_resources: true,
            require_read_only_root: true,
            forbid_token_automount: true,
            ..PodSecurity::default()
        };
        let spec = "  containers: [{name: a, securityContext: {readOnlyRootFilesystem: true}, resources: {limits: {cpu: '1', memory: 1Gi}}}, {name: b, resources: {limits: {memory: 1Gi}}}]\n  ephemeralContainers: [{name: e, securityContext: {readOnlyRootFilesystem: true}}]\n";
        assert_eq!(
            run(spec, &cfg),
            [
                v("pod-service-account-token", "spec.automountServiceAccountToken"),
                v(
                    "pod-read-only-root-filesystem",
                    "spec.containers[1].securityContext.readOnlyRootFilesystem"
                ),
                v("pod-resource-limits", "spec.containers[1].resources.limits.cpu"),
            ]
        );
        assert_eq!(baseline(spec), []);
        let spec = "  automountServiceAccountToken: false\n  containers: [{name: a, securityContext: {readOnlyRootFilesystem: true}, resources: {limits: {cpu: '1', memory: 1Gi}}}]\n";
        assert_eq!(run(spec, &cfg), []);
    }
}
