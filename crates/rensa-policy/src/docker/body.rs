//! The checks over request bodies: container create (`HostConfig`), exec create, container update,
//! volume create, swarm service create/update, and the image and plugin names of pulls.
//!
//! dockerd decodes bodies with Go's `encoding/json`, which matches field names case-insensitively
//! (`"hostconfig": {"privileged": true}` is privileged) and also reads `HostConfig` fields placed at the
//! top level of a container-create body. The checks read every field that dockerd could read: all keys
//! that fold to the field's name, `HostConfig` and the top level. A field of a type dockerd would refuse
//! is an error (the request is denied as `docker-bad-request`).

use rensa_trust::policy::ImageName;
use serde_json::Value;

use super::mount;
use crate::deploy::config::{Docker, DockerExec, Images, normalize_capability};

/// A rule broken by a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) rule: &'static str,
    pub(crate) message: String,
}

type Out = Vec<Hit>;

/// The image policy for one call: `images.*`, and the verifier when images are to be verified
/// against their registry (container and service create; not pulls).
pub(crate) struct ImageRules<'a> {
    pub(crate) cfg: &'a Images,
    pub(crate) verifier: Option<&'a dyn crate::deploy::verify::ImageVerifier>,
    pub(crate) verify: bool,
    pub(crate) now: rensa_trust::predicate::Timestamp,
}
type Res = Result<(), String>;

fn hit(out: &mut Out, rule: &'static str, message: String) {
    out.push(Hit { rule, message });
}

/// Docker's default capability set: adding one of these back changes nothing.
pub const DOCKER_DEFAULT_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The paths runc masks by default (moby `oci.DefaultSpec`): a `MaskedPaths` without all of them unmasks.
pub const DEFAULT_MASKED_PATHS: &[&str] = &[
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/firmware",
];

/// The paths runc makes read-only by default: a `ReadonlyPaths` without all of them exposes them.
pub const DEFAULT_READONLY_PATHS: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Go's case folding of JSON field names (simple folding; `ſ` is `s`, `K` is `k`).
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .flat_map(char::to_uppercase)
        .collect()
}

/// Every non-null value of the object's keys that fold to `name`.
fn fields<'a>(v: &'a Value, name: &str) -> Vec<&'a Value> {
    let Some(map) = v.as_object() else {
        return Vec::new();
    };
    let want = fold(name);
    map.iter()
        .filter(|(k, v)| !v.is_null() && (k.as_str() == name || fold(k) == want))
        .map(|(_, v)| v)
        .collect()
}

fn type_error(name: &str, want: &str, got: &Value) -> String {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{name} is {kind}, not {want}")
}

fn any_true(v: &Value, name: &str) -> Result<bool, String> {
    let mut any = false;
    for f in fields(v, name) {
        any |= f.as_bool().ok_or_else(|| type_error(name, "a boolean", f))?;
    }
    Ok(any)
}

fn strings<'a>(v: &'a Value, name: &str) -> Result<Vec<&'a str>, String> {
    fields(v, name)
        .into_iter()
        .map(|f| f.as_str().ok_or_else(|| type_error(name, "a string", f)))
        .collect()
}

fn arrays<'a>(v: &'a Value, name: &str) -> Result<Vec<&'a Value>, String> {
    let mut out = Vec::new();
    for f in fields(v, name) {
        out.extend(
            f.as_array()
                .ok_or_else(|| type_error(name, "an array", f))?
                .iter()
                .filter(|x| !x.is_null()),
        );
    }
    Ok(out)
}

fn string_list<'a>(v: &'a Value, name: &str) -> Result<Vec<&'a str>, String> {
    arrays(v, name)?
        .into_iter()
        .map(|x| {
            x.as_str()
                .ok_or_else(|| type_error(&format!("an item of {name}"), "a string", x))
        })
        .collect()
}

fn objects<'a>(v: &'a Value, name: &str) -> Result<Vec<&'a Value>, String> {
    fields(v, name)
        .into_iter()
        .map(|f| {
            if f.is_object() {
                Ok(f)
            } else {
                Err(type_error(name, "an object", f))
            }
        })
        .collect()
}

fn object_items<'a>(v: &'a Value, name: &str) -> Result<Vec<&'a Value>, String> {
    arrays(v, name)?
        .into_iter()
        .map(|x| {
            if x.is_object() {
                Ok(x)
            } else {
                Err(type_error(&format!("an item of {name}"), "an object", x))
            }
        })
        .collect()
}

