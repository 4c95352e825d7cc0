//! The schema registry inside the writer's transaction, and its read.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::intents::Effects;
use crate::domain::clock;
use crate::domain::schemas::{self, SchemasOp};
use crate::error::ApiError;

/// The stored schema of a semantic type: `{semantic_type, schema_hash, schema_json, ...}`.
pub fn get(
    conn: &Connection,
    org_id: &str,
    semantic_type: &str,
) -> rusqlite::Result<Option<Value>> {
    conn.prepare_cached(
        "SELECT semantic_type, schema_hash, schema_json, compatibility_mode, scope, active, schema_ref, version, created_at, updated_at
         FROM schemas WHERE org_id = ?1 AND semantic_type = ?2",
    )?
    .query_row(params![org_id, semantic_type], |r| {
        let schema_json: String = r.get(2)?;
        Ok(json!({
            "semantic_type": r.get::<_, String>(0)?,
            "schema_hash": r.get::<_, String>(1)?,
            "schema_json": serde_json::from_str::<Value>(&schema_json).unwrap_or(Value::Null),
            "compatibility_mode": r.get::<_, String>(3)?,
            "scope": r.get::<_, String>(4)?,
            "active": r.get::<_, bool>(5)?,
            "schema_ref": r.get::<_, Option<String>>(6)?,
            "version": r.get::<_, i64>(7)?,
            "created_at": r.get::<_, String>(8)?,
            "updated_at": r.get::<_, String>(9)?,
        }))
    })
    .optional()
}

pub fn perform(conn: &Connection, op: &SchemasOp) -> Result<(Value, Effects), ApiError> {
    let SchemasOp::Upsert { org_id, upsert } = op;
    let now = clock::format_us(clock::now_us());
    let current = get(conn, org_id, &upsert.semantic_type)?;
    let mut warnings: Vec<String> = Vec::new();
    let changed = current
        .as_ref()
        .is_none_or(|c| c["schema_hash"] != json!(upsert.schema_hash));
    if let (Some(current), true) = (&current, changed) {
        // The mode stored with the schema governs what may change it.
        let breaks = schemas::backward_breaks(&current["schema_json"], &upsert.schema_json);
        match current["compatibility_mode"].as_str() {
            Some("strict") => {
                return Err(ApiError::conflict(
                    "schema_incompatible",
                    format!("{} is registered in strict mode, so its schema cannot change; register a new version (e.g. .v2) instead", upsert.semantic_type),
                ))
            }
            Some("backward") if !breaks.is_empty() => {
                return Err(ApiError::conflict(
                    "schema_incompatible",
                    format!("the new schema of {} would reject payloads the current one accepts: {}", upsert.semantic_type, breaks.join("; ")),
                )
                .with_details(json!({"breaks": breaks})))
            }
            _ => warnings = breaks,
        }
    }
    let schema_text = upsert.schema_json.to_string();
    conn.prepare_cached(
        "INSERT INTO schemas (org_id, semantic_type, schema_json, schema_hash, compatibility_mode, scope, active, schema_ref, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)
         ON CONFLICT (org_id, semantic_type) DO UPDATE SET
           schema_json = excluded.schema_json, schema_hash = excluded.schema_hash,
           compatibility_mode = excluded.compatibility_mode, scope = excluded.scope, active = excluded.active,
           schema_ref = excluded.schema_ref, updated_at = excluded.updated_at,
           version = schemas.version + (schemas.schema_hash <> excluded.schema_hash)",
    )?
    .execute(params![
        org_id, upsert.semantic_type, schema_text, upsert.schema_hash, upsert.compatibility_mode,
        upsert.scope, upsert.active, upsert.schema_ref, now
    ])?;
    let schema = get(conn, org_id, &upsert.semantic_type)?
        .ok_or_else(|| ApiError::internal("the schema just stored is missing"))?;
    Ok((
        json!({"ok": true, "schema": schema, "changed": changed, "warnings": warnings}),
        Effects::default(),
    ))
}
