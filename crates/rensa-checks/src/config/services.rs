//! Remote-login servers: which are installed and what would start them.
//!
//! Scope: shell-login servers — OpenSSH `sshd`, Dropbear, telnetd and the BSD r-services (rshd,
//! rlogind, rexecd). FTP servers (vsftpd, proftpd) are not shell logins and are out of scope.
//! A server is *installed* when one of its binaries is a regular file in the image. It is
//! *configured to run* when any of these starts it: the image's Entrypoint/Cmd (the program itself, or
//! a word of a `sh -c` string, `service NAME start`, `/etc/init.d/NAME`), systemd (`*.wants/` links
//! under /etc/systemd/system, /lib/systemd/system, /usr/lib/systemd/system), sysvinit
//! (`/etc/rc[2-5].d/S*NAME`), an uncommented `/etc/inetd.conf` line, an `/etc/xinetd.d` service
//! without `disable = yes`, a supervisord `[program:]` without `autostart=false`, or a runit / s6
//! service directory (`/etc/service/NAME`, `/etc/services.d/NAME`, s6-overlay v3 `user` bundle).

use rensa_oci::{EntryKind, FileTree, Image};

use crate::config::sshd::{SshdConfig, SshdSettings};
use crate::config::{Out, at, dir_files, read_text, strip_comment};

/// One kind of remote-login server.
struct Server {
    name: &'static str,
    binaries: &'static [&'static str],
    /// Program names that start it (basenames).
    programs: &'static [&'static str],
    /// systemd unit / init script / service-directory names.
    units: &'static [&'static str],
    /// inetd service names (first field of inetd.conf, `service` of xinetd).
    inetd: &'static [&'static str],
}

const SERVERS: &[Server] = &[
    Server {
        name: "OpenSSH sshd",
        binaries: &[
            "/usr/sbin/sshd",
            "/usr/bin/sshd",
            "/sbin/sshd",
            "/usr/local/sbin/sshd",
        ],
        programs: &["sshd"],
        units: &["ssh", "sshd", "openssh", "openssh-server"],
        inetd: &["ssh"],
    },
    Server {
        name: "Dropbear",
        binaries: &["/usr/sbin/dropbear", "/usr/bin/dropbear", "/sbin/dropbear"],
        programs: &["dropbear"],
        units: &["dropbear"],
        inetd: &[],
    },
    Server {
        name: "telnetd",
        binaries: &[
            "/usr/sbin/in.telnetd",
            "/usr/sbin/telnetd",
            "/usr/libexec/telnetd",
            "/usr/bin/telnetd",
        ],
        programs: &["in.telnetd", "telnetd"],
        units: &["telnet", "telnetd", "inetutils-telnetd"],
        inetd: &["telnet"],
    },
    Server {
        name: "rsh/rlogin/rexec",
        binaries: &[
            "/usr/sbin/in.rshd",
            "/usr/sbin/in.rlogind",
            "/usr/sbin/in.rexecd",
            "/usr/sbin/rshd",
            "/usr/sbin/rlogind",
            "/usr/sbin/rexecd",
        ],
        programs: &["in.rshd", "in.rlogind", "in.rexecd", "rshd", "rlogind", "rexecd"],
        units: &["rsh", "rlogin", "rexec"],
        inetd: &["shell", "login", "exec"],
    },
];

/// An installed remote-login server and what starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteLoginService {
    /// `OpenSSH sshd`, `Dropbear`, `telnetd` or `rsh/rlogin/rexec`.
    pub server: String,
    /// The installed binary.
    pub binary: String,
    /// The layer that wrote the binary.
    pub layer: usize,
    /// What would start it, one entry each (`entrypoint: /usr/sbin/sshd -D`,
    /// `systemd: /etc/systemd/system/multi-user.target.wants/ssh.service`, …); empty when installed but
    /// not started by anything found.
    pub enabled_by: Vec<String>,
    /// For OpenSSH: the effective settings of the default connection (`None` without sshd_config).
    pub sshd: Option<SshdSettings>,
}

impl RemoteLoginService {
    /// Whether something in the image would start it.
    pub fn enabled(&self) -> bool {
        !self.enabled_by.is_empty()
    }
}

