package dev.axme.sdk;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each error kind reaches the caller as its class; cancellation reaches the core's token. */
class ErrorsTest {
    private final TestServer server = TestServer.get();
    private static final String GET = "/v1/intents/{intent_id}";

    @ParameterizedTest
    @CsvSource({
        "401, AxmeAuthException, auth",
        "422, AxmeValidationException, validation",
        "409, AxmeConflictException, conflict",
        "404, AxmeNotFoundException, not_found",
        "429, AxmeRateLimitException, rate_limit",
        "500, AxmeServerException, server",
    })
    void eachHttpKindHasItsSubclass(int status, String className, String kind) throws Exception {
        TestServer.Credential cred = server.credential("java-kind-" + status);
        cred.addRule(Map.of("match", Map.of("method", "GET", "route", GET),
                "action", Map.of("type", "respond", "status", status, "headers", Map.of("Retry-After", "0"))));
        try (AxmeClient c = new AxmeClient(server.config(cred.apiKey).maxRetries(0).build())) {
            AxmeHttpException e = assertThrows(AxmeHttpException.class,
                    () -> c.getIntent("00000000-0000-4000-8000-000000000000", null));
            assertEquals("dev.axme.sdk." + className, e.getClass().getName());
            assertEquals(kind, e.kind());
            assertEquals(status, e.getStatusCode());
            assertNotNull(e.requestId());
            assertNotNull(e.traceId());
            if (status == 429) {
                assertEquals(0.0, e.retryAfterSeconds());
            }
        }
    }

    @Test
    void nonHttpKindsMapToTheJavaTypesThePublicSdkUsed() throws Exception {
        // connection: an IOException from the public methods, unchecked from the new forms.
        try (AxmeClient c = new AxmeClient(AxmeClientConfig.builder().baseUrl("http://127.0.0.1:9")
                .apiKey("axme_sa_x_y").maxRetries(0).build())) {
            AxmeConnectionException io = assertThrows(AxmeConnectionException.class, () -> c.health(null));
            assertEquals("connection", io.kind());
            assertThrows(AxmeConnectionError.class, () -> c.healthV1(null));
        }
        // invalid argument: refused before anything is sent.
        assertThrows(IllegalArgumentException.class, () -> new AxmeClientConfig(server.url, " "));
        AxmeInvalidArgumentException bad = assertThrows(AxmeInvalidArgumentException.class,
                () -> new AxmeClient(AxmeClientConfig.builder().baseUrl("ftp://x").apiKey("k").build()));
        assertEquals("invalid_argument", bad.kind());
        // timeout: a per-call limit shorter than the server's delay.
        TestServer.Credential cred = server.credential("java-timeout");
        cred.addRule(Map.of("match", Map.of("method", "GET", "route", GET),
                "action", Map.of("type", "delay", "ms", 3000)));
        try (AxmeClient c = new AxmeClient(server.config(cred.apiKey).maxRetries(0).build())) {
            RequestOptions quick = RequestOptions.builder().timeoutSeconds(0.2).build();
            AxmeTimeoutException t = assertThrows(AxmeTimeoutException.class,
                    () -> c.getIntent("00000000-0000-4000-8000-000000000000", quick));
            assertEquals("timeout", t.kind());
            cred.awaitRequest("the abandoned attempt closes", GET, r -> "client_closed".equals(r.get("ended")));
        }
    }

    @Test
    void cancellingAFutureMidCallClosesTheRequest() throws Exception {
        TestServer.Credential cred = server.credential("java-cancel-call");
        cred.addRule(Map.of("match", Map.of("method", "GET", "route", GET),
                "action", Map.of("type", "delay", "ms", 10000)));
        try (AxmeClient c = cred.client()) {
            CompletableFuture<Map<String, Object>> f = c.getIntentAsync("00000000-0000-4000-8000-000000000000", null);
            cred.awaitRequest("the request arrives", GET, r -> true);
            assertTrue(f.cancel(true));
            assertThrows(CancellationException.class, f::get);
            cred.awaitRequest("the server sees the client go", GET, r -> "client_closed".equals(r.get("ended")));
            TestServer.waitUntil("the call is gone", () -> c.liveHandles() == 0);
        }
    }

