//! The AXP server the cases run against: the reference server started in-process with fault
//! injection on 127.0.0.1:0 and a temporary data dir, or an external one (`--server-url`, which
//! must run with `--faults`). [`Faults`] is the runner's client of its `/_faults` control API.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

/// A server the run owns (in-process) or borrows (external).
pub struct Server {
    pub base_url: String,
    /// A key of an admin credential of the server, when known: the in-process server's dev key,
    /// or `--admin-key` with `--server-url`. Cases that need an administrator (an agent killed
    /// by its organisation's admin) use it as `${admin_key}`.
    pub admin_key: Option<String>,
    running: Option<(axme_server::RunningServer, tempfile::TempDir)>,
}

impl Server {
    pub async fn start(
        external: Option<String>,
        admin_key: Option<String>,
    ) -> anyhow::Result<Server> {
        if let Some(url) = external {
            let base_url = url.trim_end_matches('/').to_string();
            let probe = Faults::new(&base_url)?;
            probe.credential("probe").await.with_context(|| {
                format!("{base_url} is not reachable or does not offer /_faults (start it with --faults)")
            })?;
            return Ok(Server {
                base_url,
                admin_key,
                running: None,
            });
        }
        let dir = tempfile::tempdir().context("creating the server's data dir")?;
        let mut config = axme_server::ServerConfig::new(dir.path());
        config.listen = "127.0.0.1:0".into();
        config.faults = true;
        let running = axme_server::start(config)
            .await
            .context("starting the reference server")?;
        let admin_key = Some(
            running
                .dev_api_key()
                .context("reading the server's dev key")?,
        );
        Ok(Server {
            base_url: running.base_url(),
            admin_key,
            running: Some((running, dir)),
        })
    }

    pub async fn stop(self) {
        if let Some((running, _dir)) = self.running {
            running.shutdown().await;
        }
    }
}

/// A fault credential: the case's organisation, key and request log.
#[derive(Debug, Clone)]
pub struct Credential {
    pub id: String,
    pub api_key: String,
    /// The credential's own organisation and workspace.
    pub org_id: String,
    pub workspace_id: String,
}

/// Client of the `/_faults` control API (and of plain HTTP for runner-side steps).
#[derive(Clone)]
pub struct Faults {
    base_url: String,
    pub http: reqwest::Client,
}

impl Faults {
    pub fn new(base_url: &str) -> anyhow::Result<Faults> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Faults {
            base_url: base_url.to_string(),
            http,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn json(&self, req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
        let resp = req.send().await.with_context(|| what.to_string())?;
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("{what}: HTTP {status}: {body}");
        }
        serde_json::from_str(&body).with_context(|| format!("{what}: answer is not JSON: {body}"))
    }

    pub async fn credential(&self, name: &str) -> anyhow::Result<Credential> {
        let v = self
            .json(
                self.http
                    .post(self.url("/_faults/credentials"))
                    .json(&json!({ "name": name })),
                "creating a fault credential",
            )
            .await?;
        let get = |k: &str| {
            v[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("credential answer without {k}: {v}"))
        };
        Ok(Credential {
            id: get("credential_id")?,
            api_key: get("api_key")?,
            org_id: get("org_id")?,
            workspace_id: get("workspace_id")?,
        })
    }

    pub async fn add_rules(&self, cred: &Credential, rules: &Value) -> anyhow::Result<()> {
        let path = format!("/_faults/credentials/{}/rules", cred.id);
        self.json(
            self.http
                .post(self.url(&path))
                .json(&json!({ "rules": rules })),
            "adding fault rules",
        )
        .await
        .map(|_| ())
    }

    pub async fn journal(&self, cred: &Credential) -> anyhow::Result<Vec<Value>> {
        let path = format!("/_faults/credentials/{}/requests", cred.id);
        let v = self
            .json(self.http.get(self.url(&path)), "reading the request log")
            .await?;
        Ok(v["requests"].as_array().cloned().unwrap_or_default())
    }
}

/// `fp:` + the first 12 hex digits of SHA-256, as the journal shows credentials.
pub fn fingerprint(secret: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(secret.as_bytes());
    format!("fp:{}", &hex::encode(digest)[..12])
}
