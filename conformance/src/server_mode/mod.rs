//! `axme-conformance server`: HTTP-level checks against any AXP server, needing only its public API
//! and one API key. Each check sets up its own fixtures, runs under a timeout, and becomes one row
//! of the report (`sdk = "server"`).

mod catalog;
mod errors;
mod fixtures;
mod harness;
mod helpers;
mod idempotency;
mod inbox;
mod intents;
mod listen;
mod mcp;
mod receiver;
mod sse;
mod streams;
mod tasks;
mod webhooks;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::report::{CaseResult, Outcome, Report};
use harness::{Ctx, KeyHeader, ReceiverConfig};

#[derive(clap::Args)]
pub struct ServerArgs {
    /// The server's base URL, e.g. http://127.0.0.1:8100
    #[arg(long)]
    pub base_url: String,
    /// An API key of the server.
    #[arg(long, env = "AXME_API_KEY")]
    pub api_key: String,
    /// How the key is sent on HTTP requests (MCP always uses Bearer; one check always tries Bearer).
    #[arg(long, value_enum, default_value = "x-api-key")]
    pub key_header: KeyHeader,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
    /// Run only the checks whose name contains this text (repeatable), e.g. `--check listen`.
    #[arg(long = "check", value_name = "FILTER")]
    pub checks: Vec<String>,
    /// List the check names and exit.
    #[arg(long)]
    pub list: bool,
    /// Seconds one check may take before it fails as hung.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout_seconds: u64,
    /// Address the webhook receiver binds (the server must be able to reach it).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub receiver_bind: String,
    /// URL the server should call for webhook deliveries instead of http://<receiver address>,
    /// e.g. a tunnel to --receiver-bind when the server is remote.
    #[arg(long)]
    pub receiver_url: Option<String>,
}

pub fn main(args: ServerArgs) -> anyhow::Result<ExitCode> {
    let checks = catalog::all();
    if args.list {
        for check in &checks {
            println!("{}", check.name);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let url = reqwest::Url::parse(&args.base_url).map_err(|e| {
        anyhow::anyhow!(
            "--base-url {:?} is not a URL ({e}); give the server's root, e.g. http://127.0.0.1:8100",
            args.base_url
        )
    })?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "--base-url {:?} must be an http:// or https:// URL",
        args.base_url
    );
    anyhow::ensure!(
        !args.api_key.trim().is_empty(),
        "--api-key is empty; give an API key of the server (or set AXME_API_KEY)"
    );
    let selected: Vec<&harness::Check> = checks
        .iter()
        .filter(|c| {
            args.checks.is_empty() || args.checks.iter().any(|f| c.name.contains(f.as_str()))
        })
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
        anyhow::bail!(
            "--check {:?} matches no check; the checks are: {}",
            args.checks,
            names.join(", ")
        );
    }
    let receiver = ReceiverConfig {
        bind: args.receiver_bind.clone(),
        public_url: args.receiver_url.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let ctx = Ctx::new(&args.base_url, &args.api_key, args.key_header, receiver)?;
    let limit = Duration::from_secs(args.timeout_seconds);
    let report = runtime.block_on(run_checks(&ctx, &selected, limit));
    // Checks that timed out may leave streams open; do not wait for them.
    runtime.shutdown_timeout(Duration::from_millis(100));
    println!("\n{}", report.matrix());
    if let Some(path) = &args.json {
        report.write_json(path)?;
        println!("JSON report: {}", path.display());
    }
    Ok(if report.has_bad() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the checks one after another, each under `limit`, printing one line per check.
async fn run_checks(ctx: &Ctx, checks: &[&harness::Check], limit: Duration) -> Report {
    let mut report = Report::default();
    let width = checks.len().to_string().len();
    println!(
        "axme-conformance server: {} checks against {} (run id {})",
        checks.len(),
        ctx.base,
        ctx.run
    );
    for (n, check) in checks.iter().enumerate() {
        let started = Instant::now();
        // Spawned, so a check that panics fails alone instead of ending the run.
        let mut task = tokio::spawn((check.run)(ctx.clone()));
        let result = match tokio::time::timeout(limit, &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(format!("the check itself crashed: {e}")),
            Err(_) => {
                task.abort();
                Err(format!(
                    "not finished within {} s: the server hung (or a stream never ended)",
                    limit.as_secs()
                ))
            }
        };
        let duration_ms = started.elapsed().as_millis() as u64;
        let (outcome, detail) = match result {
            Ok(()) => (Outcome::Pass, String::new()),
            Err(detail) => (Outcome::Fail, detail),
        };
        println!(
            "[{:>width$}/{}] {:<4} {} ({duration_ms} ms)",
            n + 1,
            checks.len(),
            outcome.as_str(),
            check.name
        );
        report.push(CaseResult::new(
            check.name,
            "server",
            outcome,
            detail,
            duration_ms,
        ));
    }
    report
}