    @Test
    void interruptingABlockingCallCancelsIt() throws Exception {
        TestServer.Credential cred = server.credential("java-interrupt-call");
        cred.addRule(Map.of("match", Map.of("method", "GET", "route", GET),
                "action", Map.of("type", "delay", "ms", 30000)));
        try (AxmeClient c = cred.client()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            Thread caller = new Thread(() -> {
                try {
                    c.getIntent("00000000-0000-4000-8000-000000000000", null);
                } catch (Throwable e) {
                    thrown.set(e);
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            });
            caller.start();
            cred.awaitRequest("the request arrives", GET, r -> true);
            caller.interrupt();
            caller.join(10_000);
            assertFalse(caller.isAlive(), "the interrupted call returns");
            assertInstanceOf(InterruptedException.class, thrown.get());
            assertFalse(stillInterrupted.get(), "InterruptedException clears the interrupt status");
            cred.awaitRequest("the server sees the client go", GET, r -> "client_closed".equals(r.get("ended")));
            TestServer.waitUntil("the call is gone", () -> c.liveHandles() == 0);
        }
    }

    @Test
    void interruptingAThreadReadingAStreamClosesIt() throws Exception {
        TestServer.Credential cred = server.credential("java-interrupt-stream");
        String stream = "/v1/intents/{intent_id}/events/stream";
        try (AxmeClient c = cred.client()) {
            String id = c.sendIntent(TestServer.newIntent(), null);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    c.observe(id, ObserveOptions.builder().waitSeconds(30).build());
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            reader.start();
            cred.awaitRequest("the stream opens", stream, r -> true);
            reader.interrupt();
            reader.join(10_000);
            assertFalse(reader.isAlive(), "the interrupted read returns");
            assertInstanceOf(InterruptedException.class, thrown.get());
            cred.awaitRequest("the server sees the stream close", stream, r -> "client_closed".equals(r.get("ended")));
            TestServer.waitUntil("the stream is gone", () -> c.liveHandles() == 0);
        }
    }

    @Test
    void aThreadInterruptedBeforeABlockingCallSendsNothing() throws Exception {
        TestServer.Credential cred = server.credential("java-interrupt-before");
        try (AxmeClient c = cred.client()) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> c.getIntent("00000000-0000-4000-8000-000000000000", null));
            assertFalse(Thread.interrupted(), "InterruptedException clears the interrupt status");
            // The unchecked form keeps the status set, as code that cannot throw InterruptedException should.
            Thread.currentThread().interrupt();
            assertThrows(AxmeCanceledException.class, () -> c.healthV1(null));
            assertTrue(Thread.interrupted());
            c.sendIntent(TestServer.newIntent(), null);
            assertEquals(List.of("/v1/intents"), cred.requests(null).stream().map(r -> r.get("route")).toList(),
                    "only the last call reached the server");
        }
    }

    @Test
    void cancellingAFutureMidStreamClosesTheStream() throws Exception {
        TestServer.Credential cred = server.credential("java-cancel-stream");
        String stream = "/v1/intents/{intent_id}/events/stream";
        try (AxmeClient c = cred.client()) {
            String id = c.sendIntent(TestServer.newIntent(), null);
            CompletableFuture<Map<String, Object>> f = c.waitForAsync(id, ObserveOptions.builder().waitSeconds(30).build());
            cred.awaitRequest("the stream opens", stream, r -> true);
            f.cancel(true);
            assertThrows(CancellationException.class, f::get);
            cred.awaitRequest("the server sees the stream close", stream, r -> "client_closed".equals(r.get("ended")));
            TestServer.waitUntil("the stream is gone", () -> c.liveHandles() == 0);
        }
    }

    @Test
    void closingAStreamFromAnotherThreadEndsIt() throws Exception {
        TestServer.Credential cred = server.credential("java-close-stream");
        String listen = "/v1/agents/{address}/intents/stream";
        try (AxmeClient c = cred.client()) {
            EventStream quiet = c.listen("agent://acme/prod/nobody", ObserveOptions.builder().waitSeconds(30).build());
            CompletableFuture<Boolean> reader = CompletableFuture.supplyAsync(quiet::hasNext);
            cred.awaitRequest("the listen opens", listen, r -> true);
            quiet.close();
            assertFalse(reader.get());
            cred.awaitRequest("the server sees it close", listen, r -> "client_closed".equals(r.get("ended")));
        }
    }
}