fn require_object(body: &Value) -> Res {
    if body.is_object() {
        Ok(())
    } else {
        Err(type_error("the body", "a JSON object", body))
    }
}

/// `POST /containers/create`.
pub(crate) fn container_create(body: &Value, cfg: &Docker, images: &ImageRules<'_>, out: &mut Out) -> Res {
    require_object(body)?;
    let mut host_configs = vec![body];
    host_configs.extend(objects(body, "HostConfig")?);
    for hc in host_configs {
        host_config(hc, cfg, out)?;
    }
    let names = strings(body, "Image")?;
    if names.is_empty() {
        image("", images, out);
    }
    for name in names {
        image(name, images, out);
    }
    Ok(())
}

fn host_config(hc: &Value, cfg: &Docker, out: &mut Out) -> Res {
    if any_true(hc, "Privileged")? {
        hit(
            out,
            "docker-privileged",
            "privileged containers are not allowed".into(),
        );
    }
    for (field, rule, flag, what) in [
        ("PidMode", "docker-host-pid", "--pid=host", "PID"),
        ("IpcMode", "docker-host-ipc", "--ipc=host", "IPC"),
        ("NetworkMode", "docker-host-network", "--network=host", "network"),
        ("UTSMode", "docker-host-uts", "--uts=host", "UTS"),
        ("UsernsMode", "docker-host-userns", "--userns=host", "user"),
    ] {
        if strings(hc, field)?.iter().any(|m| m.eq_ignore_ascii_case("host")) {
            hit(
                out,
                rule,
                format!("the container would share the host's {what} namespace ({flag})"),
            );
        }
    }
    let mut caps = string_list(hc, "CapAdd")?;
    caps.extend(string_list(hc, "Capabilities")?);
    capabilities(&caps, cfg, "--cap-add", out);
    for bind in string_list(hc, "Binds")? {
        let parts: Vec<&str> = bind.split(':').collect();
        if parts.len() < 2 || !parts[0].starts_with('/') {
            continue; // an anonymous or named volume
        }
        host_path(parts[0], &format!("the bind mount {bind:?}"), cfg, out);
        if parts.len() >= 3 && parts[2].split(',').any(|o| o == "shared" || o == "rshared") {
            hit(
                out,
                "docker-mount-propagation",
                format!("the bind mount {bind:?} uses shared mount propagation"),
            );
        }
    }
    mounts(hc, cfg, out)?;
    devices(hc, cfg, out)?;
    for opt in string_list(hc, "SecurityOpt")? {
        let (key, value) = opt
            .split_once('=')
            .or_else(|| opt.split_once(':'))
            .unwrap_or((opt, ""));
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let unconfined = value.eq_ignore_ascii_case("unconfined");
        match key.as_str() {
            "seccomp" if unconfined => hit(
                out,
                "docker-seccomp-unconfined",
                "the container would run without a seccomp profile (--security-opt seccomp=unconfined)".into(),
            ),
            "apparmor" if unconfined => hit(
                out,
                "docker-apparmor-unconfined",
                "the container would run without AppArmor (--security-opt apparmor=unconfined)".into(),
            ),
            "systempaths" if unconfined => hit(
                out,
                "docker-unmasked-paths",
                "the container would see the host's unmasked /proc and /sys paths (--security-opt systempaths=unconfined)".into(),
            ),
            "label"
                if value.eq_ignore_ascii_case("disable")
                    || value.eq_ignore_ascii_case("type:spc_t")
                    || value.eq_ignore_ascii_case("type:unconfined_t") =>
            {
                hit(
                    out,
                    "docker-selinux-disabled",
                    format!("the container would run without SELinux separation (--security-opt {opt})"),
                )
            }
            _ => {}
        }
    }
    for (field, defaults, what) in [
        ("MaskedPaths", DEFAULT_MASKED_PATHS, "masked"),
        ("ReadonlyPaths", DEFAULT_READONLY_PATHS, "read-only"),
    ] {
        for f in fields(hc, field) {
            let list = f.as_array().ok_or_else(|| type_error(field, "an array", f))?;
            let missing: Vec<&str> = defaults
                .iter()
                .filter(|d| !list.iter().any(|x| x.as_str() == Some(d)))
                .copied()
                .collect();
            if !missing.is_empty() {
                hit(
                    out,
                    "docker-unmasked-paths",
                    format!(
                        "the container's {field} leaves paths the runtime keeps {what} open: {}",
                        missing.join(", ")
                    ),
                );
            }
        }
    }
    Ok(())
}

