//! `axme`: the AXP command line. Every request goes through `axme-core`, the engine of every AXME
//! SDK, so the CLI retries, mints idempotency keys, follows SSE streams and reports errors exactly
//! as the SDKs do. See cli/README.md.

/// `println!` that ends the process quietly when stdout is closed (`axme ... | head`), instead of
/// panicking on the broken pipe.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` with the same broken-pipe handling as `outln!`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

mod app;
mod args;
mod commands;
mod error;
mod forms;
mod output;
mod raw;
mod settings;
mod values;
mod watch;

use clap::Parser;

use crate::app::App;
use crate::args::Cli;
use crate::error::{CliError, EXIT_ERROR};
use crate::output::Out;

fn main() {
    let cli = Cli::parse();
    let out = Out::new(cli.global.json, cli.global.no_color);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            CliError::io(format!("cannot start the async runtime: {e}")).report(&out);
            std::process::exit(EXIT_ERROR);
        }
    };
    let app = App::new(cli.global.clone(), out.clone());
    let code = runtime.block_on(async {
        match commands::run(&app, cli.command).await {
            Ok(code) => code,
            Err(mut err) => {
                app.add_hint(&mut err);
                err.report(&out);
                err.exit
            }
        }
    });
    // Do not wait for streams the runtime may still hold (a watch cut short).
    runtime.shutdown_background();
    std::process::exit(code);
}
