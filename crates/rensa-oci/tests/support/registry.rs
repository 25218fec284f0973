//! A real `docker-registry` (distribution 2.8) on 127.0.0.1, with filesystem storage in the test's
//! directory, optional TLS and htpasswd or token auth; images are pushed to it with the real `skopeo`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{require, run, write};

/// How clients must authenticate.
pub enum Auth {
    /// Anyone may pull and push.
    Anonymous,
    /// HTTP basic against a bcrypt htpasswd file.
    Htpasswd(PathBuf),
    /// Bearer tokens from a token server.
    Token {
        /// The token server's URL.
        realm: String,
        /// The service name tokens must be issued for (their audience).
        service: String,
        /// The issuer tokens must name.
        issuer: String,
        /// The certificates whose keys may sign tokens.
        root_cert_bundle: PathBuf,
    },
}

/// A running registry; killed on drop.
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The registry's log file.
    pub log: PathBuf,
    dir: PathBuf,
    child: Child,
}

/// A free TCP port on 127.0.0.1 (free when asked; the registry takes it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Registry {
    /// Starts a registry storing under `dir`, serving TLS with `(cert, key)` when given.
    pub fn start(dir: &Path, tls: Option<(&Path, &Path)>, auth: Auth) -> Registry {
        // A free port can be taken by another test's registry between asking and binding: then this one
        // exits with "address already in use", and it is started again on another port.
        for _ in 0..10 {
            if let Some(registry) = Registry::start_once(dir, tls, &auth) {
                return registry;
            }
        }
        panic!("docker-registry found no free port in 10 attempts");
    }

    fn start_once(dir: &Path, tls: Option<(&Path, &Path)>, auth: &Auth) -> Option<Registry> {
        require("docker-registry");
        std::fs::create_dir_all(dir).unwrap();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\n  \
             maintenance:\n    uploadpurging:\n      enabled: false\nhttp:\n  addr: {addr}\n  \
             secret: rensa-test-secret\n",
            dir.join("storage").display()
        );
        if let Some((cert, key)) = tls {
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
        }
        match auth {
            Auth::Anonymous => {}
            Auth::Htpasswd(path) => {
                config.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: rensa-test\n    path: {}\n",
                    path.display()
                ));
            }
            Auth::Token {
                realm,
                service,
                issuer,
                root_cert_bundle,
            } => {
                config.push_str(&format!(
                    "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    \
                     rootcertbundle: {}\n",
                    root_cert_bundle.display()
                ));
            }
        }
        let config_path = dir.join("config.yml");
        write(&config_path, &config);
        let log = dir.join("registry.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("cannot start docker-registry");
        let mut registry = Registry {
            addr,
            log,
            dir: dir.to_path_buf(),
            child,
        };
        registry.wait_ready().then_some(registry)
    }

    /// Waits until this registry (not another process on the same port) listens; false when it exited
    /// because the port was taken.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        let listening = format!("listening on {}", self.addr);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = self.log_text();
                if log.contains("address already in use") {
                    return false;
                }
                panic!("docker-registry exited ({status}) before listening:\n{log}");
            }
            if self.log_text().contains(&listening) && TcpStream::connect(&self.addr).is_ok() {
                return true;
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {} within 20 s:\n{}",
                self.addr,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The log so far, for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Pushes `oci:LAYOUT:TAG` to `ADDR/DEST` with skopeo (`extra` flags such as `--all`, `--format v2s2`,
    /// `--dest-creds U:P`) and returns the manifest digest skopeo reports.
    pub fn push(&self, layout: &Path, tag: &str, dest: &str, extra: &[&str]) -> String {
        require("skopeo");
        let policy = self.dir.join("policy.json");
        write(&policy, r#"{"default":[{"type":"insecureAcceptAnything"}]}"#);
        let digestfile = self.dir.join(format!("digest-{}", dest.replace(['/', ':'], "_")));
        run(Command::new("skopeo")
            .env("HOME", &self.dir)
            .env("REGISTRY_AUTH_FILE", self.dir.join("auth.json"))
            .arg("--policy")
            .arg(&policy)
            .args(["copy", "--quiet", "--retry-times", "0", "--dest-tls-verify=false"])
            .args(extra)
            .arg("--digestfile")
            .arg(&digestfile)
            .arg(format!("oci:{}:{tag}", layout.display()))
            .arg(format!("docker://{}/{dest}", self.addr)));
        std::fs::read_to_string(&digestfile).unwrap().trim().to_string()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
