// A program written against the public Java SDK (dev.axme.sdk 0.2.0) as
// shared/reference/public-sdks/java.md describes it: every public constructor and method with its
// public parameters, inside the public SDK's `catch (IOException | InterruptedException e)`. It is
// only compiled (./dev test), never run: it proves such programs compile unchanged.

import dev.axme.sdk.AxmeClient;
import dev.axme.sdk.AxmeClientConfig;
import dev.axme.sdk.AxmeHttpException;
import dev.axme.sdk.AxmeTimeoutException;
import dev.axme.sdk.MeshClient;
import dev.axme.sdk.ObserveOptions;
import dev.axme.sdk.RequestOptions;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;

public final class PublicSurface {
    private PublicSurface() {}

    public static void main(String[] args) {
        AxmeClientConfig config = new AxmeClientConfig("http://127.0.0.1:8100", "key");
        AxmeClientConfig withActor = new AxmeClientConfig("http://127.0.0.1:8100", "key", "actor");
        AxmeClientConfig withBearer = new AxmeClientConfig("http://127.0.0.1:8100", "key", "actor", "actor");
        AxmeClientConfig cloud = AxmeClientConfig.forCloud("key");
        AxmeClientConfig cloudActor = AxmeClientConfig.forCloud("key", "actor");
        String defaults = AxmeClientConfig.DEFAULT_BASE_URL + config.getBaseUrl() + config.getApiKey()
                + withActor.getActorToken() + withBearer.getBaseUrl() + cloud.getApiKey() + cloudActor.getActorToken();
        AxmeClient client = new AxmeClient(config);
        AxmeClient withHttp = new AxmeClient(config, HttpClient.newHttpClient());
        RequestOptions ro = new RequestOptions();
        RequestOptions two = new RequestOptions("idem", "trace");
        RequestOptions five = new RequestOptions("idem", "trace", "agent://a/b/c", "agent://a/b/c", "Bearer t");
        RequestOptions none = RequestOptions.none();
        String got = two.getIdempotencyKey() + two.getTraceId() + five.getOwnerAgent() + five.getXOwnerAgent()
                + five.getAuthorization() + none.getTraceId() + defaults;
        ObserveOptions oo = new ObserveOptions(0, 1.0, 30.0);
        ObserveOptions plain = new ObserveOptions();
        ObserveOptions dflt = ObserveOptions.defaults();
        double interval = plain.getPollIntervalSeconds() + dflt.getSince() + (oo.getTimeoutSeconds() == null ? 0 : 1);
        String s = got + interval;
        Integer n = 1;
        Map<String, Object> m = Map.of();
        try {
            Map<String, Object> r0 = client.createIntent(m, ro);
            String r1 = client.sendIntent(m, ro);
            Map<String, Object> r2 = client.getIntent(s, ro);
            Map<String, Object> r3 = client.listIntentEvents(s, n, ro);
            Map<String, Object> r4 = client.resolveIntent(s, m, ro);
            Map<String, Object> r5 = client.resumeIntent(s, m, ro);
            Map<String, Object> r6 = client.updateIntentControls(s, m, ro);
            Map<String, Object> r7 = client.updateIntentPolicy(s, m, ro);
            List<Map<String, Object>> events = client.observe(s, oo);
            Map<String, Object> last = client.waitFor(s, oo);
            Map<String, Object> r10 = client.applyScenario(m, ro);
            Map<String, Object> r11 = client.validateScenario(m, ro);
            Map<String, Object> r12 = client.listAgents(s, s, n, ro);
            Map<String, Object> r13 = client.getAgent(s, ro);
            Map<String, Object> r14 = client.listInbox(s, ro);
            Map<String, Object> r15 = client.getInboxThread(s, s, ro);
            Map<String, Object> r16 = client.listInboxChanges(s, s, n, ro);
            Map<String, Object> r17 = client.replyInboxThread(s, s, s, ro);
            Map<String, Object> r18 = client.delegateInboxThread(s, m, s, ro);
            Map<String, Object> r19 = client.approveInboxThread(s, m, s, ro);
            Map<String, Object> r20 = client.rejectInboxThread(s, m, s, ro);
            Map<String, Object> r21 = client.deleteInboxMessages(s, m, s, ro);
            Map<String, Object> r22 = client.decideApproval(s, m, ro);
            Map<String, Object> r23 = client.mcpInitialize(ro);
            Map<String, Object> r24 = client.mcpListTools(ro);
            Map<String, Object> r25 = client.mcpCallTool(s, m, ro);
            Map<String, Object> r26 = client.health(ro);
            Map<String, Object> r27 = client.getCapabilities(ro);
            Map<String, Object> r28 = client.registerNick(m, ro);
            Map<String, Object> r29 = client.checkNick(s, ro);
            Map<String, Object> r30 = client.renameNick(m, ro);
            Map<String, Object> r31 = client.getUserProfile(s, ro);
            Map<String, Object> r32 = client.updateUserProfile(m, ro);
            Map<String, Object> r33 = client.createInvite(m, ro);
            Map<String, Object> r34 = client.getInvite(s, ro);
            Map<String, Object> r35 = client.acceptInvite(s, m, ro);
            Map<String, Object> r36 = client.createMediaUpload(m, ro);
            Map<String, Object> r37 = client.getMediaUpload(s, ro);
            Map<String, Object> r38 = client.finalizeMediaUpload(m, ro);
            Map<String, Object> r39 = client.upsertSchema(m, ro);
            Map<String, Object> r40 = client.getSchema(s, ro);
            Map<String, Object> r41 = client.upsertWebhookSubscription(m, ro);
            Map<String, Object> r42 = client.listWebhookSubscriptions(s, ro);
            Map<String, Object> r43 = client.deleteWebhookSubscription(s, s, ro);
            Map<String, Object> r44 = client.publishWebhookEvent(m, s, ro);
            Map<String, Object> r45 = client.replayWebhookEvent(s, s, ro);
            Map<String, Object> r46 = client.createServiceAccount(m, ro);
            Map<String, Object> r47 = client.listServiceAccounts(s, s, ro);
            Map<String, Object> r48 = client.getServiceAccount(s, ro);
            Map<String, Object> r49 = client.createServiceAccountKey(s, m, ro);
            Map<String, Object> r50 = client.revokeServiceAccountKey(s, s, ro);
            Map<String, Object> r51 = client.createOrganization(m, ro);
            Map<String, Object> r52 = client.getOrganization(s, ro);
            Map<String, Object> r53 = client.updateOrganization(s, m, ro);
            Map<String, Object> r54 = client.createWorkspace(s, m, ro);
            Map<String, Object> r55 = client.listWorkspaces(s, ro);
            Map<String, Object> r56 = client.updateWorkspace(s, s, m, ro);
            Map<String, Object> r57 = client.listOrganizationMembers(s, s, ro);
            Map<String, Object> r58 = client.addOrganizationMember(s, m, ro);
            Map<String, Object> r59 = client.updateOrganizationMember(s, s, m, ro);
            Map<String, Object> r60 = client.removeOrganizationMember(s, s, ro);
            Map<String, Object> r61 = client.createAccessRequest(m, ro);
            Map<String, Object> r62 = client.listAccessRequests(s, s, s, ro);
            Map<String, Object> r63 = client.getAccessRequest(s, ro);
            Map<String, Object> r64 = client.reviewAccessRequest(s, m, ro);
            Map<String, Object> r65 = client.bindAlias(m, ro);
            Map<String, Object> r66 = client.listAliases(s, s, ro);
            Map<String, Object> r67 = client.revokeAlias(s, ro);
            Map<String, Object> r68 = client.resolveAlias(s, s, s, ro);
            Map<String, Object> r69 = client.updateQuota(m, ro);
            Map<String, Object> r70 = client.getQuota(s, s, ro);
            Map<String, Object> r71 = client.getUsageSummary(s, s, s, ro);
            Map<String, Object> r72 = client.getUsageTimeseries(s, s, n, ro);
            Map<String, Object> r73 = client.createPrincipal(m, ro);
            Map<String, Object> r74 = client.getPrincipal(s, ro);
            Map<String, Object> r75 = client.registerRoutingEndpoint(m, ro);
            Map<String, Object> r76 = client.listRoutingEndpoints(s, s, ro);
            Map<String, Object> r77 = client.updateRoutingEndpoint(s, m, ro);
            Map<String, Object> r78 = client.removeRoutingEndpoint(s, ro);
            Map<String, Object> r79 = client.resolveRouting(m, ro);
            Map<String, Object> r80 = client.upsertTransportBinding(m, ro);
            Map<String, Object> r81 = client.listTransportBindings(s, s, ro);
            Map<String, Object> r82 = client.removeTransportBinding(s, ro);
            Map<String, Object> r83 = client.submitDelivery(m, ro);
            Map<String, Object> r84 = client.listDeliveries(s, s, s, s, ro);
            Map<String, Object> r85 = client.getDelivery(s, ro);
            Map<String, Object> r86 = client.replayDelivery(s, ro);
            Map<String, Object> r87 = client.updateBillingPlan(m, ro);
            Map<String, Object> r88 = client.getBillingPlan(s, s, ro);
            Map<String, Object> r89 = client.listBillingInvoices(s, s, s, ro);
            Map<String, Object> r90 = client.getBillingInvoice(s, ro);
            // `null` where the public SDK accepted it must not become ambiguous.
            Map<String, Object> nulls = client.listIntentEvents(s, null, null);
            MeshClient mesh = client.getMesh();
            Map<String, Object> bare = mesh.heartbeat(null, null);
            Map<String, Object> beat = mesh.heartbeat(m, "trace");
            mesh.startHeartbeat(30.0, true);
            mesh.startHeartbeat();
            mesh.stopHeartbeat();
            mesh.reportMetric(true, 1.0, null);
            Map<String, Object> agents = mesh.listAgents(100, null);
            Map<String, Object> agentsDefault = mesh.listAgents();
            Map<String, Object> agent = mesh.getAgent("agent://a/b/c");
            Map<String, Object> killed = mesh.kill("agent://a/b/c");
            Map<String, Object> resumed = mesh.resume("agent://a/b/c");
            Map<String, Object> events50 = mesh.listEvents(50, null);
            Map<String, Object> eventsDefault = mesh.listEvents();
            System.out.println(List.of(nulls, bare, events, last, beat, agents, agentsDefault, agent, killed, resumed, events50,
                    eventsDefault, withHttp));
        } catch (AxmeHttpException e) {
            System.out.println(e.getStatusCode() + " " + e.getResponseBody());
        } catch (AxmeTimeoutException e) {
            System.out.println(e.getIntentId() + " " + e.getTimeoutSeconds());
        } catch (IOException | InterruptedException e) {
            System.out.println(e);
        }
    }
}
