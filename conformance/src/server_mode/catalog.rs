//! Every server check, in the order they run. The first 36 are the public AXME conformance checks
//! (wire facts §4: 33 HTTP, 3 MCP) under their upstream names; the rest cover what those leave out.

use futures_util::future::BoxFuture;
use futures_util::FutureExt;

use super::harness::{Check, CheckResult, Ctx};
use super::{errors, helpers, idempotency, inbox, intents, listen, mcp, streams, tasks, webhooks};

fn boxed<F>(f: F) -> BoxFuture<'static, CheckResult>
where
    F: std::future::Future<Output = CheckResult> + Send + 'static,
{
    f.boxed()
}

macro_rules! checks {
    ($($name:literal => $f:path),+ $(,)?) => {
        vec![$(Check { name: $name, run: |c: Ctx| boxed($f(c)) }),+]
    };
}

pub fn all() -> Vec<Check> {
    checks![
        // The public conformance checks.
        "http/health" => intents::health,
        "http/trace_header" => intents::trace_header,
        "http/intent_create" => intents::intent_create,
        "http/intent_create_idempotency" => idempotency::create_idempotency,
        "http/intents_get" => intents::intents_get,
        "http/intents_events" => intents::intents_events,
        "http/intents_stream_resume" => streams::stream_resume,
        "http/intents_resolve" => intents::intents_resolve,
        "http/intent_completion_delivery" => intents::completion_delivery,
        "http/inbox_list" => inbox::inbox_list,
        "http/inbox_thread" => inbox::inbox_thread,
        "http/inbox_reply" => inbox::inbox_reply,
        "http/inbox_changes_pagination" => inbox::inbox_changes_pagination,
        "http/inbox_delegate" => inbox::inbox_delegate,
        "http/inbox_decision" => inbox::inbox_decision,
        "http/inbox_messages_delete" => inbox::inbox_messages_delete,
        "http/approvals_decision" => inbox::approvals_decision,
        "http/capabilities_get" => helpers::capabilities,
        "http/invites_create" => helpers::invites_create,
        "http/invites_get" => helpers::invites_get,
        "http/invites_accept" => helpers::invites_accept,
        "http/media_create_upload" => helpers::media_create_upload,
        "http/media_get" => helpers::media_get,
        "http/media_finalize_upload" => helpers::media_finalize_upload,
        "http/schemas_upsert" => helpers::schemas_upsert,
        "http/schemas_get" => helpers::schemas_get,
        "http/users_check_nick" => helpers::users_check_nick,
        "http/users_register_nick" => helpers::users_register_nick,
        "http/users_rename_nick" => helpers::users_rename_nick,
        "http/users_profile_get" => helpers::users_profile_get,
        "http/users_profile_update" => helpers::users_profile_update,
        "http/webhooks_subscriptions" => webhooks::subscriptions,
        "http/webhooks_events" => webhooks::events,
        "mcp/initialize" => mcp::initialize,
        "mcp/tools_list" => mcp::tools_list,
        "mcp/tools_call" => mcp::tools_call,
        // Beyond the public checks.
        "http/auth_key_headers" => intents::auth_headers,
        "http/intent_event_prefix" => intents::intent_event_prefix,
        "http/agent_resume_lifecycle" => intents::agent_resume_lifecycle,
        "http/intents_stream_last_event_id" => streams::last_event_id_resume,
        "http/intents_stream_window_end" => streams::window_end,
        "http/intents_stream_terminal_close" => streams::terminal_closes,
        "http/intent_deadline_timed_out" => streams::deadline_timed_out,
        "http/listen_connected_before" => listen::connected_before,
        "http/listen_connected_after" => listen::connected_after,
        "http/listen_redelivery_from_zero" => listen::redelivery_from_zero,
        "http/idempotency_concurrent_creates" => idempotency::concurrent_duplicates,
        "http/idempotency_resolve_replay" => idempotency::resolve_replay,
        "http/human_task_waiting" => tasks::waits_for_a_human,
        "http/human_task_answered" => tasks::answered_on_behalf,
        "http/human_task_answer_checked" => tasks::answers_are_checked,
        "http/webhooks_signed_delivery" => webhooks::signed_delivery,
        "mcp/protocol_2024_11_05" => mcp::plain_2024_11_05,
        "mcp/session_2025_11_25" => mcp::session_2025_11_25,
        "mcp/protocol_errors" => mcp::protocol_errors,
        "http/error_bad_key" => errors::bad_key,
        "http/error_missing_key" => errors::missing_key,
        "http/error_unknown_intent" => errors::unknown_intent,
        "http/error_invalid_input" => errors::invalid_input,
        "http/error_malformed_json" => errors::malformed_json,
        "http/request_id_echo" => errors::request_id_echo,
        // Last: it reports every response of the run that lacked x-request-id.
        "http/request_id_everywhere" => errors::request_id_everywhere,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_public_checks_are_all_there() {
        let checks = all();
        let names: std::collections::BTreeSet<&str> = checks.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), checks.len(), "duplicate check names");
        assert_eq!(
            checks[..36]
                .iter()
                .filter(|c| c.name.starts_with("http/"))
                .count(),
            33
        );
        assert!(checks.len() >= 50);
        assert_eq!(
            checks.last().map(|c| c.name),
            Some("http/request_id_everywhere")
        );
    }
}
