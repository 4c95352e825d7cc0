// Command publiccheck is written from the public Go SDK's documented surface
// (../shared/reference/public-sdks/go.md), not from this repository's codegen data: a program using
// every public method with its public parameters, as an application of github.com/AxmeAI/axme-sdk-go
// v0.2.0 would after changing only its import path. It only has to compile (./dev test builds it);
// running it against a server is not its purpose.
package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/axme/axme-go/axme"
)

func main() {
	client, err := axme.NewClient(axme.ClientConfig{
		BaseURL:     "http://127.0.0.1:8100",
		APIKey:      "axme_sa_example",
		ActorToken:  "",
		BearerToken: "",
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	opts := axme.RequestOptions{IdempotencyKey: "k", TraceID: "t", OwnerAgent: "agent://a", XOwnerAgent: "agent://a", Authorization: "Bearer x"}
	payload := map[string]any{"intent_type": "notify.message.v1"}
	since := 0
	limit := 10
	var r map[string]any
	var id string
	var e error

	// intents
	r, e = client.CreateIntent(ctx, payload, opts)
	id, e = client.SendIntent(ctx, payload, opts)
	r, e = client.GetIntent(ctx, id, opts)
	r, e = client.ListIntentEvents(ctx, id, &since, opts)
	r, e = client.ResolveIntent(ctx, id, payload, opts)
	r, e = client.ResumeIntent(ctx, id, payload, opts)
	r, e = client.UpdateIntentControls(ctx, id, payload, opts)
	r, e = client.UpdateIntentPolicy(ctx, id, payload, opts)

	// observe / wait / listen
	var events <-chan map[string]any
	var errs <-chan error
	events, errs = client.Observe(ctx, id, axme.ObserveOptions{Since: 0, WaitSeconds: 15, TimeoutMs: 1000, TraceID: "t"})
	r, e = client.WaitFor(ctx, id, axme.ObserveOptions{Since: 0, WaitSeconds: 15, TimeoutMs: 1000, TraceID: "t"})
	events, errs = client.Listen(ctx, "agent://acme/prod/worker", axme.ListenOptions{Since: 0, WaitSeconds: 15, TraceID: "t"})
	_, _ = events, errs

	// scenarios, agents
	r, e = client.ApplyScenario(ctx, payload, opts)
	r, e = client.ValidateScenario(ctx, payload, opts)
	r, e = client.ListAgents(ctx, "org", "ws", &limit, opts)
	r, e = client.GetAgent(ctx, "agent://acme/prod/worker", opts)

	// inbox and approvals
	r, e = client.ListInbox(ctx, "agent://a", opts)
	r, e = client.GetInboxThread(ctx, "thread", "agent://a", opts)
	r, e = client.ListInboxChanges(ctx, "agent://a", "cursor", &limit, opts)
	r, e = client.ReplyInboxThread(ctx, "thread", "message", "agent://a", opts)
	r, e = client.DelegateInboxThread(ctx, "thread", payload, "agent://a", opts)
	r, e = client.ApproveInboxThread(ctx, "thread", payload, "agent://a", opts)
	r, e = client.RejectInboxThread(ctx, "thread", payload, "agent://a", opts)
	r, e = client.DeleteInboxMessages(ctx, "thread", payload, "agent://a", opts)
	r, e = client.DecideApproval(ctx, "approval", payload, opts)

	// MCP
	r, e = client.McpInitialize(ctx, opts)
	r, e = client.McpListTools(ctx, opts)
	r, e = client.McpCallTool(ctx, "axme.send", axme.McpCallToolOptions{Arguments: payload, OwnerAgent: "agent://a", IdempotencyKey: "k", TraceID: "t"})

	// platform, users, invites, media, schemas, webhooks
	r, e = client.Health(ctx, opts)
	r, e = client.GetCapabilities(ctx, opts)
	r, e = client.RegisterNick(ctx, payload, opts)
	r, e = client.CheckNick(ctx, "nick", opts)
	r, e = client.RenameNick(ctx, payload, opts)
	r, e = client.GetUserProfile(ctx, "agent://a", opts)
	r, e = client.UpdateUserProfile(ctx, payload, opts)
	r, e = client.CreateInvite(ctx, payload, opts)
	r, e = client.GetInvite(ctx, "token", opts)
	r, e = client.AcceptInvite(ctx, "token", payload, opts)
	r, e = client.CreateMediaUpload(ctx, payload, opts)
	r, e = client.GetMediaUpload(ctx, "upload", opts)
	r, e = client.FinalizeMediaUpload(ctx, payload, opts)
	r, e = client.UpsertSchema(ctx, payload, opts)
	r, e = client.GetSchema(ctx, "semantic.type", opts)
	r, e = client.UpsertWebhookSubscription(ctx, payload, opts)
	r, e = client.ListWebhookSubscriptions(ctx, "agent://a", opts)
	r, e = client.DeleteWebhookSubscription(ctx, "sub", "agent://a", opts)
	r, e = client.PublishWebhookEvent(ctx, payload, "agent://a", opts)
	r, e = client.ReplayWebhookEvent(ctx, "event", "agent://a", opts)

	// admin: service accounts, organizations, workspaces, members
	r, e = client.CreateServiceAccount(ctx, payload, opts)
	r, e = client.ListServiceAccounts(ctx, "org", "ws", opts)
	r, e = client.GetServiceAccount(ctx, "sa", opts)
	r, e = client.CreateServiceAccountKey(ctx, "sa", payload, opts)
	r, e = client.RevokeServiceAccountKey(ctx, "sa", "key", opts)
	r, e = client.CreateOrganization(ctx, payload, opts)
	r, e = client.GetOrganization(ctx, "org", opts)
	r, e = client.UpdateOrganization(ctx, "org", payload, opts)
	r, e = client.CreateWorkspace(ctx, "org", payload, opts)
	r, e = client.ListWorkspaces(ctx, "org", opts)
	r, e = client.UpdateWorkspace(ctx, "org", "ws", payload, opts)
	r, e = client.ListOrganizationMembers(ctx, "org", "ws", opts)
	r, e = client.AddOrganizationMember(ctx, "org", payload, opts)
	r, e = client.UpdateOrganizationMember(ctx, "org", "member", payload, opts)
	r, e = client.RemoveOrganizationMember(ctx, "org", "member", opts)

	// admin: access requests, aliases, quotas, principals
	r, e = client.CreateAccessRequest(ctx, payload, opts)
	r, e = client.ListAccessRequests(ctx, "org", "ws", "pending", opts)
	r, e = client.GetAccessRequest(ctx, "ar", opts)
	r, e = client.ReviewAccessRequest(ctx, "ar", payload, opts)
	r, e = client.BindAlias(ctx, payload, opts)
	r, e = client.ListAliases(ctx, "org", "ws", opts)
	r, e = client.RevokeAlias(ctx, "alias", opts)
	r, e = client.ResolveAlias(ctx, "org", "ws", "alias", opts)
	r, e = client.UpdateQuota(ctx, payload, opts)
	r, e = client.GetQuota(ctx, "org", "ws", opts)
	r, e = client.GetUsageSummary(ctx, "org", "ws", "7d", opts)
	r, e = client.GetUsageTimeseries(ctx, "org", "ws", &limit, opts)
	r, e = client.CreatePrincipal(ctx, payload, opts)
	r, e = client.GetPrincipal(ctx, "principal", opts)

	// admin: routing, transports, deliveries, billing
	r, e = client.RegisterRoutingEndpoint(ctx, payload, opts)
	r, e = client.ListRoutingEndpoints(ctx, "org", "ws", opts)
	r, e = client.UpdateRoutingEndpoint(ctx, "route", payload, opts)
	r, e = client.RemoveRoutingEndpoint(ctx, "route", opts)
	r, e = client.ResolveRouting(ctx, payload, opts)
	r, e = client.UpsertTransportBinding(ctx, payload, opts)
	r, e = client.ListTransportBindings(ctx, "org", "ws", opts)
	r, e = client.RemoveTransportBinding(ctx, "binding", opts)
	r, e = client.SubmitDelivery(ctx, payload, opts)
	r, e = client.ListDeliveries(ctx, "org", "ws", "principal", "delivered", opts)
	r, e = client.GetDelivery(ctx, "delivery", opts)
	r, e = client.ReplayDelivery(ctx, "delivery", opts)
	r, e = client.UpdateBillingPlan(ctx, payload, opts)
	r, e = client.GetBillingPlan(ctx, "org", "ws", opts)
	r, e = client.ListBillingInvoices(ctx, "org", "ws", "open", opts)
	r, e = client.GetBillingInvoice(ctx, "invoice", opts)

	// mesh
	var mesh *axme.MeshClient = client.Mesh()
	r, e = mesh.Heartbeat(ctx, map[string]any{"intents_total": 1}, opts)
	include := true
	mesh.StartHeartbeat(axme.HeartbeatOptions{Interval: 30 * time.Second, IncludeMetrics: &include})
	mesh.StopHeartbeat()
	latency, cost := 12.5, 0.01
	mesh.ReportMetric(true, &latency, &cost)
	r, e = mesh.ListAgents(ctx, 10, "healthy", opts)
	r, e = mesh.GetAgent(ctx, "agent://acme/prod/worker", opts)
	r, e = mesh.Kill(ctx, "address", opts)
	r, e = mesh.Resume(ctx, "address", opts)
	r, e = mesh.ListEvents(ctx, 10, "kill", opts)

	// errors: the public *HTTPError with its fields
	if h, ok := e.(*axme.HTTPError); ok {
		fmt.Println(h.StatusCode, h.Body)
	}
	fmt.Println(r, id, e, axme.SDKVersion)
}
