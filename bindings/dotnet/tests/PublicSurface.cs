// Compile-only: a program written from the public .NET SDK's surface (NuGet `Axme` 0.1.2, its
// methods one by one as /work/shared/reference/public-sdks/dotnet.md lists them), not from
// codegen's data. It calls every public method with its public parameters, the optional ones by
// name as callers do, and the token by its public name (`cancellationToken`, or `ct` on the
// 0.1.2 additions). `./dev test` compiles it against Axme.Sdk.dll; it is never run.
using System.Collections.Generic;
using System.Json;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;

internal static class PublicSurface
{
    private static async Task Everything(CancellationToken token)
    {
        var client = new AxmeClient(new AxmeClientConfig { BaseUrl = "https://api.cloud.axme.ai", ApiKey = "k", ActorToken = "a", BearerToken = "a" }, new HttpClient());
        var o = new RequestOptions { IdempotencyKey = "k", TraceId = "t", OwnerAgent = "agent://a", XOwnerAgent = "agent://a", Authorization = "Bearer x" };
        var p = new JsonObject { ["a"] = 1 };

        // Intents
        JsonObject r = await client.CreateIntentAsync(p, options: o, cancellationToken: token);
        string id = await client.SendIntentAsync(p, options: o, ct: token);
        r = await client.GetIntentAsync(id, o, token);
        r = await client.ListIntentEventsAsync(id, since: 3, options: o, cancellationToken: token);
        r = await client.ResolveIntentAsync(id, p, o, cancellationToken: token);
        r = await client.ResumeIntentAsync(intentId: id, payload: p, options: o, cancellationToken: token);
        r = await client.UpdateIntentControlsAsync(id, p, cancellationToken: token);
        r = await client.UpdateIntentPolicyAsync(id, p, cancellationToken: token);

        // Observe / wait
        IAsyncEnumerable<JsonObject> events = client.ObserveAsync(id, since: 0, pollIntervalSeconds: 1.0, timeoutSeconds: 30, options: o, cancellationToken: token);
        var e = events.GetAsyncEnumerator(token);
        while (await e.MoveNextAsync())
        {
            JsonObject item = e.Current;
        }
        r = await client.WaitForAsync(id, since: 0, pollIntervalSeconds: 0.5, timeoutSeconds: 10, options: o, cancellationToken: token);

        // Scenarios
        r = await client.ApplyScenarioAsync(p, o, ct: token);
        r = await client.ValidateScenarioAsync(bundle: p, ct: token);

        // Agents registry
        r = await client.ListAgentsAsync("org", "ws", limit: 10, cancellationToken: token);
        r = await client.GetAgentAsync("agent://a/b/c", cancellationToken: token);

        // Inbox and approvals
        r = await client.ListInboxAsync(ownerAgent: "agent://a", cancellationToken: token);
        r = await client.GetInboxThreadAsync("t", ownerAgent: "agent://a", cancellationToken: token);
        r = await client.ListInboxChangesAsync(ownerAgent: "agent://a", cursor: "c", limit: 5, cancellationToken: token);
        r = await client.ReplyInboxThreadAsync("t", "hello", ownerAgent: "agent://a", cancellationToken: token);
        r = await client.DelegateInboxThreadAsync("t", p, ownerAgent: "agent://a", cancellationToken: token);
        r = await client.ApproveInboxThreadAsync("t", p, ownerAgent: "agent://a", cancellationToken: token);
        r = await client.RejectInboxThreadAsync("t", p, ownerAgent: "agent://a", cancellationToken: token);
        r = await client.DeleteInboxMessagesAsync("t", p, ownerAgent: "agent://a", cancellationToken: token);
        r = await client.DecideApprovalAsync("ap", p, cancellationToken: token);

        // MCP
        r = await client.McpInitializeAsync(o, ct: token);
        r = await client.McpListToolsAsync(options: o, ct: token);
        r = await client.McpCallToolAsync("tool", arguments: p, options: o, ct: token);

        // Platform
        r = await client.HealthAsync(ct: token);
        r = await client.GetCapabilitiesAsync(cancellationToken: token);

        // Users / nicknames
        r = await client.RegisterNickAsync(p, cancellationToken: token);
        r = await client.CheckNickAsync("nick", cancellationToken: token);
        r = await client.RenameNickAsync(p, cancellationToken: token);
        r = await client.GetUserProfileAsync("agent://a", cancellationToken: token);
        r = await client.UpdateUserProfileAsync(p, cancellationToken: token);

        // Invites
        r = await client.CreateInviteAsync(p, cancellationToken: token);
        r = await client.GetInviteAsync("tok", cancellationToken: token);
        r = await client.AcceptInviteAsync("tok", p, cancellationToken: token);

        // Media
        r = await client.CreateMediaUploadAsync(p, cancellationToken: token);
        r = await client.GetMediaUploadAsync("u", cancellationToken: token);
        r = await client.FinalizeMediaUploadAsync(p, cancellationToken: token);

        // Schemas
        r = await client.UpsertSchemaAsync(p, cancellationToken: token);
        r = await client.GetSchemaAsync("a.b.v1", cancellationToken: token);

        // Webhooks
        r = await client.UpsertWebhookSubscriptionAsync(p, cancellationToken: token);
        r = await client.ListWebhookSubscriptionsAsync(ownerAgent: "agent://a", cancellationToken: token);
        r = await client.DeleteWebhookSubscriptionAsync("s", ownerAgent: "agent://a", cancellationToken: token);
        r = await client.PublishWebhookEventAsync(p, ownerAgent: "agent://a", cancellationToken: token);
        r = await client.ReplayWebhookEventAsync("ev", ownerAgent: "agent://a", cancellationToken: token);

        // Admin: service accounts
        r = await client.CreateServiceAccountAsync(p, cancellationToken: token);
        r = await client.ListServiceAccountsAsync("org", workspaceId: "ws", cancellationToken: token);
        r = await client.GetServiceAccountAsync("sa", cancellationToken: token);
        r = await client.CreateServiceAccountKeyAsync("sa", p, cancellationToken: token);
        r = await client.RevokeServiceAccountKeyAsync("sa", "key", cancellationToken: token);

        // Admin: organizations, workspaces, members
        r = await client.CreateOrganizationAsync(p, cancellationToken: token);
        r = await client.GetOrganizationAsync("org", cancellationToken: token);
        r = await client.UpdateOrganizationAsync("org", p, cancellationToken: token);
        r = await client.CreateWorkspaceAsync("org", p, cancellationToken: token);
        r = await client.ListWorkspacesAsync("org", cancellationToken: token);
        r = await client.UpdateWorkspaceAsync("org", "ws", p, cancellationToken: token);
        r = await client.ListOrganizationMembersAsync("org", workspaceId: "ws", cancellationToken: token);
        r = await client.AddOrganizationMemberAsync("org", p, cancellationToken: token);
        r = await client.UpdateOrganizationMemberAsync("org", "m", p, cancellationToken: token);
        r = await client.RemoveOrganizationMemberAsync("org", "m", cancellationToken: token);

        // Admin: access requests
        r = await client.CreateAccessRequestAsync(p, cancellationToken: token);
        r = await client.ListAccessRequestsAsync(orgId: "org", workspaceId: "ws", state: "pending", cancellationToken: token);
        r = await client.GetAccessRequestAsync("ar", cancellationToken: token);
        r = await client.ReviewAccessRequestAsync("ar", p, cancellationToken: token);

        // Admin: aliases
        r = await client.BindAliasAsync(p, cancellationToken: token);
        r = await client.ListAliasesAsync("org", "ws", cancellationToken: token);
        r = await client.RevokeAliasAsync("al", cancellationToken: token);
        r = await client.ResolveAliasAsync("org", "ws", "alias", cancellationToken: token);

        // Admin: quotas and usage
        r = await client.UpdateQuotaAsync(p, cancellationToken: token);
        r = await client.GetQuotaAsync("org", "ws", cancellationToken: token);
        r = await client.GetUsageSummaryAsync("org", "ws", window: "day", cancellationToken: token);
        r = await client.GetUsageTimeseriesAsync("org", "ws", windowDays: 7, cancellationToken: token);

        // Admin: principals
        r = await client.CreatePrincipalAsync(p, cancellationToken: token);
        r = await client.GetPrincipalAsync("pr", cancellationToken: token);

        // Admin: routing
        r = await client.RegisterRoutingEndpointAsync(p, cancellationToken: token);
        r = await client.ListRoutingEndpointsAsync("org", "ws", cancellationToken: token);
        r = await client.UpdateRoutingEndpointAsync("rt", p, cancellationToken: token);
        r = await client.RemoveRoutingEndpointAsync("rt", cancellationToken: token);
        r = await client.ResolveRoutingAsync(p, cancellationToken: token);

        // Admin: transport bindings
        r = await client.UpsertTransportBindingAsync(p, cancellationToken: token);
        r = await client.ListTransportBindingsAsync("org", "ws", cancellationToken: token);
        r = await client.RemoveTransportBindingAsync("b", cancellationToken: token);

        // Admin: deliveries
        r = await client.SubmitDeliveryAsync(p, cancellationToken: token);
        r = await client.ListDeliveriesAsync("org", "ws", principalId: "pr", status: "ok", cancellationToken: token);
        r = await client.GetDeliveryAsync("d", cancellationToken: token);
        r = await client.ReplayDeliveryAsync("d", cancellationToken: token);

        // Admin: billing
        r = await client.UpdateBillingPlanAsync(p, cancellationToken: token);
        r = await client.GetBillingPlanAsync("org", "ws", cancellationToken: token);
        r = await client.ListBillingInvoicesAsync("org", "ws", billingStatus: "open", cancellationToken: token);
        r = await client.GetBillingInvoiceAsync("inv", cancellationToken: token);

        // Errors
        try
        {
            await client.GetIntentAsync(id);
        }
        catch (AxmeHttpException ex)
        {
            int status = ex.StatusCode;
            string body = ex.ResponseBody;
        }
        var custom = new AxmeHttpException(500, "{}");
    }
}
