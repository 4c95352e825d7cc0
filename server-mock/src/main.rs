//! The `axme-server` command: serve a data dir, or administer its credentials.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use axme_server::domain::agents::{self, AgentsSettings, CallbackAllowlist, HostRule};
use axme_server::store::sqlite::{self, credentials, humans};
use axme_server::{start, ServerConfig};
use clap::{Args, Parser, Subcommand};

/// The AXP reference server: durable intents on an embedded SQLite store, served over HTTP and SSE.
#[derive(Parser, Debug)]
#[command(name = "axme-server", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Directory holding the database, the lock, `server-addr` and `dev-api-key`; created if missing.
    #[arg(
        long,
        env = "AXME_DATA_DIR",
        default_value = "./axme-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (the bound address is printed and written to DIR/server-addr).
    #[arg(long, env = "AXME_LISTEN", default_value = "127.0.0.1:8100")]
    listen: String,
    /// Serve the fault-injection control API under /_faults (tests and conformance only; see spec/faults.md).
    #[arg(long)]
    faults: bool,
    /// Most writes committed in one transaction (group commit); 1 commits every write on its own.
    #[arg(long, default_value_t = sqlite::DEFAULT_MAX_BATCH as u64, value_parser = clap::value_parser!(u64).range(1..=65536))]
    commit_batch_max: u64,
    /// Hours an idempotency key is remembered (at least 24 is what clients are promised).
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..))]
    idempotency_ttl_hours: u64,
    /// A browser origin allowed to call `/mcp` besides loopback ones (repeatable), e.g. https://app.example.com.
    #[arg(long = "mcp-allowed-origin", value_name = "ORIGIN")]
    mcp_allowed_origins: Vec<String>,
    /// MCP `tools/call`s allowed a minute per (organisation, owner, tool); past it the call is the
    /// JSON-RPC error -32004 (a rate-limit error in the SDKs). 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = axme_server::state::DEFAULT_MCP_CALLS_PER_MINUTE)]
    mcp_calls_per_minute: u32,
    /// Log filter, e.g. `info` or `axme_server=debug` (also RUST_LOG).
    #[arg(long, env = "AXME_LOG", default_value = "info")]
    log: String,
    /// Log as JSON lines instead of text.
    #[arg(long)]
    log_json: bool,
    /// A host `http` delivery bindings may call back (HOST, HOST:PORT, [IPv6]:PORT, *.domain);
    /// repeatable. Nothing is allowed unless listed, loopback included (no SSRF).
    #[arg(long = "allow-callback-host", value_name = "HOST[:PORT]", value_parser = HostRule::parse)]
    allow_callback_host: Vec<HostRule>,
    /// Waits before retrying a failed `http` delivery, comma-separated (the last one repeats).
    #[arg(long, default_value = "30s,2m,10m", value_parser = agents::parse_schedule)]
    delivery_retry_schedule: Schedule,
    /// How long one callback POST may take.
    #[arg(long, default_value = "10s", value_parser = agents::parse_duration)]
    delivery_timeout: Duration,
    /// Heartbeat age after which a mesh agent is `degraded`.
    #[arg(long, default_value = "90s", value_parser = agents::parse_duration)]
    mesh_degraded_after: Duration,
    /// Heartbeat age after which a mesh agent is `unreachable`.
    #[arg(long, default_value = "5m", value_parser = agents::parse_duration)]
    mesh_unreachable_after: Duration,
    /// Most connections open at once (default: what the open-files limit leaves room for, an
    /// eighth of it kept for the store and callbacks). At the cap the connection idle longest is
    /// closed to make room.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: Option<u64>,
    /// Longest wait for the rest of a request head once it started, and between two pieces of a
    /// request body; then 408 and the connection is closed.
    #[arg(long, default_value = "10s", value_parser = agents::parse_duration)]
    read_timeout: Duration,
    /// Longest wait for a request on an open connection before it is closed.
    #[arg(long, default_value = "75s", value_parser = agents::parse_duration)]
    idle_timeout: Duration,
}

/// A retry schedule (clap needs a named type for a parsed Vec).
type Schedule = Vec<Duration>;

#[derive(Subcommand, Debug)]
enum Command {
    /// Administer organisations and API keys of the data dir (works while the server runs).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Organisations.
    Orgs {
        #[command(subcommand)]
        command: OrgsCommand,
    },
    /// Workspaces.
    Workspaces {
        #[command(subcommand)]
        command: WorkspacesCommand,
    },
    /// API keys of service accounts.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Human users and their actor tokens (for human tasks).
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
}

#[derive(Subcommand, Debug)]
enum UsersCommand {
    /// Create a human user; prints its actor token once (use it as `Authorization: Bearer <token>`).
    Create {
        /// Organisation id or name.
        #[arg(long)]
        org: String,
        /// Workspace id or name.
        #[arg(long, default_value = "default")]
        workspace: String,
        /// User name (lower-case letters, digits, '.', '_', '-'); task assignees match it.
        #[arg(long)]
        name: String,
        /// E-mail address; task assignees match it too.
        #[arg(long)]
        email: Option<String>,
    },
    /// Issue another actor token for an existing user; prints it once.
    Token {
        /// Organisation id or name.
        #[arg(long)]
        org: String,
        /// User name.
        #[arg(long)]
        name: String,
    },
    /// List users (never their tokens).
    List,
}