fn capabilities(caps: &[&str], cfg: &Docker, flag: &str, out: &mut Out) {
    let mut bad: Vec<String> = caps
        .iter()
        .map(|c| normalize_capability(c))
        .filter(|c| {
            !DOCKER_DEFAULT_CAPABILITIES.contains(&c.as_str()) && !cfg.allowed_capabilities.contains(c)
        })
        .collect();
    bad.sort();
    bad.dedup();
    if !bad.is_empty() {
        hit(
            out,
            "docker-capability",
            format!(
                "the container adds capabilities beyond the allowed set ({flag} {})",
                bad.join(", ")
            ),
        );
    }
}

fn host_path(path: &str, what: &str, cfg: &Docker, out: &mut Out) {
    match mount::exposed(path, &cfg.sensitive_paths, &cfg.allowed_bind_paths) {
        Some(hits) if hits.is_empty() => {}
        Some(hits) => hit(
            out,
            "docker-sensitive-mount",
            format!(
                "{what} exposes the sensitive host path{} {}",
                if hits.len() == 1 { "" } else { "s" },
                if hits.len() > 4 {
                    format!("{} and {} more", hits[..4].join(", "), hits.len() - 4)
                } else {
                    hits.join(", ")
                }
            ),
        ),
        None => hit(
            out,
            "docker-sensitive-mount",
            format!("{what} names the host path {path:?}, which is not an absolute path"),
        ),
    }
}

