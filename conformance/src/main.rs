//! `axme-conformance`: run the conformance cases against SDK drivers (`run`), or HTTP-level checks
//! against any AXP server (`server`). See conformance/README.md.

mod report;
mod run;
mod server_mode;

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
    /// The Rust (axme-core) driver: JSON lines on stdin/stdout (started by `run`).
    #[command(hide = true)]
    DriverRust,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::main(args),
        Command::Server(args) => server_mode::main(args),
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
