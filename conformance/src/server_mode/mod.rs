//! `axme-conformance server`: HTTP-level checks against any AXP server, needing only its public API
//! and one API key.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ServerArgs {
    /// The server's base URL, e.g. http://127.0.0.1:8100
    #[arg(long)]
    pub base_url: String,
    /// An API key of the server (sent as x-api-key).
    #[arg(long, env = "AXME_API_KEY")]
    pub api_key: String,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
}

pub fn main(_args: ServerArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