/// `Mounts` (`--mount`): binds by source path, volumes of the local driver by their `device` option.
fn mounts(spec: &Value, cfg: &Docker, out: &mut Out) -> Res {
    for m in object_items(spec, "Mounts")? {
        let kind = strings(m, "Type")?
            .first()
            .copied()
            .unwrap_or("")
            .to_ascii_lowercase();
        let sources = strings(m, "Source")?;
        match kind.as_str() {
            "volume" => {
                for vo in objects(m, "VolumeOptions")? {
                    for dc in objects(vo, "DriverConfig")? {
                        let driver = strings(dc, "Name")?.first().copied().unwrap_or("");
                        local_volume(driver, &objects(dc, "Options")?, cfg, out)?;
                    }
                }
            }
            "tmpfs" | "npipe" | "cluster" => {}
            _ => {
                for source in sources {
                    host_path(source, &format!("the bind mount of {source:?}"), cfg, out);
                }
                for bo in objects(m, "BindOptions")? {
                    if strings(bo, "Propagation")?
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case("shared") || p.eq_ignore_ascii_case("rshared"))
                    {
                        hit(
                            out,
                            "docker-mount-propagation",
                            "a bind mount uses shared mount propagation".into(),
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// A volume of the `local` driver whose `device` option is a host path (`o=bind`, or a block device).
fn local_volume(driver: &str, options: &[&Value], cfg: &Docker, out: &mut Out) -> Res {
    if !(driver.is_empty() || driver.eq_ignore_ascii_case("local")) {
        return Ok(());
    }
    for opts in options {
        for device in strings(opts, "device")? {
            if device.starts_with('/') {
                host_path(
                    device,
                    &format!("the local volume with device={device:?}"),
                    cfg,
                    out,
                );
            }
        }
    }
    Ok(())
}

fn devices(hc: &Value, cfg: &Docker, out: &mut Out) -> Res {
    let mut bad = Vec::new();
    for d in object_items(hc, "Devices")? {
        for p in strings(d, "PathOnHost")? {
            let n = mount::normalize(p).unwrap_or_else(|| p.to_string());
            if !cfg.allowed_devices.contains(&n) {
                bad.push(p.to_string());
            }
        }
    }
    if !bad.is_empty() {
        hit(
            out,
            "docker-device",
            format!(
                "the container would get the host device{} {} (--device)",
                if bad.len() == 1 { "" } else { "s" },
                bad.join(", ")
            ),
        );
    }
    let rules = string_list(hc, "DeviceCgroupRules")?;
    if !rules.is_empty() {
        hit(
            out,
            "docker-device",
            format!(
                "the container would get device cgroup rules {} (--device-cgroup-rule)",
                rules.join(", ")
            ),
        );
    }
    if !arrays(hc, "DeviceRequests")?.is_empty() && !cfg.allowed_devices.iter().any(|d| d == "gpus") {
        hit(
            out,
            "docker-device",
            "the container requests host devices (--gpus)".into(),
        );
    }
    Ok(())
}

/// `POST /containers/{id}/start` with a body: before API 1.24 the body is a `HostConfig` that dockerd
/// applies to the container.
pub(crate) fn container_start(body: &Value, cfg: &Docker, out: &mut Out) -> Res {
    if body.is_null() {
        return Ok(());
    }
    require_object(body)?;
    host_config(body, cfg, out)
}

/// `POST /containers/{id}/update`: the resources it can change include devices.
pub(crate) fn container_update(body: &Value, cfg: &Docker, out: &mut Out) -> Res {
    require_object(body)?;
    devices(body, cfg, out)
}

/// Whether an exec `User` (`USER[:GROUP]`, names or ids) is root or may be (empty: the image's user).
fn root_like(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name.trim_start_matches('0').is_empty()
}

/// `POST /containers/{id}/exec`; `api_user` is the authenticated API user (empty without TLS client auth).
pub(crate) fn exec_create(body: &Value, container: &str, api_user: &str, cfg: &Docker, out: &mut Out) -> Res {
    require_object(body)?;
    let privileged = any_true(body, "Privileged")?;
    let users = strings(body, "User")?;
    if !api_user.is_empty() && cfg.exec_allowed_users.iter().any(|u| u == api_user) {
        return Ok(());
    }
    let who = if api_user.is_empty() {
        String::new()
    } else {
        format!(" by {api_user:?}")
    };
    match cfg.exec {
        DockerExec::Deny => hit(
            out,
            "docker-exec",
            format!("exec into container {container:?}{who} is not allowed"),
        ),
        DockerExec::Unprivileged | DockerExec::NonRoot if privileged => hit(
            out,
            "docker-exec",
            format!("privileged exec into container {container:?}{who} is not allowed (--privileged)"),
        ),
        DockerExec::NonRoot if users.is_empty() || users.iter().any(|u| root_like(u)) => hit(
            out,
            "docker-exec",
            format!(
                "exec into container {container:?}{who} as {} is not allowed; only non-root users (--user UID) may exec",
                match users.first() {
                    Some(u) if !u.is_empty() => format!("{u:?}"),
                    _ => "the image's default user".to_string(),
                }
            ),
        ),
        _ => {}
    }
    Ok(())
}

/// `POST /volumes/create`.
pub(crate) fn volume_create(body: &Value, cfg: &Docker, out: &mut Out) -> Res {
    require_object(body)?;
    let drivers = strings(body, "Driver")?;
    let driver = drivers.first().copied().unwrap_or("");
    local_volume(driver, &objects(body, "DriverOpts")?, cfg, out)
}

/// `POST /services/create` and `/services/{id}/update`: the task template's container spec.
pub(crate) fn service(body: &Value, cfg: &Docker, images: &ImageRules<'_>, out: &mut Out) -> Res {
    require_object(body)?;
    let templates = objects(body, "TaskTemplate")?;
    let mut networks = object_items(body, "Networks")?;
    for t in &templates {
        networks.extend(object_items(t, "Networks")?);
        for spec in objects(t, "ContainerSpec")? {
            for name in strings(spec, "Image")? {
                image(name, images, out);
            }
            mounts(spec, cfg, out)?;
            capabilities(&string_list(spec, "CapabilityAdd")?, cfg, "--cap-add", out);
            for p in objects(spec, "Privileges")? {
                for se in objects(p, "SELinuxContext")? {
                    if any_true(se, "Disable")? {
                        hit(
                            out,
                            "docker-selinux-disabled",
                            "the service's containers would run without SELinux separation".into(),
                        );
                    }
                }
                for sc in objects(p, "Seccomp")? {
                    if strings(sc, "Mode")?
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case("unconfined"))
                    {
                        hit(
                            out,
                            "docker-seccomp-unconfined",
                            "the service's containers would run without a seccomp profile".into(),
                        );
                    }
                }
                for aa in objects(p, "AppArmor")? {
                    if strings(aa, "Mode")?
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case("disabled"))
                    {
                        hit(
                            out,
                            "docker-apparmor-unconfined",
                            "the service's containers would run without AppArmor".into(),
                        );
                    }
                }
            }
        }
        for plugin in objects(t, "PluginSpec")? {
            let mut names: Vec<String> = strings(plugin, "Remote")?.iter().map(|s| s.to_string()).collect();
            names.extend(strings(plugin, "Name")?.iter().map(|s| s.to_string()));
            plugins("service plugin", &names, cfg, out);
        }
    }
    for n in networks {
        if strings(n, "Target")?
            .iter()
            .any(|t| t.eq_ignore_ascii_case("host"))
        {
            hit(
                out,
                "docker-host-network",
                "the service's containers would use the host's network (--network host)".into(),
            );
        }
    }
    Ok(())
}

/// Whether `image` is an image ID (`sha256:` and 64 hex digits, or the 64 hex digits alone).
fn image_id(image: &str) -> bool {
    let hex = image.strip_prefix("sha256:").unwrap_or(image);
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The image rules over one image reference (container create, service, pull).
pub(crate) fn image(image: &str, rules: &ImageRules<'_>, out: &mut Out) {
    let cfg = rules.cfg;
    if !cfg.allowed.is_empty() {
        let allowed = || {
            cfg.allowed
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if image.is_empty() {
            hit(
                out,
                "docker-image-not-allowed",
                "the request names no image".into(),
            );
        } else if image_id(image) {
            hit(
                out,
                "docker-image-not-allowed",
                format!(
                    "the image ID {image} names no repository, so images.allowed ({}) cannot match it",
                    allowed()
                ),
            );
        } else {
            match ImageName::parse(image) {
                Some(name) if cfg.allowed.iter().any(|p| p.matches(&name.full())) => {}
                Some(name) => hit(
                    out,
                    "docker-image-not-allowed",
                    format!(
                        "the image {image} ({}) is not in an allowed repository ({})",
                        name.full(),
                        allowed()
                    ),
                ),
                None => hit(
                    out,
                    "docker-image-not-allowed",
                    format!("{image:?} is not an image reference"),
                ),
            }
        }
    }
    if cfg.require_digest && !image.is_empty() && !crate::deploy::image::pinned(image) && !image_id(image) {
        hit(
            out,
            "docker-image-not-pinned",
            format!("the image {image} is referenced by tag, not by digest"),
        );
    }
    if rules.verify && cfg.needs_registry() && !image.is_empty() {
        use crate::deploy::verify::Problem;
        if image_id(image) {
            hit(
                out,
                "docker-image-verification-failed",
                format!("the image ID {image} names no repository, so its signatures cannot be looked up"),
            );
            return;
        }
        for (problem, message) in crate::deploy::verify::judge(image, cfg, rules.verifier, rules.now) {
            let (rule, message) = match problem {
                Problem::Failed => ("docker-image-verification-failed", message),
                Problem::NotTrusted => ("docker-image-not-trusted", format!("the image {message}")),
                Problem::TooOld => ("docker-image-too-old", format!("the image {message}")),
            };
            hit(out, rule, message);
        }
    }
}

/// The plugin allowlist over the names of a plugin call.
pub(crate) fn plugins(operation: &str, names: &[String], cfg: &Docker, out: &mut Out) {
    if names.is_empty() {
        hit(
            out,
            "docker-plugin",
            format!("plugin {operation} names no plugin"),
        );
        return;
    }
    for name in names {
        let allowed =
            ImageName::parse(name).is_some_and(|n| cfg.allowed_plugins.iter().any(|p| p.matches(&n.full())));
        if !allowed {
            hit(
                out,
                "docker-plugin",
                format!("plugin {operation} of {name} is not allowed (docker.allowed_plugins)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_style_field_matching() {
        let v: Value = serde_json::from_str(
            r#"{"privileged": false, "PRIVILEGED": true, "Binds": null, "Bindſ": ["/:/h"], "Other": 1}"#,
        )
        .unwrap();
        assert!(any_true(&v, "Privileged").unwrap());
        assert_eq!(string_list(&v, "Binds").unwrap(), ["/:/h"]);
        assert!(fields(&v, "Missing").is_empty());
        let bad: Value = serde_json::from_str(r#"{"Privileged": "yes"}"#).unwrap();
        assert_eq!(
            any_true(&bad, "Privileged").unwrap_err(),
            "Privileged is a string, not a boolean"
        );
    }

    #[test]
    fn root_like_users() {
        for u in ["", "root", "0", "0:0", "000", "root:wheel", " 0 "] {
            assert!(root_like(u), "{u:?}");
        }
        for u in ["1000", "app", "app:0", "10"] {
            assert!(!root_like(u), "{u:?}");
        }
    }
}