#[derive(Subcommand, Debug)]
enum OrgsCommand {
    /// Create an organisation with a `default` workspace.
    Create {
        /// Name (lower-case letters, digits, '.', '_', '-'); part of agent addresses.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum WorkspacesCommand {
    /// Create a workspace in an organisation.
    Create {
        /// Organisation id or name.
        #[arg(long)]
        org: String,
        /// Workspace name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Create an API key for a service account (created if missing); prints the key once.
    Create {
        /// Organisation id or name.
        #[arg(long)]
        org: String,
        /// Workspace id or name.
        #[arg(long, default_value = "default")]
        workspace: String,
        /// Service account name.
        #[arg(long)]
        name: String,
        /// Make the service account an admin (it may administer every organisation over HTTP).
        #[arg(long)]
        admin: bool,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id; it is refused from the next request on.
    Revoke {
        /// Key id (see `admin keys list`).
        key_id: String,
    },
}

fn init_logging(filter: &str, json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour only on a terminal: files and pipes get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn admin(data_dir: &std::path::Path, command: AdminCommand) -> anyhow::Result<()> {
    let conn = sqlite::open_admin(data_dir)
        .with_context(|| format!("cannot open data dir {}", data_dir.display()))?;
    match command {
        AdminCommand::Orgs {
            command: OrgsCommand::Create { name },
        } => {
            let org_id = credentials::create_org(&conn, &name)?;
            credentials::create_workspace(&conn, &org_id, "default")?;
            println!("created organisation {name} ({org_id}) with workspace default");
        }
        AdminCommand::Workspaces {
            command: WorkspacesCommand::Create { org, name },
        } => {
            let id = credentials::create_workspace(&conn, &org, &name)?;
            println!("created workspace {name} ({id})");
        }
        AdminCommand::Keys {
            command:
                KeysCommand::Create {
                    org,
                    workspace,
                    name,
                    admin,
                },
        } => {
            let key = credentials::create_key(&conn, &org, &workspace, &name)?;
            if admin {
                credentials::make_admin(&conn, &key.service_account_id)?;
            }
            eprintln!(
                "created key {} for service account {name}; it is shown once:",
                key.key_id
            );
            println!("{}", key.api_key);
        }
        AdminCommand::Keys {
            command: KeysCommand::List,
        } => {
            println!(
                "{:<22} {:<16} {:<16} {:<12} {:<12} HINT",
                "KEY ID", "NAME", "ORG", "WORKSPACE", "STATE"
            );
            for key in credentials::list_keys(&conn)? {
                let state = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{:<22} {:<16} {:<16} {:<12} {:<12} {}",
                    key.key_id, key.name, key.org, key.workspace, state, key.hint
                );
            }
        }
        AdminCommand::Keys {
            command: KeysCommand::Revoke { key_id },
        } => {
            credentials::revoke_key(&conn, &key_id)?;
            println!("revoked {key_id}");
        }
        AdminCommand::Users { command } => users(&conn, command)?,
    }
    Ok(())
}

fn users(conn: &rusqlite::Connection, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Create {
            org,
            workspace,
            name,
            email,
        } => {
            let human = humans::create_human(conn, &org, &workspace, &name, email.as_deref())?;
            eprintln!(
                "created user {name} ({}, {}); its actor token is shown once:",
                human.human_id, human.address
            );
            println!("{}", human.token);
        }
        UsersCommand::Token { org, name } => {
            let (token_id, token) = humans::token_for(conn, &org, &name)?;
            eprintln!("issued actor token {token_id} for {name}; it is shown once:");
            println!("{token}");
        }
        UsersCommand::List => {
            println!(
                "{:<22} {:<20} {:<28} {:<16} {:<12} TOKENS",
                "USER ID", "NAME", "EMAIL", "ORG", "WORKSPACE"
            );
            for h in humans::list_humans(conn)? {
                println!(
                    "{:<22} {:<20} {:<28} {:<16} {:<12} {}",
                    h.human_id,
                    h.name,
                    h.email.unwrap_or_default(),
                    h.org,
                    h.workspace,
                    h.active_tokens
                );
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Admin { command }) = cli.command {
        return admin(&cli.serve.data_dir, command);
    }
    let args = cli.serve;
    init_logging(&args.log, args.log_json);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut config = ServerConfig::new(&args.data_dir);
        config.listen = args.listen.clone();
        config.faults = args.faults;
        config.max_batch = args.commit_batch_max as usize;
        config.idempotency_ttl = Duration::from_secs(args.idempotency_ttl_hours * 3600);
        anyhow::ensure!(
            args.mesh_degraded_after <= args.mesh_unreachable_after,
            "--mesh-degraded-after must not be longer than --mesh-unreachable-after"
        );
        config.agents = AgentsSettings {
            callback_hosts: CallbackAllowlist(args.allow_callback_host.clone()),
            retry_schedule: args.delivery_retry_schedule.clone(),
            delivery_timeout: args.delivery_timeout,
            health: axme_server::domain::mesh::HealthThresholds {
                degraded_after: args.mesh_degraded_after,
                unreachable_after: args.mesh_unreachable_after,
            },
        };
        config.mcp_allowed_origins = args.mcp_allowed_origins.clone();
        config.mcp_calls_per_minute = args.mcp_calls_per_minute;
        config.max_connections = args
            .max_connections
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        config.read_timeout = args.read_timeout;
        config.idle_timeout = args.idle_timeout;
        let server = start(config).await?;
        if let Some(key) = &server.new_dev_api_key {
            println!(
                "created dev organisation; dev API key (shown once, also in {}):",
                server.data_dir.join("dev-api-key").display()
            );
            println!("  {key}");
        } else {
            println!(
                "dev API key: see {}",
                server.data_dir.join("dev-api-key").display()
            );
        }
        if args.faults {
            println!("fault injection is ON (/_faults): for tests only");
        }
        println!("listening on {}", server.base_url());
        let stop = server.stop_token();
        tokio::spawn(async move {
            shutdown_signal().await;
            stop.cancel();
        });
        server.wait().await;
        anyhow::Ok(())
    })
}
