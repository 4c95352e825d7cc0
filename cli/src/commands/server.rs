//! `axme server`: the reference server in-process, for local development. Its URL and dev key are
//! printed and saved as a context, so other `axme` commands (in any terminal) use it at once.

use std::time::Duration;

use axme_server::{start, ServerConfig};
use serde_json::json;

use crate::app::App;
use crate::args::ServerArgs;
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::output::{Cell, Style};
use crate::settings::{ConfigFile, Context};

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are registered when this is called, so a signal
/// that arrives before the future is polled is not lost (nor does it kill the process).
fn stop_signal() -> CliResult<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let register =
            |kind| signal(kind).map_err(|e| CliError::io(format!("cannot handle signals: {e}")));
        let mut int = register(SignalKind::interrupt())?;
        let mut term = register(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Saves the server as context `name`; makes it current when no other context is. Returns whether
/// it is the current context now.
fn save_context(name: &str, url: &str, key: &str) -> CliResult<(bool, std::path::PathBuf)> {
    let mut file = ConfigFile::load()?;
    let entry = file
        .contexts
        .entry(name.to_string())
        .or_insert_with(Context::default);
    entry.base_url = url.to_string();
    entry.api_key = Some(key.to_string());
    let current = match &file.current {
        None => true,
        Some(c) => c == name || !file.contexts.contains_key(c),
    };
    if current {
        file.current = Some(name.to_string());
    }
    let path = file.save()?;
    Ok((current, path))
}

pub async fn run(app: &App, args: ServerArgs) -> CliResult<i32> {
    init_logging(&args.log);
    let stopped = stop_signal()?;
    let mut config = ServerConfig::new(&args.data_dir);
    config.listen = args.listen.clone();
    config.shutdown_grace = Duration::from_secs(5);
    let server = start(config).await.map_err(|e| {
        let text = format!("{e:#}");
        let err = CliError::io(format!("cannot start the server: {text}"));
        if text.contains("in use by another axme-server") {
            err.with_hint("stop the other server, or give this one its own --data-dir")
        } else if text.to_ascii_lowercase().contains("address") {
            err.with_hint(format!(
                "is another server listening on {}? pick another with --listen 127.0.0.1:0",
                args.listen
            ))
        } else {
            err
        }
    })?;
    let url = server.base_url();
    let key = match &server.new_dev_api_key {
        Some(k) => k.clone(),
        None => server
            .dev_api_key()
            .map_err(|e| CliError::io(format!("cannot read the dev API key: {e:#}")))?,
    };
    let saved = if args.no_save {
        None
    } else {
        Some(save_context(&args.save_context, &url, &key)?)
    };
    let data_dir = server.data_dir.display().to_string();
    let out = &app.out;
    if out.json {
        out.print_json_line(&json!({
            "url": url, "api_key": key, "data_dir": data_dir,
            "context": saved.as_ref().map(|_| &args.save_context),
            "current": saved.as_ref().map(|(c, _)| *c),
        }));
    } else {
        outln!(
            "{} {} (reference server {})",
            out.paint("axme server", Style::Bold),
            out.paint("ready", Style::Green),
            env!("CARGO_PKG_VERSION")
        );
        let mut rows = vec![
            ("url", Cell::styled(url.clone(), Style::Cyan)),
            ("api key", Cell::new(key.clone())),
            ("data dir", Cell::new(data_dir.clone())),
        ];
        match &saved {
            Some((true, path)) => rows.push((
                "context",
                Cell::new(format!(
                    "{} (current; saved in {})",
                    args.save_context,
                    path.display()
                )),
            )),
            Some((false, path)) => rows.push((
                "context",
                Cell::new(format!(
                    "{} (saved in {}; `axme context use {}` to switch to it)",
                    args.save_context,
                    path.display(),
                    args.save_context
                )),
            )),
            None => {}
        }
        out.fields(&rows);
        outln!();
        outln!("In another terminal:");
        outln!("  axme intents send --to agent://dev/default/billing --type invoice.create.v1 --set amount=42");
        outln!("  axme mesh dashboard");
        outln!("Ctrl-C stops the server.");
    }
    let stop = server.stop_token();
    tokio::select! {
        _ = stopped => {}
        _ = stop.cancelled() => {}
    }
    if !out.json {
        eprintln!("stopping: open streams end, pending writes are flushed");
    }
    stop.cancel();
    server.wait().await;
    Ok(EXIT_OK)
}
