//! `axme-conformance`: run the conformance cases against SDK drivers (`run`), or HTTP-level checks
//! against any AXP server (`server`), and show a JSON report again (`report`). See
//! conformance/README.md.

mod report;
mod report_html;
mod run;
mod server_mode;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "axme-conformance", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the reference server with --faults and run every case against the selected SDKs.
    Run(run::RunArgs),
    /// Run HTTP-level checks against any AXP server.
    Server(server_mode::ServerArgs),
    /// Print the matrix of a JSON report written by `run --json` (or `server --json`), and
    /// optionally render it as the HTML page.
    Report(ReportArgs),
    /// The Rust (axme-core) driver: JSON lines on stdin/stdout (started by `run`).
    #[command(hide = true)]
    DriverRust,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The JSON report to read.
    #[arg(long)]
    json: PathBuf,
    /// Write the HTML page here.
    #[arg(long)]
    html: Option<PathBuf>,
}

fn show_report(args: ReportArgs) -> anyhow::Result<std::process::ExitCode> {
    let report = report::Report::read_json(&args.json)?;
    print!("{}", report.matrix());
    if let Some(path) = &args.html {
        report.write_html(path)?;
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::main(args),
        Command::Server(args) => server_mode::main(args),
        Command::Report(args) => show_report(args),
        Command::DriverRust => run::driver_rust::main(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("axme-conformance: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
