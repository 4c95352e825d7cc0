//! Test support: the reference server in-process on port 0 (on its own runtime), and the `axme`
//! binary run against it with a private config directory and a clean environment.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use axme_core::{Client, Config};
use serde_json::{json, Value};

pub const AXME: &str = env!("CARGO_BIN_EXE_axme");

/// A reference server for one test, plus a config directory for the CLI.
pub struct TestServer {
    pub url: String,
    pub key: String,
    pub data_dir: PathBuf,
    pub config_dir: tempfile::TempDir,
    _data: tempfile::TempDir,
    server: Option<axme_server::RunningServer>,
    pub rt: tokio::runtime::Runtime,
}

impl TestServer {
    pub fn start() -> TestServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let data = tempfile::tempdir().unwrap();
        let mut config = axme_server::ServerConfig::new(data.path());
        config.listen = "127.0.0.1:0".into();
        let server = rt.block_on(axme_server::start(config)).unwrap();
        TestServer {
            url: server.base_url(),
            key: server.dev_api_key().unwrap(),
            data_dir: data.path().to_path_buf(),
            config_dir: tempfile::tempdir().unwrap(),
            _data: data,
            server: Some(server),
            rt,
        }
    }

    /// `axme ARGS` with AXME_BASE_URL / AXME_API_KEY pointing at this server.
    pub fn axme(&self) -> Cli {
        self.bare()
            .env("AXME_BASE_URL", &self.url)
            .env("AXME_API_KEY", &self.key)
    }

    /// `axme ARGS` with only the config directory set (contexts decide the connection).
    pub fn bare(&self) -> Cli {
        Cli::new(self.config_dir.path())
    }

    /// A core client with `key` (the dev key when `None`).
    pub fn client(&self, key: Option<&str>) -> Client {
        Client::new(Config {
            base_url: Some(self.url.clone()),
            api_key: Some(key.unwrap_or(&self.key).to_string()),
            ..Config::default()
        })
        .unwrap()
    }

    /// A new service account of the dev organisation, and its API key.
    pub fn account(&self, name: &str) -> String {
        let admin = self.client(None);
        self.rt.block_on(async {
            let created = admin
                .call_by_id(
                    "create_service_account",
                    json!({"body": {"org_id": "dev", "workspace_id": "default", "name": name}}),
                )
                .await
                .unwrap();
            let id = created["service_account"]["service_account_id"]
                .as_str()
                .unwrap()
                .to_string();
            let key = admin
                .call_by_id(
                    "create_service_account_key",
                    json!({"service_account_id": id, "body": {}}),
                )
                .await
                .unwrap();
            key["api_key"].as_str().unwrap().to_string()
        })
    }

    /// A human user of the dev organisation and its actor token.
    pub fn human(&self, name: &str, email: &str) -> String {
        let conn = axme_server::store::sqlite::open_admin(&self.data_dir).unwrap();
        axme_server::store::sqlite::humans::create_human(&conn, "dev", "default", name, Some(email))
            .unwrap()
            .token
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.shutdown());
        }
    }
}

/// One `axme` invocation.
pub struct Cli {
    cmd: Command,
}

/// What a finished `axme` said.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Output {
        assert_eq!(
            self.code, code,
            "exit code {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts success and returns stdout without the trailing newline.
    #[track_caller]
    pub fn ok(self) -> String {
        self.expect(0).stdout.trim_end().to_string()
    }
}

impl Cli {
    pub fn new(config_dir: &Path) -> Cli {
        let mut cmd = Command::new(AXME);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", config_dir)
            .env("AXME_CONFIG_DIR", config_dir)
            .stdin(Stdio::null());
        Cli { cmd }
    }

    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Cli {
        self.cmd.env(k, v);
        self
    }

    /// Runs with these arguments and waits.
    pub fn run<I, S>(mut self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.cmd.args(args).output().unwrap();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Starts with these arguments, stdout piped for [`Running::line_until`].
    pub fn spawn<I, S>(mut self, args: I) -> Running
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut child = self
            .cmd
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Running {
            child,
            stdout,
            seen: Vec::new(),
        }
    }
}

/// A running `axme` whose output is read line by line.
pub struct Running {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    pub seen: Vec<String>,
}

impl Running {
    /// Reads stdout until a line satisfies `pred` and returns it (panics at end of output).
    pub fn line_until(&mut self, pred: impl Fn(&str) -> bool) -> String {
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).unwrap();
            if n == 0 {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!(
                    "output ended before the expected line; seen:\n{}\nstderr:\n{err}",
                    self.seen.join("\n")
                );
            }
            let line = line.trim_end().to_string();
            self.seen.push(line.clone());
            if pred(&line) {
                return line;
            }
        }
    }

    /// Waits for the exit; returns the code and the rest of stdout.
    pub fn finish(mut self) -> Output {
        use std::io::Read;
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut stderr).unwrap();
        }
        let status = self.child.wait().unwrap();
        let mut stdout = self.seen.join("\n");
        if !stdout.is_empty() {
            stdout.push('\n');
        }
        stdout.push_str(&rest);
        Output {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    }

    /// Sends SIGTERM (the shutdown path of `axme server`) and waits.
    pub fn terminate(self) -> Output {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        self.finish()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The intent id in a watch line such as "... answer with `axme tasks approve <id>`".
pub fn id_after(line: &str, marker: &str) -> String {
    let start = line
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in {line:?}"))
        + marker.len();
    line[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect()
}
