package dev.axme.sdk;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The public SDK's calls on the core: intents, observe, waitFor, MCP, mesh, the generated families. */
class IntentsTest {
    private final TestServer server = TestServer.get();

    @Test
    void theIntentLifecycleThroughThePublicMethods() throws Exception {
        TestServer.Credential cred = server.credential("java-lifecycle");
        try (AxmeClient c = cred.client()) {
            String id = c.sendIntent(TestServer.newIntent(), null);
            Object status = ((Map<?, ?>) c.getIntent(id, RequestOptions.none()).get("intent")).get("status");
            assertTrue(List.of("CREATED", "SUBMITTED", "DELIVERED").contains(status), "not terminal yet: " + status);
            c.resolveIntent(id, Map.of("status", "COMPLETED", "result", Map.of("ok", true)), new RequestOptions());
            List<Map<String, Object>> events = c.observe(id, ObserveOptions.defaults());
            assertEquals("intent.created", events.get(0).get("event_type"));
            assertEquals("intent.completed", events.get(events.size() - 1).get("event_type"));
            assertEquals("intent.completed", c.waitFor(id, new ObserveOptions()).get("event_type"));
            Map<String, Object> listed = c.listIntentEvents(id, 1, null);
            assertEquals(events.size() - 1, ((List<?>) listed.get("events")).size());
            // One Idempotency-Key per logical write, minted by the core.
            cred.awaitRequest("the create", "/v1/intents",
                    r -> ((Map<?, ?>) r.get("headers")).containsKey("idempotency-key"));
        }
    }

    @Test
    void observeCarriesOnAcrossAStreamDrop() throws Exception {
        TestServer.Credential cred = server.credential("java-drop");
        String stream = "/v1/intents/{intent_id}/events/stream";
        try (AxmeClient c = cred.client()) {
            String id = c.sendIntent(TestServer.newIntent(), null);
            c.resumeIntent(id, Map.of("action", "ack"), null);
            c.resolveIntent(id, Map.of("status", "COMPLETED"), null);
            cred.addRule(Map.of("match", Map.of("method", "GET", "route", stream, "attempt", 1),
                    "action", Map.of("type", "sse", "drop_after_events", 1)));
            List<Object> seqs = c.observe(id, null).stream().map(e -> e.get("seq")).toList();
            for (int i = 0; i < seqs.size(); i++) {
                assertEquals(i + 1, seqs.get(i), "gapless, no duplicates: " + seqs);
            }
            assertEquals("intent.completed", c.observe(id, null).get(seqs.size() - 1).get("event_type"));
            assertTrue(cred.requests(stream).size() >= 2, "the client reconnected");
        }
    }

    @Test
    void waitForTimesOutAsThePublicSdkDid() throws Exception {
        try (AxmeClient c = server.credential("java-wait").client()) {
            String id = c.sendIntent(TestServer.newIntent(), null);
            AxmeTimeoutException e = assertThrows(AxmeTimeoutException.class,
                    () -> c.waitFor(id, new ObserveOptions(0, 1.0, 0.3)));
            assertEquals(id, e.getIntentId());
            assertEquals(0.3, e.getTimeoutSeconds());
            assertEquals("timeout", e.kind());
        }
    }

    @Test
    void listenDeliversAndTheAgentResumes() throws Exception {
        TestServer.Credential cred = server.credential("java-listen");
        try (AxmeClient c = cred.client()) {
            String id = c.sendIntent(TestServer.newIntent(), null);
            try (EventStream deliveries = c.listen(TestServer.AGENT)) {
                Map<String, Object> delivery = deliveries.stream().findFirst().orElseThrow();
                assertEquals(id, delivery.get("intent_id"));
            }
            c.resumeIntent(id, Map.of("action", "complete", "result", Map.of("done", true)), null);
            assertEquals("intent.completed", c.waitFor(id, null).get("event_type"));
            // A handoff: the stream closed, the next listen picks up after the delivered one.
            try (EventStream again = c.listen(TestServer.AGENT, ObserveOptions.builder().timeoutSeconds(0.5).build())) {
                assertThrows(AxmeTimeoutException.class, again::hasNext);
            }
        }
    }

    @Test
    void mcpAndMesh() throws Exception {
        try (AxmeClient c = server.credential("java-mcp").client()) {
            assertNotNull(c.mcpInitialize(null).get("protocolVersion"));
            List<?> tools = (List<?>) c.mcpListTools(null).get("tools");
            assertFalse(tools.isEmpty());
            Map<String, Object> result = c.mcpCallTool("axme.check_nick", Map.of("nick", "java-sdk-nick"), null);
            assertNotNull(result.get("content"));
            AxmeHttpException unknown = assertThrows(AxmeHttpException.class,
                    () -> c.mcpCallTool("axme.no_such_tool", Map.of(), null));
            assertEquals("validation", unknown.kind());

            MeshClient mesh = c.getMesh();
            mesh.reportMetric(true, 12.5, 0.01);
            assertNotNull(mesh.bufferedMetrics());
            assertNotNull(mesh.flushMetrics(null));
            assertNull(mesh.bufferedMetrics());
            assertNotNull(mesh.heartbeat(Map.of("intents_total", 1), null));
            assertNotNull(mesh.listAgents().get("agents"));
            assertNotNull(mesh.listEvents().get("events"));
            assertThrows(AxmeAuthException.class, () -> mesh.kill("agent://acme/prod/worker"));
            mesh.startHeartbeat(30.0, true);
            assertTrue(mesh.isHeartbeatRunning());
            mesh.stopHeartbeat();
            assertFalse(mesh.isHeartbeatRunning());
        }
        try (AxmeClient admin = new AxmeClient(new AxmeClientConfig(server.url, server.devKey))) {
            assertEquals(true, admin.getMesh().kill("agent://acme/prod/java-mesh").get("killed"));
            assertEquals(true, admin.getMesh().resume("agent://acme/prod/java-mesh").get("ok"));
        }
    }

    @Test
    void generatedFamiliesAnswerMaps() throws Exception {
        try (AxmeClient c = server.credential("java-families").client()) {
            assertNotNull(c.health(null).get("ok"));
            assertNotNull(c.getCapabilities(null));
            assertNotNull(c.listIntents(null, 5, null, null).get("intents"));
            assertNotNull(c.checkNick("java-family-nick", null));
            assertNotNull(c.listInbox(TestServer.AGENT, null));
            assertNotNull(c.validateScenario(Map.of("scenario_id", "x"), null));
        }
    }

    @Test
    void liveHandlesGoBackToZero() throws Exception {
        AxmeClient c = server.credential("java-handles").client();
        String id = c.sendIntent(TestServer.newIntent(), null);
        EventStream open = c.observeStream(id);
        assertEquals(1, c.liveHandles());
        c.close();
        assertTrue(c.isClosed());
        assertFalse(open.hasNext(), "closing the client ends its streams");
        open.close();
        assertEquals(0, c.liveHandles());
    }
}
