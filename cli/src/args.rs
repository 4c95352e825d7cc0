//! The command line: every command, its options, its help text and examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const MAIN_EXAMPLES: &str = "\
Examples:
  axme server                                   # a local reference server; saves context `local`
  axme intents send --to agent://acme/billing --type invoice.create.v1 --payload '{\"amount\": 42}'
  axme intents watch 0198c6d2-…                 # follow it until it ends
  axme tasks approve 0198c6d2-… --comment 'ship it'
  axme mesh dashboard

Connection: --base-url / --api-key, else AXME_BASE_URL / AXME_API_KEY, else the current context
(`axme context list`), else http://127.0.0.1:8100. Global options go before or after the command.

Exit codes: 0 ok; 1 request failed; 2 bad command line; `watch` also 3 FAILED, 4 CANCELED,
5 TIMED_OUT, 6 --timeout passed before the intent ended.";

/// `axme`: the AXP command line, on the same client core as every AXME SDK.
#[derive(Parser, Debug)]
#[command(
    name = "axme",
    version,
    about = "The AXP command line: intents, human tasks, inboxes, scenarios, agents and the mesh, against any AXP server",
    after_help = MAIN_EXAMPLES,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after its name.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Server base URL (overrides AXME_BASE_URL and the context).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// API key (overrides AXME_API_KEY and the context; visible to other local users in the
    /// process list, so prefer a context or the environment).
    #[arg(long, global = true, value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// A human's actor token, sent as `Authorization: Bearer` (overrides AXME_ACTOR_TOKEN).
    #[arg(long, global = true, value_name = "TOKEN")]
    pub actor_token: Option<String>,
    /// Use this context instead of the current one (also AXME_CONTEXT).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Print the server's JSON (one document per line for streams) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// No colour (also NO_COLOR=1).
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the reference server locally (data in ./axme-data) and save its URL and dev key as a context.
    #[command(after_help = "\
Examples:
  axme server                          # http://127.0.0.1:8100, data in ./axme-data, context `local`
  axme server --listen 127.0.0.1:0     # any free port
  axme server --data-dir /tmp/axme --context scratch

The first start on an empty data dir creates the `dev` organisation and its admin API key.
Ctrl-C stops the server (open streams end cleanly, pending writes are flushed).")]
    Server(ServerArgs),
    /// Named connections (base URL + key) in the user's config directory.
    Context {
        #[command(subcommand)]
        command: ContextCommand,
    },
    /// Send, inspect, follow, cancel and resolve intents.
    Intents {
        #[command(subcommand)]
        command: IntentsCommand,
    },
    /// Human tasks: list them, read one, answer it.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// An owner's inbox: threads of finished intents, decisions and replies.
    Inbox {
        #[command(subcommand)]
        command: InboxCommand,
    },
    /// Scenario bundles: check one, or apply it and follow the workflow.
    Scenarios {
        #[command(subcommand)]
        command: ScenariosCommand,
    },
    /// The agent registry.
    Agents {
        #[command(subcommand)]
        command: AgentsCommand,
    },
    /// The agent mesh: health, usage, the kill switch, its event log and dashboard.
    Mesh {
        #[command(subcommand)]
        command: MeshCommand,
    },
    /// Call any operation of the AXP API by method and path.
    #[command(after_help = "\
Examples:
  axme raw GET /v1/capabilities
  axme raw GET '/v1/intents?status=WAITING&limit=5'
  axme raw POST /v1/intents --data @intent.json
  axme raw POST /v1/mesh/agents/agent%3A%2F%2Fshop%2Fpayment/resume

The path must name an operation of spec/openapi.yaml; the call goes through the client core
(retries, idempotency keys, errors). The response is printed as JSON.")]
    Raw(RawArgs),
    /// Print a shell completion script.
    #[command(after_help = "\
Examples:
  axme completions bash > ~/.local/share/bash-completion/completions/axme
  axme completions zsh > \"${fpath[1]}/_axme\"
  axme completions fish > ~/.config/fish/completions/axme.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Data directory (database, lock, dev key); created if missing.
    #[arg(long, value_name = "DIR", default_value = "./axme-data")]
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8100")]
    pub listen: String,
    /// Name of the context that receives the URL and the dev key.
    #[arg(long = "save-context", value_name = "NAME", default_value = "local")]
    pub save_context: String,
    /// Do not write a context.
    #[arg(long)]
    pub no_save: bool,
    /// Server log filter on stderr (e.g. `info`, `axme_server=debug`).
    #[arg(long, value_name = "FILTER", default_value = "warn")]
    pub log: String,
}

