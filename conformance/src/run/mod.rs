//! `axme-conformance run`: cases × SDK drivers against a reference server started with --faults.
//!
//! Order of work: load and validate everything first (drivers.yaml, every case, the expected
//! failure lists), so a typo stops the run before anything starts; then start the server, check
//! that each selected driver starts and says hello, and run the case × SDK pairs in parallel.

mod case_vars;
pub mod cases;
pub mod driver_proc;
pub mod driver_rust;
mod driver_rust_ops;
pub mod drivers;
mod exec;
mod expect;
mod expected;
mod journal;
mod matcher;
mod server;
mod vars;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::report::{bounded, CaseResult, Outcome, Report, SdkInfo};

#[derive(clap::Args)]
pub struct RunArgs {
    /// SDK drivers to run (repeatable); default: every driver in conformance/drivers/drivers.yaml.
    #[arg(long = "sdk")]
    pub sdks: Vec<String>,
    /// Only cases whose id (`<area>/<name>`) contains this text (repeatable: any of them).
    #[arg(long = "case")]
    pub cases: Vec<String>,
    /// Case × SDK runs at the same time.
    #[arg(long, default_value_t = 6)]
    pub jobs: usize,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the HTML report here: one self-contained page with the cases × SDKs matrix.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Validate every case file, print the selected case ids and exit (no server, no drivers).
    #[arg(long)]
    pub list: bool,
    /// Use this AXP server (started with --faults) instead of starting the reference server.
    #[arg(long)]
    pub server_url: Option<String>,
    /// An admin key of the --server-url server (its dev key), for the cases that need an
    /// administrator; the reference server started here needs none.
    #[arg(long, env = "AXME_CONFORMANCE_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
    /// Read cases from this directory instead of conformance/cases (tests of the runner).
    #[arg(long, hide = true)]
    pub cases_dir: Option<PathBuf>,
    /// Read the drivers from this file instead of conformance/drivers/drivers.yaml.
    #[arg(long, hide = true)]
    pub drivers_file: Option<PathBuf>,
    /// Read expected failures from this directory instead of conformance/expected-failures
    /// (with --cases-dir, the default is none).
    #[arg(long, hide = true)]
    pub expected_failures_dir: Option<PathBuf>,
}

/// The repository root: the conformance crate's parent, as built.
fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

struct Plan {
    cases: Vec<cases::Case>,
    sdks: Vec<(String, drivers::DriverSpec, expected::Expected)>,
}

