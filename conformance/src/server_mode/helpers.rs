//! The platform helper families of the upstream checks: capabilities, invites, media uploads, the
//! schema registry, and users/nicks. Names and owners are unique per run so a server that keeps its
//! data passes again.

use reqwest::Method;
use serde_json::{json, Value};

use super::harness::{ensure, is_uuid, short, CheckResult, Ctx};

const INVITE_STATUSES: [&str; 3] = ["pending", "accepted", "expired"];

fn one_of(v: &Value, allowed: &[&str]) -> bool {
    v.as_str().is_some_and(|s| allowed.contains(&s))
}

pub async fn capabilities(c: Ctx) -> CheckResult {
    let body = c.get_ok("/v1/capabilities").await?;
    let caps = body["capabilities"].as_array().cloned().unwrap_or_default();
    ensure!(
        body["ok"] == json!(true)
            && !caps.is_empty()
            && caps
                .iter()
                .all(|c| c.as_str().is_some_and(|s| s.len() >= 3)),
        "GET /v1/capabilities: expected ok and a non-empty list of capability names, got {}",
        short(&body)
    );
    let types = body["supported_intent_types"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        !types.is_empty()
            && types.iter().all(|t| {
                t.as_str()
                    .is_some_and(|s| s.starts_with("intent.") && s.ends_with(".v1"))
            }),
        "GET /v1/capabilities: expected supported_intent_types like intent.<name>.v1, got {}",
        short(&body["supported_intent_types"])
    );
    Ok(())
}

impl Ctx {
    fn nick(&self, what: &str) -> String {
        format!("@conformance_{what}_{}", self.run)
    }

    async fn create_invite(&self) -> Result<(Value, String), String> {
        let body = json!({"owner_agent": self.address("owner-invites"), "recipient_hint": "Conformance receiver", "ttl_seconds": 3600});
        let data = self.post_ok("/v1/invites/create", &body).await?;
        let token = data["token"].as_str().filter(|t| t.len() >= 12);
        ensure!(
            token.is_some(),
            "POST /v1/invites/create: expected a token of at least 12 characters, got {}",
            short(&data)
        );
        Ok((data.clone(), token.unwrap_or_default().to_string()))
    }

    async fn create_upload(&self) -> Result<Value, String> {
        let body = json!({"owner_agent": self.address("owner-media"), "filename": "contract.pdf", "mime_type": "application/pdf", "size_bytes": 12345});
        let data = self.post_ok("/v1/media/create-upload", &body).await?;
        ensure!(
            is_uuid(&data["upload_id"]),
            "POST /v1/media/create-upload: expected a UUID upload_id, got {}",
            short(&data)
        );
        Ok(data)
    }

    fn semantic_type(&self) -> String {
        format!("axme.conformance.run_{}.v1", self.run)
    }

