//! What every command shares: the output settings, the connection and the core client.

use std::sync::OnceLock;

use axme_core::{Client, Config};
use serde_json::Value;

use crate::args::GlobalArgs;
use crate::error::{CliError, CliResult};
use crate::output::Out;
use crate::settings::{ConfigFile, Connection, Overrides, Source};

pub struct App {
    pub out: Out,
    pub global: GlobalArgs,
    connection: OnceLock<Connection>,
    client: OnceLock<Client>,
}

impl App {
    pub fn new(global: GlobalArgs, out: Out) -> App {
        App {
            out,
            global,
            connection: OnceLock::new(),
            client: OnceLock::new(),
        }
    }

    pub fn overrides(&self) -> Overrides {
        Overrides {
            base_url: self.global.base_url.clone(),
            api_key: self.global.api_key.clone(),
            actor_token: self.global.actor_token.clone(),
            context: self.global.context.clone(),
        }
    }

    /// The connection of this run (flags, environment, context).
    pub fn connection(&self) -> CliResult<&Connection> {
        if let Some(c) = self.connection.get() {
            return Ok(c);
        }
        let file = ConfigFile::load()?;
        let conn = Connection::resolve(&self.overrides(), &file)?;
        Ok(self.connection.get_or_init(|| conn))
    }

    /// A core client for the connection; fails with a hint when no credential is configured.
    pub fn client(&self) -> CliResult<Client> {
        if let Some(c) = self.client.get() {
            return Ok(c.clone());
        }
        let conn = self.connection()?;
        if conn.api_key.is_none() && conn.actor_token.is_none() {
            return Err(CliError::config(format!(
                "no API key configured for {}",
                conn.base_url
            ))
            .with_hint(
                "start a local server with `axme server` (it saves its dev key as context `local`), \
                 or run `axme context set NAME --base-url URL --api-key KEY --use`, or set AXME_API_KEY",
            ));
        }
        // The core's defaults (retries, idempotency keys, trace ids) are the SDKs'; only the
        // connection and the client identity differ.
        let config = Config {
            base_url: Some(conn.base_url.clone()),
            api_key: conn.api_key.clone(),
            actor_token: conn.actor_token.clone(),
            default_owner_agent: conn.owner_agent.clone(),
            client_language: "cli".into(),
            ..Config::default()
        };
        let client = Client::new(config).map_err(|e| {
            let mut err = CliError::from(e);
            err.exit = crate::error::EXIT_USAGE;
            err
        })?;
        Ok(self.client.get_or_init(|| client).clone())
    }

    /// Calls an operation of the spec by id through the core (retries, idempotency, errors).
    pub async fn call(&self, op: &str, args: Value) -> CliResult<Value> {
        Ok(self.client()?.call_by_id(op, args).await?)
    }

    /// Adds the hint for common failures, knowing where the request went.
    pub fn add_hint(&self, err: &mut CliError) {
        let (base, origin) = match self.connection.get() {
            Some(c) => {
                let origin = match (c.api_key_source, &c.context) {
                    (Source::Flag, _) => "--api-key".to_string(),
                    (Source::Env, _) => "AXME_API_KEY".to_string(),
                    (Source::Context, Some(name)) => format!("context {name:?}"),
                    _ => "the configuration".to_string(),
                };
                (c.base_url.clone(), origin)
            }
            None => (
                "the configured URL".to_string(),
                "the configuration".to_string(),
            ),
        };
        err.add_hint(&base, &origin);
    }
}
