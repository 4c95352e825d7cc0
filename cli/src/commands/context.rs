//! `axme context set|use|list|show`.

use serde_json::{json, Value};

use crate::app::App;
use crate::args::ContextCommand;
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::output::{Cell, Style};
use crate::settings::{config_path, secret_hint, ConfigFile, Connection, Context};

fn shown(secret: &Option<String>, reveal: bool) -> Option<String> {
    secret
        .as_ref()
        .map(|s| if reveal { s.clone() } else { secret_hint(s) })
}

fn context_json(name: &str, c: &Context, current: bool, reveal: bool) -> Value {
    json!({
        "name": name, "current": current, "base_url": c.base_url,
        "api_key": shown(&c.api_key, reveal), "actor_token": shown(&c.actor_token, reveal),
        "owner_agent": c.owner_agent,
    })
}

fn check_url(url: &str) -> CliResult<()> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--base-url {url:?} must start with http:// or https://"
        )))
    }
}

pub fn run(app: &App, command: ContextCommand) -> CliResult<i32> {
    let out = &app.out;
    match command {
        ContextCommand::Set {
            name,
            owner_agent,
            use_it,
        } => {
            let g = &app.global;
            let mut file = ConfigFile::load()?;
            let existing = file.contexts.get(&name).cloned();
            let base_url = match (&g.base_url, &existing) {
                (Some(u), _) => u.trim_end_matches('/').to_string(),
                (None, Some(c)) => c.base_url.clone(),
                (None, None) => {
                    return Err(CliError::usage(format!(
                        "context {name:?} is new: give it --base-url (and --api-key)"
                    )))
                }
            };
            check_url(&base_url)?;
            let old = existing.unwrap_or_default();
            let ctx = Context {
                base_url,
                api_key: g.api_key.clone().or(old.api_key),
                actor_token: g.actor_token.clone().or(old.actor_token),
                owner_agent: owner_agent.or(old.owner_agent),
            };
            file.contexts.insert(name.clone(), ctx.clone());
            let current = use_it || file.current.is_none();
            if current {
                file.current = Some(name.clone());
            }
            let is_current = file.current.as_deref() == Some(name.as_str());
            let path = file.save()?;
            if out.json {
                out.print_json(&context_json(&name, &ctx, is_current, false));
            } else {
                let note = if is_current { " (current)" } else { "" };
                outln!("saved context {name}{note} in {}", path.display());
            }
            Ok(EXIT_OK)
        }
        ContextCommand::Use { name } => {
            let mut file = ConfigFile::load()?;
            let Some(ctx) = file.contexts.get(&name).cloned() else {
                return Err(CliError::config(format!("no context named {name:?}"))
                    .with_hint("`axme context list` shows the contexts there are"));
            };
            file.current = Some(name.clone());
            file.save()?;
            if out.json {
                out.print_json(&context_json(&name, &ctx, true, false));
            } else {
                outln!("using context {name} ({})", ctx.base_url);
            }
            Ok(EXIT_OK)
        }
        ContextCommand::List => {
            let file = ConfigFile::load()?;
            let current = file.current.clone().unwrap_or_default();
            if out.json {
                let list: Vec<Value> = file
                    .contexts
                    .iter()
                    .map(|(n, c)| context_json(n, c, *n == current, false))
                    .collect();
                out.print_json(&json!({"current": file.current, "contexts": list}));
                return Ok(EXIT_OK);
            }
            let rows: Vec<Vec<Cell>> = file
                .contexts
                .iter()
                .map(|(n, c)| {
                    let is_current = *n == current;
                    vec![
                        Cell::styled(if is_current { "*" } else { "" }, Style::Green),
                        Cell::styled(
                            n.clone(),
                            if is_current {
                                Style::Bold
                            } else {
                                Style::Plain
                            },
                        ),
                        Cell::new(c.base_url.clone()),
                        Cell::new(shown(&c.api_key, false).unwrap_or_else(|| "-".into())),
                        Cell::new(if c.actor_token.is_some() { "set" } else { "-" }),
                        Cell::new(c.owner_agent.clone().unwrap_or_else(|| "-".into())),
                    ]
                })
                .collect();
            out.table(
                &["CURRENT", "NAME", "BASE URL", "API KEY", "ACTOR TOKEN", "OWNER AGENT"],
                &rows,
                "no contexts yet: `axme server` saves one, or `axme context set NAME --base-url URL --api-key KEY`",
            );
            Ok(EXIT_OK)
        }
        ContextCommand::Show { name, reveal } => {
            let file = ConfigFile::load()?;
            let path = config_path()?;
            if let Some(name) = name {
                let Some(ctx) = file.contexts.get(&name) else {
                    return Err(CliError::config(format!("no context named {name:?}"))
                        .with_hint("`axme context list` shows the contexts there are"));
                };
                let current = file.current.as_deref() == Some(name.as_str());
                if out.json {
                    out.print_json(&context_json(&name, ctx, current, reveal));
                } else {
                    out.fields(&[
                        (
                            "context",
                            Cell::new(if current {
                                format!("{name} (current)")
                            } else {
                                name.clone()
                            }),
                        ),
                        ("base url", Cell::new(ctx.base_url.clone())),
                        (
                            "api key",
                            Cell::new(shown(&ctx.api_key, reveal).unwrap_or_else(|| "-".into())),
                        ),
                        (
                            "actor token",
                            Cell::new(
                                shown(&ctx.actor_token, reveal).unwrap_or_else(|| "-".into()),
                            ),
                        ),
                        (
                            "owner agent",
                            Cell::new(ctx.owner_agent.clone().unwrap_or_else(|| "-".into())),
                        ),
                        ("config file", Cell::new(path.display().to_string())),
                    ]);
                }
                return Ok(EXIT_OK);
            }
            let conn = Connection::resolve(&app.overrides(), &file)?;
            if out.json {
                out.print_json(&json!({
                    "context": conn.context, "config_file": path,
                    "base_url": {"value": conn.base_url, "source": conn.base_url_source.as_str()},
                    "api_key": {"value": shown(&conn.api_key, reveal), "source": conn.api_key_source.as_str()},
                    "actor_token": {"value": shown(&conn.actor_token, reveal), "source": conn.actor_token_source.as_str()},
                    "owner_agent": conn.owner_agent,
                }));
                return Ok(EXIT_OK);
            }
            let with_source = |v: Option<String>, src: &str| match v {
                Some(v) => format!("{v}  ({src})"),
                None => format!("-  ({src})"),
            };
            out.fields(&[
                (
                    "context",
                    Cell::new(conn.context.clone().unwrap_or_else(|| "none".into())),
                ),
                (
                    "base url",
                    Cell::new(with_source(
                        Some(conn.base_url.clone()),
                        conn.base_url_source.as_str(),
                    )),
                ),
                (
                    "api key",
                    Cell::new(with_source(
                        shown(&conn.api_key, reveal),
                        conn.api_key_source.as_str(),
                    )),
                ),
                (
                    "actor token",
                    Cell::new(with_source(
                        shown(&conn.actor_token, reveal),
                        conn.actor_token_source.as_str(),
                    )),
                ),
                (
                    "owner agent",
                    Cell::new(conn.owner_agent.clone().unwrap_or_else(|| "-".into())),
                ),
                ("config file", Cell::new(path.display().to_string())),
            ]);
            Ok(EXIT_OK)
        }
    }
}
