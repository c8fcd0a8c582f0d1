use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How many sets of ports a first start tries.
const START_ATTEMPTS: u32 = 3;

/// One etcd server of a test: its own ports and data folder, killed when dropped.
///
/// The binary is `$ETCD_BIN`, else `etcd` on the `PATH` (Debian's `etcd-server` package,
/// which `.ci/run` installs).
#[derive(Debug)]
pub struct Etcd {
    child: Option<Child>,
    client_port: u16,
    peer_port: u16,
    dir: tempfile::TempDir,
    /// Bumped on every fresh start, so a wiped server gets a new data folder.
    generation: u32,
}

impl Etcd {
    /// Starts a single-member etcd on free loopback ports and waits until it is healthy.
    pub fn start() -> Self {
        Self::start_on(crate::free_port())
    }

    /// [`Self::start`] with a first try on `client_port`.
    fn start_on(client_port: u16) -> Self {
        let mut etcd = Self {
            child: None,
            client_port,
            peer_port: crate::free_port(),
            dir: tempfile::tempdir().expect("cannot create a temp folder for etcd"),
            generation: 0,
        };
        // A free port can still be taken by another process before etcd binds it; a first
        // start may move to other ports (a restart may not: its clients know the old ones).
        for _ in 1..START_ATTEMPTS {
            match etcd.try_spawn() {
                Ok(()) => return etcd,
                Err(log) if log.contains("address already in use") => {
                    etcd.client_port = crate::free_port();
                    etcd.peer_port = crate::free_port();
                    etcd.generation += 1;
                }
                Err(log) => panic!("{log}"),
            }
        }
        etcd.spawn();
        etcd
    }

    /// `http://127.0.0.1:PORT`, what clients connect to.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// Stops the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same ports and with the same data: leases and keys
    /// written before survive, as after a restart of a real member.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Starts the server again on the same ports with an empty data folder: every lease and
    /// key is gone, as when a cluster is rebuilt from scratch.
    pub fn restart_empty(&mut self) {
        self.kill();
        self.generation += 1;
        self.spawn();
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join(format!("data-{}", self.generation))
    }

    fn spawn(&mut self) {
        if let Err(why) = self.try_spawn() {
            panic!("{why}");
        }
    }

    /// Starts etcd and waits until it is healthy; on failure, why, with etcd's log.
    fn try_spawn(&mut self) -> Result<(), String> {
        let client = self.endpoint();
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let log_path = self.dir.path().join("etcd.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("cannot open etcd's log file");
        let child = Command::new(binary())
            .args(["--name", "test"])
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("test={peer}")])
            .args(["--log-level", "warn"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cannot share etcd's log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start etcd ({e}); install it (apt-get install etcd-server) \
                     or point ETCD_BIN at the binary"
                )
            });
        self.child = Some(child);
        self.wait_healthy(&log_path)
    }

    fn wait_healthy(&mut self, log_path: &Path) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!(
                    "etcd exited with {status} while starting:\n{}",
                    std::fs::read_to_string(log_path).unwrap_or_default()
                ));
            }
            if healthy(self.client_port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "etcd did not become healthy within 20 s:\n{}",
            std::fs::read_to_string(log_path).unwrap_or_default()
        ))
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ETCD_BIN") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("etcd"))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| PathBuf::from("/usr/bin/etcd"))
}

/// etcd's `/health` over a plain socket: the test must not need an HTTP client crate.
fn healthy(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.contains("\"health\":\"true\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_first_start_on_a_taken_port_moves_to_free_ones() {
        let _exclusive = crate::exclusive();
        let squatter = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let taken = squatter.local_addr().unwrap().port();
        let etcd = Etcd::start_on(taken);
        assert_ne!(etcd.client_port, taken);
        assert!(healthy(etcd.client_port));
        assert!(!etcd.endpoint().ends_with(&format!(":{taken}")));
    }
}