    async fn upsert_schema(&self) -> Result<Value, String> {
        let body = json!({
            "semantic_type": self.semantic_type(),
            "schema_json": {"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}},
            "compatibility_mode": "strict",
        });
        self.post_ok("/v1/schemas", &body).await
    }

    async fn register(&self, what: &str) -> Result<Value, String> {
        let body = json!({"nick": self.nick(what), "display_name": "Conformance User"});
        let data = self.post_ok("/v1/users/register-nick", &body).await?;
        ensure!(
            data["owner_agent"].is_string(),
            "POST /v1/users/register-nick: expected an owner_agent, got {}",
            short(&data)
        );
        Ok(data)
    }
}

pub async fn invites_create(c: Ctx) -> CheckResult {
    let (data, _) = c.create_invite().await?;
    ensure!(
        data["ok"] == json!(true)
            && data["invite_url"].as_str().is_some_and(|u| u.starts_with("http"))
            && one_of(&data["status"], &INVITE_STATUSES),
        "POST /v1/invites/create: expected ok, an http(s) invite_url and a status in {INVITE_STATUSES:?}, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn invites_get(c: Ctx) -> CheckResult {
    let (_, token) = c.create_invite().await?;
    let path = format!("/v1/invites/{token}");
    let data = c.get_ok(&path).await?;
    ensure!(
        data["ok"] == json!(true)
            && data["token"] == json!(token)
            && data["owner_agent"].is_string()
            && one_of(&data["status"], &INVITE_STATUSES),
        "GET {path}: expected ok, the token, owner_agent and a status in {INVITE_STATUSES:?}, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn invites_accept(c: Ctx) -> CheckResult {
    let (_, token) = c.create_invite().await?;
    let path = format!("/v1/invites/{token}/accept");
    let body = json!({"nick": c.nick("invitee"), "display_name": "Conformance Invitee"});
    let data = c.post_ok(&path, &body).await?;
    ensure!(
        data["ok"] == json!(true)
            && data["token"] == json!(token)
            && data["status"] == json!("accepted"),
        "POST {path}: expected ok, the token and status accepted, got {}",
        short(&data)
    );
    ensure!(
        is_uuid(&data["user_id"])
            && data["owner_agent"].is_string()
            && data["public_address"].is_string(),
        "POST {path}: expected a UUID user_id, owner_agent and public_address, got {}",
        short(&data)
    );
    let bind = ["propagated", "failed", "disabled", "skipped_no_hint"];
    ensure!(
        one_of(&data["registry_bind_status"], &bind),
        "POST {path}: expected registry_bind_status in {bind:?}, got {}",
        data["registry_bind_status"]
    );
    Ok(())
}

pub async fn media_create_upload(c: Ctx) -> CheckResult {
    let data = c.create_upload().await?;
    ensure!(
        data["ok"] == json!(true)
            && data["status"] == json!("pending")
            && data["upload_url"].is_string(),
        "POST /v1/media/create-upload: expected ok, status pending and an upload_url, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn media_get(c: Ctx) -> CheckResult {
    let id = c.create_upload().await?["upload_id"].clone();
    let path = format!("/v1/media/{}", id.as_str().unwrap_or_default());
    let data = c.get_ok(&path).await?;
    ensure!(
        data["ok"] == json!(true)
            && data["upload"]["upload_id"] == id
            && one_of(&data["upload"]["status"], &["pending", "ready", "expired"]),
        "GET {path}: expected ok and upload {{upload_id: {id}, status pending|ready|expired}}, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn media_finalize_upload(c: Ctx) -> CheckResult {
    let id = c.create_upload().await?["upload_id"].clone();
    let data = c
        .post_ok(
            "/v1/media/finalize-upload",
            &json!({"upload_id": id, "size_bytes": 12345}),
        )
        .await?;
    ensure!(
        data["ok"] == json!(true)
            && data["upload_id"] == id
            && data["status"] == json!("ready")
            && data["finalized_at"].is_string(),
        "POST /v1/media/finalize-upload: expected ok, upload_id {id}, status ready and finalized_at, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn schemas_upsert(c: Ctx) -> CheckResult {
    let data = c.upsert_schema().await?;
    let schema = &data["schema"];
    ensure!(
        data["ok"] == json!(true) && schema["semantic_type"] == json!(c.semantic_type()),
        "POST /v1/schemas: expected ok and schema.semantic_type {}, got {}",
        c.semantic_type(),
        short(&data)
    );
    ensure!(
        one_of(
            &schema["compatibility_mode"],
            &["strict", "backward", "warn"]
        ),
        "POST /v1/schemas: expected compatibility_mode strict|backward|warn, got {}",
        schema["compatibility_mode"]
    );
    ensure!(
        schema["schema_hash"]
            .as_str()
            .is_some_and(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit())),
        "POST /v1/schemas: expected a 64-hex-digit schema_hash, got {}",
        schema["schema_hash"]
    );
    Ok(())
}

pub async fn schemas_get(c: Ctx) -> CheckResult {
    c.upsert_schema().await?;
    let path = format!("/v1/schemas/{}", c.semantic_type());
    let data = c.get_ok(&path).await?;
    ensure!(
        data["ok"] == json!(true)
            && data["schema"]["semantic_type"] == json!(c.semantic_type())
            && data["schema"]["schema_json"]["required"] == json!(["date"]),
        "GET {path}: expected ok and the stored schema (semantic_type, schema_json), got {}",
        short(&data)
    );
    Ok(())
}

pub async fn users_check_nick(c: Ctx) -> CheckResult {
    let nick = c.nick("free");
    let path = format!("/v1/users/check-nick?nick={}", nick.replace('@', "%40"));
    let data = c.get_ok(&path).await?;
    ensure!(
        data["ok"] == json!(true)
            && data["nick"] == json!(nick)
            && data["normalized_nick"].is_string()
            && data["public_address"].is_string()
            && data["available"] == json!(true),
        "GET {path}: expected ok, the nick, normalized_nick, public_address and available = true for an unused nick, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn users_register_nick(c: Ctx) -> CheckResult {
    let data = c.register("registered").await?;
    ensure!(
        data["ok"] == json!(true)
            && is_uuid(&data["user_id"])
            && data["nick"].is_string()
            && data["public_address"].is_string()
            && data["created_at"].is_string(),
        "POST /v1/users/register-nick: expected ok, a UUID user_id, nick, public_address and created_at, got {}",
        short(&data)
    );
    let taken = c
        .get_ok(&format!(
            "/v1/users/check-nick?nick={}",
            c.nick("registered").replace('@', "%40")
        ))
        .await?;
    ensure!(
        taken["available"] == json!(false),
        "check-nick after registering it: expected available = false, got {}",
        short(&taken)
    );
    Ok(())
}

pub async fn users_rename_nick(c: Ctx) -> CheckResult {
    let owner = c.register("before_rename").await?["owner_agent"].clone();
    let nick = c.nick("renamed");
    let data = c
        .post_ok(
            "/v1/users/rename-nick",
            &json!({"owner_agent": owner, "nick": nick}),
        )
        .await?;
    ensure!(
        data["ok"] == json!(true)
            && data["owner_agent"] == owner
            && data["nick"] == json!(nick)
            && data["public_address"].is_string()
            && data["renamed_at"].is_string(),
        "POST /v1/users/rename-nick: expected ok, owner_agent {owner}, nick {nick}, public_address and renamed_at, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn users_profile_get(c: Ctx) -> CheckResult {
    let owner = c.register("profile").await?["owner_agent"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let path = format!("/v1/users/profile?owner_agent={owner}");
    let data = c.get_ok(&path).await?;
    ensure!(
        data["ok"] == json!(true)
            && data["owner_agent"] == json!(owner)
            && data["normalized_nick"].is_string()
            && data["updated_at"].is_string(),
        "GET {path}: expected ok, owner_agent, normalized_nick and updated_at, got {}",
        short(&data)
    );
    Ok(())
}

pub async fn users_profile_update(c: Ctx) -> CheckResult {
    let owner = c.register("profile_update").await?["owner_agent"].clone();
    let body = json!({"owner_agent": owner, "display_name": "Conformance User Updated"});
    let data = c.post_ok("/v1/users/profile/update", &body).await?;
    ensure!(
        data["ok"] == json!(true)
            && data["owner_agent"] == owner
            && data["display_name"] == json!("Conformance User Updated")
            && data["updated_at"].is_string(),
        "POST /v1/users/profile/update: expected ok, owner_agent, the new display_name and updated_at, got {}",
        short(&data)
    );
    let read = c
        .send(
            Method::GET,
            &format!(
                "/v1/users/profile?owner_agent={}",
                owner.as_str().unwrap_or_default()
            ),
            None,
            &[],
        )
        .await?
        .ok_body()?;
    ensure!(
        read["display_name"] == json!("Conformance User Updated"),
        "GET /v1/users/profile after the update: expected the new display_name, got {}",
        short(&read)
    );
    Ok(())
}
