//! `axme-conformance run`: cases × SDK drivers against a reference server started with --faults.

pub mod driver_rust;

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {
    /// SDK drivers to run (repeatable); default: every driver in conformance/drivers.
    #[arg(long = "sdk")]
    pub sdks: Vec<String>,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<std::path::PathBuf>,
}

pub fn main(_args: RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
