//! Reads, on a small pool of connections that never block the writer (WAL readers see the last
//! committed state).

use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde_json::Value;

use crate::domain::status::Status;
use crate::store::{Delivery, IntentPage};

fn parse(doc: String) -> Value {
    serde_json::from_str(&doc).unwrap_or(Value::Null)
}

pub fn get_intent(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
) -> rusqlite::Result<Option<Value>> {
    get_intent_text(conn, org_id, intent_id).map(|doc| doc.map(parse))
}

/// The stored document of an intent (JSON text written by the writer).
pub fn get_intent_text(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT doc FROM intents WHERE id = ?1 AND org_id = ?2")?
        .query_row([intent_id, org_id], |r| r.get::<_, String>(0))
        .optional()
}

fn placeholders(count: usize, first: usize) -> String {
    (0..count)
        .map(|i| format!("?{}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn list_intents(
    conn: &Connection,
    org_id: &str,
    statuses: &[Status],
    limit: usize,
    cursor: Option<i64>,
) -> rusqlite::Result<IntentPage> {
    let mut sql = String::from("SELECT rowid, doc FROM intents WHERE org_id = ?1 AND rowid < ?2");
    if !statuses.is_empty() {
        sql.push_str(&format!(
            " AND status IN ({})",
            placeholders(statuses.len(), 3)
        ));
    }
    sql.push_str(&format!(" ORDER BY rowid DESC LIMIT {}", limit + 1));
    let mut args: Vec<rusqlite::types::Value> =
        vec![org_id.to_string().into(), cursor.unwrap_or(i64::MAX).into()];
    args.extend(
        statuses
            .iter()
            .map(|s| rusqlite::types::Value::from(s.as_str().to_string())),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows: Vec<(i64, Value)> = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((r.get(0)?, parse(r.get(1)?)))
        })?
        .collect::<Result<_, _>>()?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|(rowid, _)| rowid.to_string())
    } else {
        None
    };
    Ok(IntentPage {
        intents: rows.into_iter().map(|(_, doc)| doc).collect(),
        next_cursor,
    })
}

pub fn list_events(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    since: i64,
    limit: usize,
) -> rusqlite::Result<Option<Vec<Value>>> {
    let visible: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM intents WHERE id = ?1 AND org_id = ?2")?
        .query_row([intent_id, org_id], |r| r.get(0))
        .optional()?;
    if visible.is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM events WHERE intent_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let events = stmt
        .query_map(rusqlite::params![intent_id, since, limit as i64], |r| {
            Ok(parse(r.get(0)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(events))
}

pub fn deliveries(
    conn: &Connection,
    org_id: &str,
    agent: &str,
    since: i64,
    statuses: &[Status],
    limit: usize,
) -> rusqlite::Result<Vec<Delivery>> {
    let sql = format!(
        "SELECT q.cursor, i.doc FROM agent_queue q JOIN intents i ON i.id = q.intent_id
         WHERE q.org_id = ?1 AND q.agent = ?2 AND q.cursor > ?3 AND i.status IN ({})
         ORDER BY q.cursor LIMIT {limit}",
        placeholders(statuses.len(), 4)
    );
    let mut args: Vec<rusqlite::types::Value> = vec![
        org_id.to_string().into(),
        agent.to_string().into(),
        since.into(),
    ];
    args.extend(
        statuses
            .iter()
            .map(|s| rusqlite::types::Value::from(s.as_str().to_string())),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(Delivery {
                cursor: r.get(0)?,
                intent: parse(r.get(1)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn due_deadlines(
    conn: &Connection,
    now_us: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT org_id, id FROM intents WHERE deadline_us IS NOT NULL AND terminal = 0 AND deadline_us <= ?1 ORDER BY deadline_us LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![now_us, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn next_deadline(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT MIN(deadline_us) FROM intents WHERE deadline_us IS NOT NULL AND terminal = 0",
    )?
    .query_row([], |r| r.get(0))
}
