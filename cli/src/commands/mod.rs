//! The commands. Each returns the process exit code, or an error to report.

mod agents;
mod context;
mod inbox;
mod intents;
mod mesh;
mod scenarios;
mod server;
mod tasks;

use clap::CommandFactory;
use serde_json::Value;

use crate::app::App;
use crate::args::{Cli, Command, RawArgs};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::output::write_stdout_bytes;
use crate::values::json_arg;

pub async fn run(app: &App, command: Command) -> CliResult<i32> {
    match command {
        Command::Server(args) => server::run(app, args).await,
        Command::Context { command } => context::run(app, command),
        Command::Intents { command } => intents::run(app, command).await,
        Command::Tasks { command } => tasks::run(app, command).await,
        Command::Inbox { command } => inbox::run(app, command).await,
        Command::Scenarios { command } => scenarios::run(app, command).await,
        Command::Agents { command } => agents::run(app, command).await,
        Command::Mesh { command } => mesh::run(app, command).await,
        Command::Raw(args) => raw(app, args).await,
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "axme", &mut script);
            write_stdout_bytes(&script)?;
            Ok(EXIT_OK)
        }
    }
}

async fn raw(app: &App, args: RawArgs) -> CliResult<i32> {
    let body = args
        .data
        .as_deref()
        .map(|d| json_arg("--data", d))
        .transpose()?;
    let call = crate::raw::resolve(&args.method, &args.path, body)?;
    if call.streaming {
        return Err(CliError::usage(format!(
            "{} is an event stream, which raw does not print",
            call.op_id
        ))
        .with_hint("follow an intent with `axme intents watch ID` (add --json for the events as JSON lines)"));
    }
    let client = app.client()?;
    if call.raw_response {
        let bytes = client
            .call_by_id_bytes(&call.op_id, Value::Object(call.args), None)
            .await?;
        write_stdout_bytes(&bytes)?;
        return Ok(EXIT_OK);
    }
    let resp = client
        .call_by_id(&call.op_id, Value::Object(call.args))
        .await?;
    app.out.print_json(&resp);
    Ok(EXIT_OK)
}
