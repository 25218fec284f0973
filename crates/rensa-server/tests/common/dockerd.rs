//! A real dockerd (Debian's `docker.io`, 20.10) started and stopped by a test: its own data root, exec
//! root, pid file, config file and unix socket in a temporary directory, no iptables and no bridge (see
//! DESIGN.md), optionally with `--authorization-plugin`. The client is `/usr/bin/docker` (the 20.10
//! client; a newer one may be first in PATH). Waits are bounded; the daemon's log is kept for failures.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The 20.10 client.
pub const DOCKER: &str = "/usr/bin/docker";

/// Where dockerd is, if it is installed.
pub fn dockerd_binary() -> Option<PathBuf> {
    ["/usr/sbin/dockerd", "/usr/bin/dockerd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// A running dockerd; stopped (and its directory removed) on drop.
pub struct Dockerd {
    dir: tempfile::TempDir,
    child: Option<Child>,
    socket: PathBuf,
    log: PathBuf,
}

impl Dockerd {
    /// Starts dockerd with `extra` flags (e.g. `--authorization-plugin=NAME`) and waits (at most 60 s)
    /// until it answers `docker version`.
    pub fn start(dockerd: &Path, extra: &[String]) -> Result<Dockerd, String> {
        // Short paths: the sockets under it must fit in sun_path (108 bytes).
        let dir = tempfile::Builder::new()
            .prefix("rensa-dockerd-")
            .tempdir_in("/tmp")
            .map_err(|e| format!("temporary directory: {e}"))?;
        let d = dir.path();
        for sub in ["data", "exec", "cli"] {
            std::fs::create_dir(d.join(sub)).map_err(|e| e.to_string())?;
        }
        std::fs::write(d.join("daemon.json"), "{}").map_err(|e| e.to_string())?;
        let socket = d.join("docker.sock");
        let log = d.join("dockerd.log");
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(dockerd);
        cmd.arg(format!("--config-file={}", d.join("daemon.json").display()))
            .arg(format!("--data-root={}", d.join("data").display()))
            .arg(format!("--exec-root={}", d.join("exec").display()))
            .arg(format!("--pidfile={}", d.join("dockerd.pid").display()))
            .arg(format!("--host=unix://{}", socket.display()))
            .args([
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none",
                "--shutdown-timeout=5",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file);
        let child = cmd.spawn().map_err(|e| format!("{}: {e}", dockerd.display()))?;
        let mut daemon = Dockerd {
            dir,
            child: Some(child),
            socket,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = daemon.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                return Err(format!("dockerd exited with {status}:\n{}", daemon.log()));
            }
            if daemon.socket.exists() {
                let out = daemon.docker(&["version", "--format", "{{.Server.Version}}"]);
                if out.status.success() {
                    break;
                }
            }
            if Instant::now() > deadline {
                return Err(format!("dockerd did not answer within 60 s:\n{}", daemon.log()));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(daemon)
    }

    /// The API socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// The last `n` lines of the log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Runs `/usr/bin/docker -H unix://SOCKET ARGS` (at most 120 s) with its own client config.
    pub fn docker(&self, args: &[&str]) -> Output {
        let mut child = Command::new(DOCKER)
            .arg("-H")
            .arg(format!("unix://{}", self.socket.display()))
            .args(args)
            .env("DOCKER_CONFIG", self.dir.path().join("cli"))
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{DOCKER}: {e}"));
        // Read both pipes on threads so a full pipe cannot block the wait below.
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out_thread = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = stdout.read_to_end(&mut b);
            b
        });
        let err_thread = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = stderr.read_to_end(&mut b);
            b
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                break child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Output {
            status,
            stdout: out_thread.join().unwrap(),
            stderr: err_thread.join().unwrap(),
        }
    }

    /// Imports a one-layer image `tag` made of a static busybox (`/bin/busybox` from Debian's
    /// `busybox-static`) with `sh`, `true`, `id`, `sleep` and `echo` links: no network needed.
    pub fn import_busybox(&self, tag: &str) -> Result<(), String> {
        let busybox = Path::new("/bin/busybox");
        let rootfs = self.dir.path().join("rootfs");
        std::fs::create_dir_all(rootfs.join("bin")).map_err(|e| e.to_string())?;
        std::fs::copy(busybox, rootfs.join("bin/busybox"))
            .map_err(|e| format!("{}: {e} (install busybox-static)", busybox.display()))?;
        for tool in ["sh", "true", "id", "sleep", "echo", "cat"] {
            std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(tool))
                .map_err(|e| e.to_string())?;
        }
        let tar = self.dir.path().join("rootfs.tar");
        let status = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .map_err(|e| format!("tar: {e}"))?;
        if !status.success() {
            return Err(format!("tar failed: {status}"));
        }
        let tar_text = tar.display().to_string();
        let out = self.docker(&["import", &tar_text, tag]);
        if !out.status.success() {
            return Err(format!(
                "docker import: {}\n{}",
                String::from_utf8_lossy(&out.stderr),
                self.log_tail(30)
            ));
        }
        Ok(())
    }

    /// Stops dockerd: SIGTERM, then SIGKILL after 30 s.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("dockerd did not stop within 30 s; killing it");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        self.stop();
        unmount_below(self.dir.path());
    }
}

/// Unmounts what a daemon that died (or failed to start) left mounted below `dir`, deepest first,
/// so that the temporary directory can be removed.
fn unmount_below(dir: &Path) {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let prefix = dir.display().to_string();
    let mut points: Vec<String> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| p.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount").arg(&p).status();
    }
}