fn plan(args: &RunArgs, repo: &Path) -> anyhow::Result<Plan> {
    let conf = repo.join("conformance");
    let drivers_file = args
        .drivers_file
        .clone()
        .unwrap_or_else(|| conf.join("drivers/drivers.yaml"));
    let all_drivers = drivers::load(&drivers_file)?;
    let names: Vec<String> = if args.sdks.is_empty() {
        all_drivers.keys().cloned().collect()
    } else {
        args.sdks.clone()
    };
    let validator = cases::CaseValidator::new()?;
    let cases_dir = args.cases_dir.clone().unwrap_or_else(|| conf.join("cases"));
    let all_cases = cases::load_all(&cases_dir, &validator)?;
    let known: HashSet<String> = all_cases.iter().map(|c| c.id.clone()).collect();
    // The repository's lists belong to the repository's cases: with another cases directory
    // (tests of the runner) nothing is expected to fail unless a list directory is given too.
    let xf_dir = args.expected_failures_dir.clone().or_else(|| {
        args.cases_dir
            .is_none()
            .then(|| conf.join("expected-failures"))
    });
    let mut sdks = Vec::new();
    for name in names {
        let Some(spec) = all_drivers.get(&name) else {
            bail!(
                "unknown SDK {name:?}; drivers.yaml has: {}",
                all_drivers.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        };
        let xf = match &xf_dir {
            Some(dir) => expected::load(dir, &name, &known)?,
            None => expected::Expected::new(),
        };
        sdks.push((name, spec.clone(), xf));
    }
    let cases: Vec<cases::Case> = all_cases
        .into_iter()
        .filter(|c| args.cases.is_empty() || args.cases.iter().any(|f| c.id.contains(f.as_str())))
        .collect();
    if cases.is_empty() {
        bail!("no case matches --case {:?}", args.cases);
    }
    Ok(Plan { cases, sdks })
}

pub fn main(args: RunArgs) -> anyhow::Result<ExitCode> {
    let repo = repo_root();
    let plan = plan(&args, &repo)?;
    if args.list {
        for c in &plan.cases {
            println!("{}", c.id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let report = rt.block_on(run_all(&args, &repo, plan))?;
    print!("{}", report.matrix());
    if let Some(p) = &args.json {
        report.write_json(p)?;
    }
    if let Some(p) = &args.junit {
        report.write_junit(p)?;
    }
    if let Some(p) = &args.html {
        report.write_html(p)?;
        eprintln!("HTML report: {}", p.display());
    }
    Ok(if report.has_bad() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn run_all(args: &RunArgs, repo: &Path, plan: Plan) -> anyhow::Result<Report> {
    let exe = std::env::current_exe().context("locating the runner executable")?;
    let server = server::Server::start(args.server_url.clone(), args.admin_key.clone()).await?;
    let faults = server::Faults::new(&server.base_url)?;
    eprintln!("server: {}", server.base_url);
    let result = run_pairs(args, repo, &exe, &faults, &server, plan).await;
    server.stop().await;
    result
}

async fn run_pairs(
    args: &RunArgs,
    repo: &Path,
    exe: &Path,
    faults: &server::Faults,
    server: &server::Server,
    plan: Plan,
) -> anyhow::Result<Report> {
    // Start each driver once up front: a driver that cannot start is a setup error with its
    // `prepare` hint, not one failure per case.
    let mut envs = BTreeMap::new();
    let mut sdks = BTreeMap::new();
    for (name, spec, xf) in &plan.sdks {
        let argv = drivers::expand(spec, exe, repo, |v| std::env::var(v).ok())?;
        let mut probe = driver_proc::DriverProc::spawn(&argv, repo, &spec.prepare, &[])?;
        let hello = probe.hello(exec::HELLO_LIMIT).await;
        let tail = probe.stop().await;
        let hello = hello.with_context(|| {
            format!(
                "driver {name} did not start properly (to prepare it run: {}); its stderr:\n{tail}",
                spec.prepare
            )
        })?;
        eprintln!(
            "driver {name}: {} {} ({})",
            hello.sdk,
            hello.sdk_version,
            hello.features.join(", ")
        );
        sdks.insert(
            name.clone(),
            SdkInfo {
                version: hello.sdk_version.clone(),
                features: hello.features.clone(),
            },
        );
        let features = hello.features.clone();
        let env = exec::Env {
            faults: faults.clone(),
            base_url: server.base_url.clone(),
            admin_key: server.admin_key.clone(),
            sdk: name.clone(),
            argv,
            prepare: spec.prepare.clone(),
            repo: repo.to_path_buf(),
            hello,
        };
        envs.insert(name.clone(), (env, features, xf.clone()));
    }
    let envs = Arc::new(envs);
    let total = plan.cases.len() * plan.sdks.len();
    let sem = Arc::new(tokio::sync::Semaphore::new(args.jobs.max(1)));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for case in plan.cases {
        let case = Arc::new(case);
        for (name, _, _) in &plan.sdks {
            let (envs, sem, done, case, name) = (
                envs.clone(),
                sem.clone(),
                done.clone(),
                case.clone(),
                name.clone(),
            );
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                let (env, features, xf) = &envs[&name];
                let started = Instant::now();
                let missing: Vec<String> = case
                    .requires()
                    .into_iter()
                    .filter(|f| !features.contains(f))
                    .collect();
                let mut run = exec::CaseRun::default();
                let (outcome, detail) = if missing.is_empty() {
                    run = exec::run(&case, env).await;
                    let passed = run.failure.is_none();
                    let message = run
                        .failure
                        .as_ref()
                        .map(|f| f.message.clone())
                        .unwrap_or_default();
                    expected::outcome(passed, xf.get(&case.id), message)
                } else {
                    (
                        Outcome::Skipped,
                        format!("driver lacks feature(s): {}", missing.join(", ")),
                    )
                };
                let duration_ms = started.elapsed().as_millis() as u64;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                eprintln!(
                    "[{n}/{total}] {:13} {:10} {} ({:.1} s)",
                    outcome.as_str(),
                    name,
                    case.id,
                    duration_ms as f64 / 1000.0
                );
                let mut result = CaseResult::new(&case.id, &name, outcome, detail, duration_ms);
                result.description = case.doc["description"].as_str().unwrap_or_default().into();
                if let Some(f) = run.failure {
                    result.expected = f.expected.map(bounded);
                    result.got = f.got.map(bounded);
                }
                result.journal = run.journal;
                result
            });
        }
    }
    let mut report = Report {
        sdks,
        ..Report::default()
    };
    while let Some(r) = tasks.join_next().await {
        report.push(r.context("a case task panicked")?);
    }
    report
        .results
        .sort_by(|a, b| (&a.case, &a.sdk).cmp(&(&b.case, &b.sdk)));
    Ok(report)
}