#[derive(Subcommand, Debug)]
pub enum ContextCommand {
    /// Create or update a context from --base-url, --api-key and --actor-token.
    #[command(after_help = "\
Examples:
  axme context set staging --base-url https://axp.staging.example.com --api-key \"$KEY\" --use
  axme context set local --owner-agent agent://dev/default/ops")]
    Set {
        /// Context name.
        name: String,
        /// Default owner agent for inbox commands.
        #[arg(long, value_name = "ADDRESS")]
        owner_agent: Option<String>,
        /// Also make it the current context.
        #[arg(long = "use")]
        use_it: bool,
    },
    /// Make a context the current one.
    #[command(after_help = "Example:\n  axme context use staging")]
    Use {
        /// Context name.
        name: String,
    },
    /// List the contexts; `*` marks the current one.
    #[command(after_help = "Example:\n  axme context list")]
    List,
    /// Show the connection commands use now (or a named context), and where each part comes from.
    #[command(after_help = "\
Examples:
  axme context show
  axme context show local --reveal     # print the API key itself")]
    Show {
        /// Context name (default: the one in use).
        name: Option<String>,
        /// Print secrets in full.
        #[arg(long)]
        reveal: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum IntentsCommand {
    /// Send an intent; prints its id (only the id when piped).
    #[command(after_help = "\
Examples:
  axme intents send --to agent://acme/billing --type invoice.create.v1 --payload '{\"amount\": 42}'
  axme intents send --to billing --type invoice.create.v1 --set amount=42 --set currency=EUR
  axme intents send --to agent://axme.workflow/releases --type deploy.approval.v1 \\
      --set service=billing-api --approval 'Deploy billing-api 2.14.0?' --watch
  axme intents send --file intent.json
  ID=$(axme intents send --to billing --type invoice.create.v1 --payload @payload.json)")]
    Send(Box<SendArgs>),
    /// Show one intent.
    #[command(after_help = "Example:\n  axme intents get 0198c6d2-… --json")]
    Get {
        /// Intent id.
        id: String,
    },
    /// List intents, newest first.
    #[command(after_help = "\
Examples:
  axme intents list
  axme intents list --status WAITING,IN_PROGRESS --limit 20")]
    List {
        /// Keep only these statuses (comma-separated).
        #[arg(long, value_name = "STATUSES")]
        status: Option<String>,
        /// Page size (1-200).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        /// `next_cursor` of the previous page.
        #[arg(long, value_name = "CURSOR")]
        cursor: Option<String>,
    },
    /// List an intent's lifecycle events.
    #[command(after_help = "Example:\n  axme intents events 0198c6d2-… --since 3")]
    Events {
        /// Intent id.
        id: String,
        /// Only events after this seq.
        #[arg(long, value_name = "SEQ")]
        since: Option<u64>,
    },
    /// Follow an intent's events as they happen, until it ends; the exit code says how it ended.
    #[command(after_help = "\
Examples:
  axme intents watch 0198c6d2-…
  axme intents watch 0198c6d2-… --timeout 300 --json

Exit codes: 0 COMPLETED, 3 FAILED, 4 CANCELED, 5 TIMED_OUT, 6 --timeout passed first, 1 error.")]
    Watch(WatchArgs),
    /// Cancel an intent (resolve it as CANCELED).
    #[command(after_help = "Example:\n  axme intents cancel 0198c6d2-… --reason 'sent twice'")]
    Cancel {
        /// Intent id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Resolve an intent: COMPLETED with a result, FAILED with an error, or CANCELED.
    #[command(after_help = "\
Examples:
  axme intents resolve 0198c6d2-… --result '{\"invoice\": \"INV-7\"}'
  axme intents resolve 0198c6d2-… --status FAILED --error '{\"code\": \"card_declined\"}'")]
    Resolve {
        /// Intent id.
        id: String,
        /// Terminal status.
        #[arg(long, value_enum, default_value = "COMPLETED")]
        status: ResolveStatus,
        /// Result (JSON, or @FILE).
        #[arg(long, value_name = "JSON")]
        result: Option<String>,
        /// Error (JSON, or @FILE).
        #[arg(long, value_name = "JSON")]
        error: Option<String>,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResolveStatus {
    Completed,
    Failed,
    Canceled,
}

impl ResolveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolveStatus::Completed => "COMPLETED",
            ResolveStatus::Failed => "FAILED",
            ResolveStatus::Canceled => "CANCELED",
        }
    }
}

#[derive(Args, Debug)]
pub struct SendArgs {
    /// Recipient agent address (`agent://org/workspace/name` or a bare name).
    #[arg(long, value_name = "ADDRESS", required_unless_present = "file")]
    pub to: Option<String>,
    /// Intent type, e.g. `invoice.create.v1`.
    #[arg(long = "type", value_name = "TYPE", required_unless_present = "file")]
    pub intent_type: Option<String>,
    /// Payload: JSON, @FILE, or - for stdin.
    #[arg(long, value_name = "JSON")]
    pub payload: Option<String>,
    /// Set one payload field; the value is JSON when it parses, else text (repeatable; `a.b=1` nests).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Where the completion is delivered (an inbox owner address).
    #[arg(long, value_name = "ADDRESS")]
    pub reply_to: Option<String>,
    /// Deadline: a duration from now (90s, 15m, 2h, 1d) or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    pub deadline: Option<String>,
    /// Ask a human for approval first: the task's title.
    #[arg(long, value_name = "TITLE")]
    pub approval: Option<String>,
    /// Who may answer the approval (repeatable; default: anyone in the organisation).
    #[arg(long, value_name = "WHO", requires = "approval")]
    pub assignee: Vec<String>,
    /// A full human task spec (JSON or @FILE) instead of --approval.
    #[arg(long, value_name = "JSON", conflicts_with = "approval")]
    pub human_task: Option<String>,
    /// The whole request body (JSON or @FILE); the other options change it.
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
    /// Correlation id (a UUID; minted when absent).
    #[arg(long, value_name = "UUID")]
    pub correlation_id: Option<String>,
    /// Idempotency key (minted when absent, and reused on every retry).
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
    /// Then follow the intent until it ends (exit codes as `watch`).
    #[arg(long)]
    pub watch: bool,
    /// With --watch: give up after this many seconds.
    #[arg(long, value_name = "SECONDS", requires = "watch")]
    pub timeout: Option<f64>,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Intent id.
    pub id: String,
    /// Only events after this seq (default: from the start).
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    pub since: u64,
    /// Give up after this many seconds (exit code 6).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
}

#[derive(Subcommand, Debug)]
pub enum TasksCommand {
    /// List human tasks (yours with an actor token; else the open tasks of the organisation).
    #[command(after_help = "\
Examples:
  axme tasks list
  axme tasks list --actor-token \"$TOKEN\" --status all")]
    List {
        /// open, answered, closed or all (the last three need an actor token).
        #[arg(long, value_name = "STATE", default_value = "open")]
        status: String,
        /// Most tasks shown (1-200).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
    },
    /// Show a task: what is asked, the allowed outcomes, the form.
    #[command(after_help = "Example:\n  axme tasks get 0198c6d2-…")]
    Get {
        /// Task id (the intent id).
        task_id: String,
    },
    /// Approve a task (outcome `approved`, or the task's go-ahead outcome).
    #[command(after_help = "\
Examples:
  axme tasks approve 0198c6d2-…
  axme tasks approve 0198c6d2-… --comment 'release notes checked'")]
    Approve(DecideArgs),
    /// Reject a task (outcome `rejected`, or the task's refusal outcome); the intent fails.
    #[command(after_help = "Example:\n  axme tasks reject 0198c6d2-… --comment 'change freeze'")]
    Reject(DecideArgs),
    /// Answer a task with form data, checked against its form_schema before sending.
    #[command(after_help = "\
Examples:
  axme tasks submit 0198c6d2-… --field amount=120 --field reason='new laptop'
  axme tasks submit 0198c6d2-… --file answers.json --outcome submitted

A value is taken as the form_schema's type for that field (text, number, boolean), else as JSON when
it parses, else as text. `a.b=v` fills nested objects.")]
    Submit {
        /// Task id (the intent id).
        task_id: String,
        /// A form field (repeatable).
        #[arg(long = "field", value_name = "KEY=VALUE")]
        fields: Vec<String>,
        /// Form answers as a JSON object (file path, @FILE, or - for stdin); --field overrides.
        #[arg(long, value_name = "FILE")]
        file: Option<String>,
        /// Outcome (default: `submitted`, or the task's go-ahead outcome).
        #[arg(long)]
        outcome: Option<String>,
        /// Comment.
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct DecideArgs {
    /// Task id (the intent id).
    pub task_id: String,
    /// Comment (some tasks require one).
    #[arg(long)]
    pub comment: Option<String>,
    /// Use this outcome instead.
    #[arg(long)]
    pub outcome: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum InboxCommand {
    /// List the owner's threads, most recently changed first.
    #[command(after_help = "\
Examples:
  axme inbox list --owner agent://dev/default/ops
  axme inbox list --status pending")]
    List {
        #[command(flatten)]
        owner: OwnerArg,
        /// pending, active or done.
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// Most threads shown (1-500).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
    },
    /// Show a thread and its timeline.
    #[command(
        after_help = "Example:\n  axme inbox show 0198c6d2-… --owner agent://dev/default/ops"
    )]
    Show {
        /// Thread id.
        thread_id: String,
        #[command(flatten)]
        owner: OwnerArg,
    },
    /// Approve a thread.
    #[command(after_help = "Example:\n  axme inbox approve 0198c6d2-… --comment 'looks right'")]
    Approve(ThreadDecision),
    /// Reject a thread.
    #[command(after_help = "Example:\n  axme inbox reject 0198c6d2-… --comment 'wrong amount'")]
    Reject(ThreadDecision),
    /// Reply in a thread.
    #[command(after_help = "Example:\n  axme inbox reply 0198c6d2-… 'thanks, filed'")]
    Reply {
        /// Thread id.
        thread_id: String,
        /// The message.
        message: String,
        #[command(flatten)]
        owner: OwnerArg,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct OwnerArg {
    /// Inbox owner (default: the context's owner agent, else the caller's own address).
    #[arg(long, value_name = "ADDRESS")]
    pub owner: Option<String>,
}

#[derive(Args, Debug)]
pub struct ThreadDecision {
    /// Thread id.
    pub thread_id: String,
    /// Comment.
    #[arg(long)]
    pub comment: Option<String>,
    #[command(flatten)]
    pub owner: OwnerArg,
}

#[derive(Subcommand, Debug)]
pub enum ScenariosCommand {
    /// Check a bundle without running it; lists every problem with its place.
    #[command(after_help = "\
Examples:
  axme scenarios validate scenario.json
  cat scenario.json | axme scenarios validate -

Exit code 1 when the bundle has problems.")]
    Validate {
        /// Bundle file (JSON), or - for stdin.
        file: String,
    },
    /// Apply a bundle: provision its agents and start its workflow.
    #[command(after_help = "\
Examples:
  axme scenarios apply scenario.json
  axme scenarios apply scenario.json --watch       # follow the workflow; exit codes as `intents watch`")]
    Apply {
        /// Bundle file (JSON), or - for stdin.
        file: String,
        /// Follow the workflow until it ends.
        #[arg(long)]
        watch: bool,
        /// With --watch: give up after this many seconds.
        #[arg(long, value_name = "SECONDS", requires = "watch")]
        timeout: Option<f64>,
        /// Idempotency key (applying again with it returns the same workflow).
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AgentsCommand {
    /// List the agents of the organisation.
    #[command(after_help = "Example:\n  axme agents list --limit 50")]
    List {
        /// Keep the agents of this workspace.
        #[arg(long, value_name = "WORKSPACE")]
        workspace: Option<String>,
        /// Most agents shown (1-500).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
    },
    /// Show one agent.
    #[command(after_help = "Example:\n  axme agents show agent://acme/prod/billing")]
    Show {
        /// Agent address.
        address: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum MeshCommand {
    /// Every agent with its health, last heartbeat, intents, success rate, latency and cost.
    #[command(after_help = "\
Examples:
  axme mesh agents
  axme mesh agents --window week --health degraded")]
    Agents {
        /// Usage window.
        #[arg(long, value_enum, default_value = "day")]
        window: Window,
        /// Keep agents with this health (healthy, degraded, unreachable, killed, unknown).
        #[arg(long, value_name = "HEALTH")]
        health: Option<String>,
        /// Most agents shown (1-1000).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
    },
    /// Kill switch: block every intent to and from an agent (admin).
    #[command(after_help = "\
Examples:
  axme mesh kill agent://shop/payment           # asks for confirmation on a terminal
  axme mesh kill agt_0123456789abcdef --yes")]
    Kill {
        /// Agent address or address id (agt_…).
        agent: String,
        /// Do not ask for confirmation (required when not on a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Lift a kill (admin).
    #[command(after_help = "Example:\n  axme mesh resume agent://shop/payment")]
    Resume {
        /// Agent address or address id (agt_…).
        agent: String,
    },
    /// The mesh event log, newest first.
    #[command(after_help = "\
Examples:
  axme mesh events
  axme mesh events --type agent.killed --limit 10")]
    Events {
        /// Most events shown (1-1000).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        /// Keep one event type.
        #[arg(long = "type", value_name = "TYPE")]
        event_type: Option<String>,
    },
    /// Open the mesh dashboard of the server in a browser (or print its URL).
    #[command(after_help = "\
Examples:
  axme mesh dashboard
  axme mesh dashboard --no-open        # just print the URL

The page asks for an API key and keeps it for the browser session only.")]
    Dashboard {
        /// Print the URL without opening a browser.
        #[arg(long)]
        no_open: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Day,
    Week,
    Month,
}

impl Window {
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Day => "day",
            Window::Week => "week",
            Window::Month => "month",
        }
    }
}

#[derive(Args, Debug)]
pub struct RawArgs {
    /// HTTP method (GET, POST, PUT, PATCH, DELETE).
    pub method: String,
    /// Path with its query, e.g. `/v1/intents?limit=5`.
    pub path: String,
    /// Request body: JSON, @FILE, or - for stdin.
    #[arg(long, value_name = "JSON")]
    pub data: Option<String>,
}
