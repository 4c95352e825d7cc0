//! The checks of invites, media, the schema registry, users and nicks.

use reqwest::Method;
use serde_json::{json, Value};

use super::{ensure, fresh_nick, is_str, is_uuid, Check, Harness};

impl Harness {
    pub(super) async fn create_invite(&self) -> Result<(Value, String), String> {
        let body = json!({"owner_agent": "agent://conformance/owner", "recipient_hint": "Conformance receiver", "ttl_seconds": 3600});
        let data = self
            .status_200(Method::POST, "/v1/invites/create", Some(body))
            .await?;
        let token = data["token"]
            .as_str()
            .filter(|t| t.len() >= 12)
            .ok_or("token")?
            .to_string();
        Ok((data, token))
    }

    pub(super) async fn invites_create(&self) -> Check {
        let (data, _) = self.create_invite().await?;
        ensure(data["ok"] == json!(true), "ok")?;
        ensure(
            data["invite_url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http")),
            "invite_url",
        )?;
        ensure(
            ["pending", "accepted", "expired"]
                .contains(&data["status"].as_str().unwrap_or_default()),
            "status",
        )
    }

    pub(super) async fn invites_get(&self) -> Check {
        let (_, token) = self.create_invite().await?;
        let data = self
            .status_200(Method::GET, &format!("/v1/invites/{token}"), None)
            .await?;
        ensure(
            data["ok"] == json!(true) && data["token"] == json!(token),
            "ok/token",
        )?;
        ensure(is_str(&data["owner_agent"]), "owner_agent")?;
        ensure(
            ["pending", "accepted", "expired"]
                .contains(&data["status"].as_str().unwrap_or_default()),
            "status",
        )
    }

    pub(super) async fn invites_accept(&self) -> Check {
        let (_, token) = self.create_invite().await?;
        let body = json!({"nick": "@Invite.Conformance.User", "display_name": "Conformance User"});
        let data = self
            .status_200(
                Method::POST,
                &format!("/v1/invites/{token}/accept"),
                Some(body),
            )
            .await?;
        ensure(
            data["ok"] == json!(true) && data["token"] == json!(token),
            "ok/token",
        )?;
        ensure(data["status"] == json!("accepted"), "status")?;
        ensure(is_uuid(&data["user_id"]), "user_id")?;
        ensure(
            is_str(&data["owner_agent"]) && is_str(&data["public_address"]),
            "owner_agent/public_address",
        )?;
        let bind = data["registry_bind_status"].as_str().unwrap_or_default();
        ensure(
            ["propagated", "failed", "disabled", "skipped_no_hint"].contains(&bind),
            "registry_bind_status",
        )
    }

    pub(super) async fn create_upload(&self) -> Result<Value, String> {
        let body = json!({"owner_agent": "agent://conformance/owner", "filename": "contract.pdf", "mime_type": "application/pdf", "size_bytes": 12345});
        self.status_200(Method::POST, "/v1/media/create-upload", Some(body))
            .await
    }

    pub(super) async fn media_create_upload(&self) -> Check {
        let data = self.create_upload().await?;
        ensure(
            data["ok"] == json!(true) && is_uuid(&data["upload_id"]),
            "ok/upload_id",
        )?;
        ensure(
            data["status"] == json!("pending") && is_str(&data["upload_url"]),
            "status/upload_url",
        )
    }

    pub(super) async fn media_get(&self) -> Check {
        let id = self.create_upload().await?["upload_id"].clone();
        let data = self
            .status_200(
                Method::GET,
                &format!("/v1/media/{}", id.as_str().unwrap_or_default()),
                None,
            )
            .await?;
        ensure(
            data["ok"] == json!(true) && data["upload"].is_object(),
            "ok/upload",
        )?;
        ensure(data["upload"]["upload_id"] == id, "upload_id")?;
        ensure(
            ["pending", "ready", "expired"]
                .contains(&data["upload"]["status"].as_str().unwrap_or_default()),
            "status",
        )
    }

    pub(super) async fn media_finalize_upload(&self) -> Check {
        let id = self.create_upload().await?["upload_id"].clone();
        let body = json!({"upload_id": id, "size_bytes": 12345});
        let data = self
            .status_200(Method::POST, "/v1/media/finalize-upload", Some(body))
            .await?;
        ensure(
            data["ok"] == json!(true) && data["upload_id"] == id,
            "ok/upload_id",
        )?;
        ensure(
            data["status"] == json!("ready") && is_str(&data["finalized_at"]),
            "status/finalized_at",
        )
    }

    pub(super) async fn upsert_schema(&self) -> Result<Value, String> {
        let body = json!({
            "semantic_type": "axme.calendar.schedule.v1",
            "schema_json": {"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}},
            "compatibility_mode": "strict",
        });
        self.status_200(Method::POST, "/v1/schemas", Some(body))
            .await
    }

    pub(super) async fn schemas_upsert(&self) -> Check {
        let data = self.upsert_schema().await?;
        let schema = &data["schema"];
        ensure(data["ok"] == json!(true) && schema.is_object(), "ok/schema")?;
        ensure(
            schema["semantic_type"] == json!("axme.calendar.schedule.v1"),
            "semantic_type",
        )?;
        ensure(
            ["strict", "backward", "warn"]
                .contains(&schema["compatibility_mode"].as_str().unwrap_or_default()),
            "mode",
        )?;
        ensure(
            schema["schema_hash"]
                .as_str()
                .is_some_and(|h| h.len() == 64),
            "schema_hash",
        )
    }

    pub(super) async fn schemas_get(&self) -> Check {
        self.upsert_schema().await?;
        let data = self
            .status_200(Method::GET, "/v1/schemas/axme.calendar.schedule.v1", None)
            .await?;
        ensure(
            data["ok"] == json!(true)
                && data["schema"]["semantic_type"] == json!("axme.calendar.schedule.v1"),
            "schema",
        )?;
        ensure(data["schema"]["schema_json"].is_object(), "schema_json")
    }

    pub(super) async fn users_check_nick(&self) -> Check {
        let nick = fresh_nick();
        let (status, data) = self
            .get(&format!(
                "/v1/users/check-nick?nick={}",
                nick.replace('@', "%40")
            ))
            .await;
        ensure(
            status == 200 && data["ok"] == json!(true),
            &format!("status={status}"),
        )?;
        ensure(data["nick"] == json!(nick), "nick mismatch")?;
        ensure(
            is_str(&data["normalized_nick"]) && is_str(&data["public_address"]),
            "normalized_nick/public_address",
        )?;
        ensure(data["available"].is_boolean(), "available")
    }

    pub(super) async fn register(&self) -> Result<Value, String> {
        let body = json!({"nick": fresh_nick(), "display_name": "Conformance User"});
        self.status_200(Method::POST, "/v1/users/register-nick", Some(body))
            .await
    }

    pub(super) async fn users_register_nick(&self) -> Check {
        let data = self.register().await?;
        ensure(
            data["ok"] == json!(true) && is_uuid(&data["user_id"]),
            "ok/user_id",
        )?;
        ensure(
            is_str(&data["owner_agent"]) && is_str(&data["nick"]),
            "owner_agent/nick",
        )?;
        ensure(
            is_str(&data["public_address"]) && is_str(&data["created_at"]),
            "public_address/created_at",
        )
    }

    pub(super) async fn users_rename_nick(&self) -> Check {
        let owner = self.register().await?["owner_agent"].clone();
        let nick = fresh_nick();
        let data = self
            .status_200(
                Method::POST,
                "/v1/users/rename-nick",
                Some(json!({"owner_agent": owner, "nick": nick})),
            )
            .await?;
        ensure(
            data["ok"] == json!(true)
                && data["owner_agent"] == owner
                && data["nick"] == json!(nick),
            "ok/owner/nick",
        )?;
        ensure(
            is_str(&data["public_address"]) && is_str(&data["renamed_at"]),
            "public_address/renamed_at",
        )
    }

    pub(super) async fn users_profile_get(&self) -> Check {
        let owner = self.register().await?["owner_agent"].clone();
        let path = format!(
            "/v1/users/profile?owner_agent={}",
            owner.as_str().unwrap_or_default()
        );
        let data = self.status_200(Method::GET, &path, None).await?;
        ensure(
            data["ok"] == json!(true) && data["owner_agent"] == owner,
            "ok/owner",
        )?;
        ensure(
            is_str(&data["normalized_nick"]) && is_str(&data["updated_at"]),
            "normalized_nick/updated_at",
        )
    }

    pub(super) async fn users_profile_update(&self) -> Check {
        let owner = self.register().await?["owner_agent"].clone();
        let body = json!({"owner_agent": owner, "display_name": "Conformance User Updated"});
        let data = self
            .status_200(Method::POST, "/v1/users/profile/update", Some(body))
            .await?;
        ensure(
            data["ok"] == json!(true) && data["owner_agent"] == owner,
            "ok/owner",
        )?;
        ensure(
            data["display_name"] == json!("Conformance User Updated")
                && is_str(&data["updated_at"]),
            "display_name/updated_at",
        )
    }
}
