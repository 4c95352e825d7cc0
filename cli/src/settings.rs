//! Named contexts (a base URL and credentials) in the user's config directory, and the connection
//! a command uses.
//!
//! The file is `config.json` in `$AXME_CONFIG_DIR`, else `$XDG_CONFIG_HOME/axme`, else
//! `~/.config/axme` (`%APPDATA%\axme` on Windows). It holds secrets, so it is written with mode
//! 0600 (its directory 0700), through a temporary file renamed over the old one.
//!
//! Precedence for every setting: the global flag, then the environment (`AXME_BASE_URL`,
//! `AXME_API_KEY`, `AXME_ACTOR_TOKEN`), then the context (`--context`, else `AXME_CONTEXT`, else the
//! current one), then the default base URL of a local `axme server`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CliError, CliResult};

/// Where `axme server` listens by default, and where commands go when nothing else is configured.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8100";

/// One named context.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub base_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_token: Option<String>,
    /// Default `owner_agent` for owner-scoped calls (the inbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_agent: Option<String>,
}

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
}

/// The directory holding `config.json`.
pub fn config_dir() -> CliResult<PathBuf> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = from_env("AXME_CONFIG_DIR") {
        return Ok(dir);
    }
    if cfg!(windows) {
        if let Some(dir) = from_env("APPDATA") {
            return Ok(dir.join("axme"));
        }
    }
    if let Some(dir) = from_env("XDG_CONFIG_HOME") {
        return Ok(dir.join("axme"));
    }
    if let Some(home) = from_env("HOME").or_else(|| from_env("USERPROFILE")) {
        return Ok(home.join(".config").join("axme"));
    }
    Err(CliError::config(
        "cannot find a config directory: set AXME_CONFIG_DIR (or HOME)",
    ))
}

pub fn config_path() -> CliResult<PathBuf> {
    Ok(config_dir()?.join("config.json"))
}

impl ConfigFile {
    /// Reads the file; a missing file is an empty config.
    pub fn load() -> CliResult<ConfigFile> {
        ConfigFile::load_from(&config_path()?)
    }

    pub fn load_from(path: &Path) -> CliResult<ConfigFile> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                CliError::config(format!(
                    "{} is not a valid axme config: {e}",
                    path.display()
                ))
                .with_hint("fix or delete the file; `axme context set` writes a new one")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
            Err(e) => Err(CliError::io(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Writes the file (mode 0600, its directory 0700), replacing it atomically.
    pub fn save(&self) -> CliResult<PathBuf> {
        let path = config_path()?;
        self.save_to(&path)?;
        Ok(path)
    }

    pub fn save_to(&self, path: &Path) -> CliResult<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        let tmp = dir.join(format!(".config.json.{}.tmp", std::process::id()));
        write_private(&tmp, text.as_bytes())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                CliError::io(format!("cannot write {}: {e}", path.display()))
            })
    }
}

fn create_private_dir(dir: &Path) -> CliResult<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| CliError::io(format!("cannot create {}: {e}", dir.display())))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path)?;
    #[cfg(unix)]
    {
        // The mode above only applies to a new file.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// Where a setting came from (shown by `context show`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    Context,
    Default,
    Unset,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "environment",
            Source::Context => "context",
            Source::Default => "default",
            Source::Unset => "not set",
        }
    }
}

/// What the global flags say about the connection.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub actor_token: Option<String>,
    pub context: Option<String>,
}

/// The connection a command uses, with where each part came from.
#[derive(Debug, Clone)]
pub struct Connection {
    pub base_url: String,
    pub api_key: Option<String>,
    pub actor_token: Option<String>,
    pub owner_agent: Option<String>,
    /// The context consulted, if one was.
    pub context: Option<String>,
    pub base_url_source: Source,
    pub api_key_source: Source,
    pub actor_token_source: Source,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Picks a value by precedence: flag, environment, context.
fn pick(
    flag: &Option<String>,
    env: &str,
    ctx: Option<&Option<String>>,
) -> (Option<String>, Source) {
    if let Some(v) = flag {
        return (Some(v.clone()), Source::Flag);
    }
    if let Some(v) = env_var(env) {
        return (Some(v), Source::Env);
    }
    if let Some(Some(v)) = ctx {
        return (Some(v.clone()), Source::Context);
    }
    (None, Source::Unset)
}

impl Connection {
    /// Resolves the connection from the flags, the environment and the config file.
    pub fn resolve(flags: &Overrides, file: &ConfigFile) -> CliResult<Connection> {
        let chosen = flags
            .context
            .clone()
            .or_else(|| env_var("AXME_CONTEXT"))
            .or_else(|| file.current.clone());
        let ctx = match &chosen {
            Some(name) => match file.contexts.get(name) {
                Some(c) => Some(c),
                None if flags.context.is_some() || env_var("AXME_CONTEXT").is_some() => {
                    return Err(CliError::config(format!("no context named {name:?}"))
                        .with_hint("`axme context list` shows the contexts there are"))
                }
                // A current context that was removed by hand: carry on without it.
                None => None,
            },
            None => None,
        };
        let ctx_base = ctx.map(|c| Some(c.base_url.clone()));
        let (base_url, base_url_source) =
            match pick(&flags.base_url, "AXME_BASE_URL", ctx_base.as_ref()) {
                (Some(v), src) => (v, src),
                (None, _) => (DEFAULT_BASE_URL.to_string(), Source::Default),
            };
        let (api_key, api_key_source) =
            pick(&flags.api_key, "AXME_API_KEY", ctx.map(|c| &c.api_key));
        let (actor_token, actor_token_source) = pick(
            &flags.actor_token,
            "AXME_ACTOR_TOKEN",
            ctx.map(|c| &c.actor_token),
        );
        Ok(Connection {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            actor_token,
            owner_agent: ctx.and_then(|c| c.owner_agent.clone()),
            context: ctx.and(chosen),
            base_url_source,
            api_key_source,
            actor_token_source,
        })
    }
}

/// A secret shown by its start only: `axme_sa_…3f9a` style.
pub fn secret_hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 12 {
        return "…".to_string();
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_round_trips_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("config.json");
        let mut file = ConfigFile::default();
        file.contexts.insert(
            "local".into(),
            Context {
                base_url: "http://127.0.0.1:8100".into(),
                api_key: Some("axme_sa_dev_secret".into()),
                ..Context::default()
            },
        );
        file.current = Some("local".into());
        file.save_to(&path).unwrap();
        assert_eq!(ConfigFile::load_from(&path).unwrap(), file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let dir_mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(dir_mode, 0o700);
        }
        assert_eq!(
            ConfigFile::load_from(&dir.path().join("absent.json")).unwrap(),
            ConfigFile::default()
        );
    }

    #[test]
    fn secrets_are_shown_by_their_ends() {
        assert_eq!(secret_hint("axme_sa_0123456789_abcdef"), "axme_sa_…cdef");
        assert_eq!(secret_hint("short"), "…");
    }
}
