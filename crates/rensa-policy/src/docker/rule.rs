//! The Docker authorization rules: every id the plugin can deny with, with why it matters, what to do
//! instead and its references (CIS Docker Benchmark section 5 "Container Runtime", NIST SP 800-190). The
//! ids are a public contract: never rename one. The remediation is written for the `docker` command line
//! because it ends up in the error message `docker` prints.

pub use crate::deploy::rule::{Applies, Rule, Severity};

/// Looks a Docker rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

macro_rules! docker_rules {
    ($($id:literal $sev:ident { $title:literal, $why:literal, $fix:literal, [$($r:literal),*] })*) => {
        /// Every Docker rule, sorted by id.
        pub const RULES: &[Rule] = &[$(Rule {
            id: $id,
            severity: Severity::$sev,
            applies: Applies::Docker,
            title: $title,
            rationale: $why,
            remediation: $fix,
            references: &[$($r),*],
        }),*];
    };
}

docker_rules! {
    "docker-apparmor-unconfined" High {
        "containers must not run without AppArmor confinement",
        "`--security-opt apparmor=unconfined` removes the mandatory access control profile that stops a container from writing to /proc and /sys and mounting file systems",
        "remove --security-opt apparmor=unconfined (the default docker-default profile applies)",
        ["CIS Docker 5.1", "NIST SP 800-190 4.4.3"]
    }
    "docker-bad-request" High {
        "requests the plugin must inspect must be readable",
        "the plugin cannot tell what a request it cannot decode would do, so it refuses it (fail closed); dockerd sends no body when it is over 1 MiB or not JSON",
        "send a JSON request body under 1 MiB",
        ["NIST SP 800-190 4.3.1"]
    }
    "docker-capability" High {
        "containers must not add capabilities beyond the allowed set",
        "capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE or SYS_MODULE give a container powers close to root on the host",
        "remove the --cap-add, or allow the capability in the policy (`docker.allowed_capabilities`)",
        ["CIS Docker 5.3", "NIST SP 800-190 4.4.3"]
    }
    "docker-device" High {
        "containers must not get host devices",
        "a host device (`--device`, `--device-cgroup-rule`, `--gpus`) gives the container direct access to hardware or kernel interfaces of the host: disks, memory, consoles",
        "remove the --device/--device-cgroup-rule/--gpus option, or allow the device in the policy (`docker.allowed_devices`)",
        ["CIS Docker 5.17", "NIST SP 800-190 4.4.3"]
    }
    "docker-exec" High {
        "commands must not be run in running containers, except by allowed users",
        "`docker exec` changes a running container outside its image and deployment record, and a privileged or root exec can escape it",
        "rebuild and redeploy the container instead of changing it in place; a user who must exec has to be in `docker.exec_allowed_users` (TLS client-certificate users), or the policy's `docker.exec` mode must allow it",
        ["CIS Docker 5.22", "CIS Docker 5.23", "NIST SP 800-190 4.4.1"]
    }
    "docker-host-ipc" High {
        "containers must not share the host's IPC namespace",
        "`--ipc=host` lets a container read and write the shared memory of every process on the host",
        "run without --ipc=host",
        ["CIS Docker 5.16", "NIST SP 800-190 4.4.3"]
    }
    "docker-host-network" High {
        "containers must not use the host's network namespace",
        "`--network=host` exposes the host's interfaces and loopback services (including the container runtime's) to the container",
        "run without --network=host and publish the ports the workload needs (-p)",
        ["CIS Docker 5.9", "NIST SP 800-190 4.4.2"]
    }
    "docker-host-pid" High {
        "containers must not share the host's PID namespace",
        "`--pid=host` lets a container see and signal every process on the host and read their environment and memory",
        "run without --pid=host",
        ["CIS Docker 5.15", "NIST SP 800-190 4.4.3"]
    }
    "docker-host-userns" High {
        "containers must not leave the daemon's user namespace remapping",
        "`--userns=host` turns off user namespace remapping for the container: root inside is root on the host",
        "run without --userns=host",
        ["CIS Docker 5.30", "NIST SP 800-190 4.4.3"]
    }
    "docker-host-uts" Medium {
        "containers must not share the host's UTS namespace",
        "`--uts=host` lets a container change the host's hostname and domain name",
        "run without --uts=host",
        ["CIS Docker 5.20"]
    }
    "docker-image-not-allowed" High {
        "images must come from an allowed registry or repository",
        "images from registries outside the organisation's control have not gone through its scanning, signing and access control",
        "use an image from an allowed registry (`images.allowed` in the deploy policy)",
        ["NIST SP 800-190 4.2.1", "CIS Docker 4.2"]
    }
    "docker-image-not-pinned" Medium {
        "images must be referenced by digest",
        "a tag can be moved to another image after it was scanned and signed; only a digest names exactly the image that was checked",
        "reference the image as REPOSITORY@sha256:DIGEST",
        ["NIST SP 800-190 4.1.4"]
    }
    "docker-image-not-trusted" Critical {
        "images must satisfy the trust policy (signatures, attested stages, scan verdicts)",
        "an image nobody with a trusted key has signed, or that has not passed the required pipeline stages, may have been built or altered outside the controlled pipeline",
        "run an image that is signed and attested as `images.trust_policy` requires (`rensa verify IMAGE --policy TRUST.yaml` shows what is missing)",
        ["NIST SP 800-190 4.1.5", "NIST SP 800-190 4.2.3"]
    }
    "docker-image-too-old" High {
        "images must have been built within the policy's maximum age",
        "an old image misses the fixes published since it was built",
        "rebuild the image from an up-to-date base (or raise `images.max_age`)",
        ["NIST SP 800-190 4.1.1"]
    }
    "docker-image-verification-failed" Critical {
        "the plugin must be able to verify every image",
        "when the registry cannot be reached, or a local image has no repository to look its signatures up in, nothing has proven that it is trusted: the plugin fails closed",
        "run images by their registry reference and make the registry reachable from the plugin",
        ["NIST SP 800-190 4.2.3"]
    }
    "docker-mount-propagation" Medium {
        "bind mounts must not use shared mount propagation",
        "a shared or rshared bind mount propagates mounts made inside the container back to the host",
        "drop the shared/rshared propagation option from -v/--mount",
        ["CIS Docker 5.19"]
    }
    "docker-plugin" High {
        "engine plugins may only be installed or changed when the policy allows them",
        "a managed plugin runs with the privileges it asks for (often all of them) on the host, outside any container policy",
        "install only plugins listed in `docker.allowed_plugins`",
        ["NIST SP 800-190 4.3.1", "NIST SP 800-190 4.5.1"]
    }
    "docker-privileged" Critical {
        "containers must not run privileged",
        "a privileged container has every capability and every host device, no seccomp or AppArmor confinement, and can take over the host",
        "run without --privileged",
        ["CIS Docker 5.4", "CIS Docker 5.22", "NIST SP 800-190 4.4.3"]
    }
    "docker-seccomp-unconfined" High {
        "containers must not run without a seccomp profile",
        "`--security-opt seccomp=unconfined` lets the container make the rarely used system calls through which most kernel exploits reach the host",
        "remove --security-opt seccomp=unconfined (the default seccomp profile applies)",
        ["CIS Docker 5.21", "NIST SP 800-190 4.4.3"]
    }
    "docker-selinux-disabled" High {
        "containers must not turn off SELinux separation",
        "`--security-opt label=disable` (or an spc_t/unconfined_t type) removes the SELinux labels that keep the container away from host files",
        "remove --security-opt label=disable",
        ["CIS Docker 5.2"]
    }
    "docker-sensitive-mount" Critical {
        "containers must not mount sensitive host paths",
        "a bind mount of /, /etc, /proc, /sys, the docker socket or the engine's data gives the container the host: credentials, the kernel's interfaces or control of the engine",
        "mount a named volume or a dedicated directory instead, or allow the path in the policy (`docker.allowed_bind_paths`)",
        ["CIS Docker 5.5", "CIS Docker 5.31", "NIST SP 800-190 4.4.3"]
    }
    "docker-unmasked-paths" High {
        "containers must keep the runtime's masked and read-only /proc and /sys paths",
        "`--security-opt systempaths=unconfined` unmasks kernel interfaces under /proc and /sys that the runtime hides by default",
        "remove --security-opt systempaths=unconfined",
        ["NIST SP 800-190 4.4.3"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_unique_kebab_case_and_prefixed() {
        for pair in RULES.windows(2) {
            assert!(pair[0].id < pair[1].id, "{} before {}", pair[0].id, pair[1].id);
        }
        for r in RULES {
            assert!(r.id.starts_with("docker-"), "{}", r.id);
            assert!(
                r.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            assert!(!r.references.is_empty(), "{}", r.id);
            assert!(crate::deploy::rule::rule(r.id).is_none(), "{} clashes", r.id);
        }
    }
}