/// Finds the remote-login servers installed in the image, with what would start each and, for
/// OpenSSH, the effective `PermitRootLogin` / `PasswordAuthentication` / `PermitEmptyPasswords`.
pub fn remote_login(tree: &FileTree, image: &Image) -> Vec<RemoteLoginService> {
    let mut out = Out::default();
    let sshd = SshdConfig::load(tree, &mut out);
    detect(tree, image, sshd.as_ref(), &mut out)
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn detect(
    tree: &FileTree,
    image: &Image,
    sshd: Option<&SshdConfig>,
    out: &mut Out,
) -> Vec<RemoteLoginService> {
    let mut found = Vec::new();
    for server in SERVERS {
        let Some((binary, layer)) = server.binaries.iter().find_map(|b| match tree.resolve(b) {
            Ok(Some((_, n))) if n.kind == EntryKind::File => Some((b.to_string(), n.layer)),
            _ => None,
        }) else {
            continue;
        };
        let mut enabled_by = Vec::new();
        command_evidence(server, image, &mut enabled_by);
        systemd_evidence(server, tree, &mut enabled_by);
        sysv_evidence(server, tree, &mut enabled_by);
        inetd_evidence(server, tree, out, &mut enabled_by);
        supervisor_evidence(server, tree, out, &mut enabled_by);
        service_dir_evidence(server, tree, out, &mut enabled_by);
        enabled_by.sort();
        enabled_by.dedup();
        let sshd = (server.name == "OpenSSH sshd")
            .then(|| sshd.map(|c| c.effective(None)))
            .flatten();
        found.push(RemoteLoginService {
            server: server.name.to_string(),
            binary,
            layer,
            enabled_by,
            sshd,
        });
    }
    found
}

/// Words of a command line that name a program: each argument, and the words of shell strings.
fn command_mentions(server: &Server, words: &[String]) -> bool {
    let mut tokens: Vec<String> = Vec::new();
    for w in words {
        tokens.extend(
            w.split(|c: char| c.is_whitespace() || ";&|()`'\"".contains(c))
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        );
    }
    tokens.iter().enumerate().any(|(i, t)| {
        server.programs.contains(&basename(t))
            || (t.starts_with("/etc/init.d/") && server.units.contains(&basename(t)))
            || (basename(t) == "service"
                && tokens
                    .get(i + 1)
                    .is_some_and(|n| server.units.contains(&n.as_str())))
    })
}

fn command_evidence(server: &Server, image: &Image, ev: &mut Vec<String>) {
    let Some(cfg) = &image.config.config else {
        return;
    };
    let mut words: Vec<String> = cfg.entrypoint.clone().unwrap_or_default();
    words.extend(cfg.cmd.clone().unwrap_or_default());
    if !words.is_empty() && command_mentions(server, &words) {
        ev.push(format!("image Entrypoint/Cmd: {}", words.join(" ")));
    }
}

fn systemd_evidence(server: &Server, tree: &FileTree, ev: &mut Vec<String>) {
    for base in [
        "/etc/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
    ] {
        for (path, node) in tree.below(base) {
            let Some((dir, name)) = path.rsplit_once('/') else {
                continue;
            };
            if !dir.ends_with(".wants") || !matches!(node.kind, EntryKind::Symlink(_) | EntryKind::File) {
                continue;
            }
            let Some((unit, suffix)) = name.rsplit_once('.') else {
                continue;
            };
            if matches!(suffix, "service" | "socket") && server.units.contains(&unit.trim_end_matches('@')) {
                ev.push(format!("systemd: {path}"));
            }
        }
    }
}

fn sysv_evidence(server: &Server, tree: &FileTree, ev: &mut Vec<String>) {
    for level in ["2", "3", "4", "5"] {
        for path in dir_files_any(tree, &format!("/etc/rc{level}.d")) {
            let name = basename(&path);
            if let Some(rest) = name.strip_prefix('S') {
                let unit = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                if server.units.contains(&unit) {
                    ev.push(format!("sysvinit: {path}"));
                }
            }
        }
    }
}

/// Every entry directly in `dir` (files and links).
fn dir_files_any(tree: &FileTree, dir: &str) -> Vec<String> {
    let prefix = format!("{dir}/");
    tree.below(dir)
        .filter(|(p, _)| !p[prefix.len()..].contains('/'))
        .map(|(p, _)| p.to_string())
        .collect()
}

fn inetd_evidence(server: &Server, tree: &FileTree, out: &mut Out, ev: &mut Vec<String>) {
    if let Some(f) = read_text(tree, "/etc/inetd.conf", out) {
        for (i, line) in f.text.lines().enumerate() {
            let l = strip_comment(line).trim();
            if l.is_empty() {
                continue;
            }
            let fields: Vec<&str> = l.split_whitespace().collect();
            let service = fields[0].rsplit(':').next().unwrap_or("");
            let program = fields
                .iter()
                .skip(5)
                .any(|f| server.programs.contains(&basename(f)));
            if server.inetd.contains(&service) || program {
                ev.push(format!("inetd: {}", at(&f.path, i + 1, line)));
            }
        }
    }
    for path in dir_files(tree, "/etc/xinetd.d") {
        let Some(f) = read_text(tree, &path, out) else {
            continue;
        };
        // service NAME { key = value ... }
        let mut current: Option<(String, usize, bool, bool)> = None; // (name, line, disabled, program)
        for (i, line) in f.text.lines().enumerate() {
            let l = strip_comment(line).trim();
            if let Some(name) = l.strip_prefix("service") {
                current = Some((
                    name.trim().trim_end_matches('{').trim().to_string(),
                    i + 1,
                    false,
                    false,
                ));
            } else if let Some((k, v)) = l.split_once('=') {
                if let Some(c) = current.as_mut() {
                    let (k, v) = (k.trim().trim_end_matches(['+', '-']), v.trim());
                    if k == "disable" && v == "yes" {
                        c.2 = true;
                    }
                    if k == "server" && server.programs.contains(&basename(v)) {
                        c.3 = true;
                    }
                }
            } else if l.starts_with('}')
                && let Some((name, line, disabled, program)) = current.take()
                && !disabled
                && (program || server.inetd.contains(&name.as_str()))
            {
                ev.push(format!("xinetd: {}:{line}: service {name}", f.path));
            }
        }
    }
}

fn supervisor_evidence(server: &Server, tree: &FileTree, out: &mut Out, ev: &mut Vec<String>) {
    let mut files = vec![
        "/etc/supervisord.conf".to_string(),
        "/etc/supervisor/supervisord.conf".to_string(),
    ];
    files.extend(dir_files(tree, "/etc/supervisor/conf.d"));
    files.extend(dir_files(tree, "/etc/supervisord.d"));
    for path in files {
        let Some(f) = read_text(tree, &path, out) else {
            continue;
        };
        let mut section: Option<(String, usize)> = None;
        let mut command: Option<usize> = None;
        let mut autostart = true;
        let flush = |section: &Option<(String, usize)>,
                     command: Option<usize>,
                     autostart: bool,
                     ev: &mut Vec<String>| {
            if let (Some((name, _)), Some(line)) = (section, command)
                && autostart
            {
                ev.push(format!("supervisord: {}:{line}: [{name}]", f.path));
            }
        };
        for (i, line) in f.text.lines().enumerate() {
            let l = line.trim();
            if l.starts_with(';') || l.starts_with('#') {
                continue;
            }
            if l.starts_with('[') {
                flush(&section, command, autostart, ev);
                let name = l.trim_matches(|c| c == '[' || c == ']').to_string();
                section = name.starts_with("program:").then_some((name, i + 1));
                command = None;
                autostart = true;
            } else if let Some((k, v)) = l.split_once('=') {
                match k.trim() {
                    "command" if command_mentions(server, &[v.trim().to_string()]) => command = Some(i + 1),
                    "autostart" => autostart = !v.trim().eq_ignore_ascii_case("false"),
                    _ => {}
                }
            }
        }
        flush(&section, command, autostart, ev);
    }
}

fn service_dir_evidence(server: &Server, tree: &FileTree, out: &mut Out, ev: &mut Vec<String>) {
    // runit (/etc/service/NAME is the enabled set) and s6-overlay v2 (/etc/services.d/NAME).
    for base in ["/etc/service", "/etc/services.d"] {
        for dir in dir_files_any(tree, base) {
            let name = basename(&dir);
            let run = format!("{dir}/run");
            let mentions = read_text(tree, &run, out)
                .is_some_and(|f| command_mentions(server, &[strip_shell_comments(&f.text)]));
            if server.units.contains(&name) || mentions {
                ev.push(format!("service directory: {dir}"));
            }
        }
    }
    // s6-overlay v3: /etc/s6-overlay/s6-rc.d/user/contents.d/NAME enables s6-rc.d/NAME.
    for entry in dir_files_any(tree, "/etc/s6-overlay/s6-rc.d/user/contents.d") {
        let name = basename(&entry);
        let run = format!("/etc/s6-overlay/s6-rc.d/{name}/run");
        let mentions = read_text(tree, &run, out)
            .is_some_and(|f| command_mentions(server, &[strip_shell_comments(&f.text)]));
        if server.units.contains(&name) || mentions {
            ev.push(format!("s6-overlay: {entry}"));
        }
    }
}

fn strip_shell_comments(text: &str) -> String {
    text.lines().map(strip_comment).collect::<Vec<_>>().join("\n")
}

/// `remote-login-enabled`: one finding per server that is installed and started by something.
pub(crate) fn check(tree: &FileTree, image: &Image, sshd: Option<&SshdConfig>, out: &mut Out) {
    for s in detect(tree, image, sshd, out) {
        if !s.enabled() {
            continue;
        }
        out.finding(
            "remote-login-enabled",
            format!(
                "{} installed ({}) and started by: {}",
                s.server,
                s.binary,
                s.enabled_by.join("; ")
            ),
            Some(&s.binary),
            Some(s.layer),
        );
    }
}
