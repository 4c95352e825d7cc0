package dev.axme.sdk;

import dev.axme.sdk.internal.Args;
import dev.axme.sdk.internal.CancelToken;
import dev.axme.sdk.internal.Decode;
import dev.axme.sdk.internal.Ffi;
import dev.axme.sdk.internal.FfiWaist;
import dev.axme.sdk.internal.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The AXME client, on the Rust engine {@code axme-core} (through JNA): retries with one
 * idempotency key per logical write, SSE with resume and gap filling, typed errors. The operation
 * methods come from the generated {@link AxmeOperations}; this class adds the hand-written calls
 * ({@code sendIntent}, {@code observe}, {@code waitFor}, {@code listen}, MCP) and the glue.
 * Thread-safe; close it to end its calls and streams.
 */
public final class AxmeClient extends AxmeOperations implements AutoCloseable {
    /** The SDK's version. */
    public static final String VERSION = "0.3.0";

    private final long handle;
    private final MeshClient mesh;

    public AxmeClient(AxmeClientConfig config) {
        Ffi.load();
        this.handle = Engine.unchecked(t -> Ffi.clientNew(engineConfig(config)));
        this.mesh = new MeshClient(handle);
    }

    /**
     * The public SDK's constructor; the engine brings its own HTTP stack, so {@code httpClient}
     * is not used.
     */
    public AxmeClient(AxmeClientConfig config, HttpClient httpClient) {
        this(config);
    }

    private static FfiWaist.ClientConfig engineConfig(AxmeClientConfig c) {
        AxmeClientConfig.Builder b = c.engine;
        FfiWaist.ClientConfig e = new FfiWaist.ClientConfig();
        e.baseUrl = c.baseUrl;
        e.apiKey = c.apiKey;
        e.actorToken = c.actorToken;
        e.bearerToken = c.bearerToken;
        if (b.timeoutSeconds != null) e.timeoutSeconds = b.timeoutSeconds;
        if (b.maxRetries != null) e.maxRetries = b.maxRetries;
        if (b.retryBackoffSeconds != null) e.retryBackoffSeconds = b.retryBackoffSeconds;
        if (b.retryBackoffCapSeconds != null) e.retryBackoffCapSeconds = b.retryBackoffCapSeconds;
        if (b.retryBudget != null) e.retryBudget = b.retryBudget;
        if (b.autoTraceId != null) e.autoTraceId = b.autoTraceId;
        if (b.autoIdempotencyKey != null) e.autoIdempotencyKey = b.autoIdempotencyKey;
        e.defaultOwnerAgent = b.defaultOwnerAgent;
        if (b.mcpEndpointPath != null) e.mcpEndpointPath = b.mcpEndpointPath;
        if (b.mcpProtocolVersion != null) e.mcpProtocolVersion = b.mcpProtocolVersion;
        e.clientLanguage = "java";
        e.clientVersion = VERSION;
        return e;
    }

    // ---- the generated methods' hooks ----

    private <T> T run(String op, Args args, Decode<T> decode, RequestOptions options, CancelToken t) {
        FfiWaist.CallOptions o = Engine.callOptions(options);
        String json = args.json();
        if (decode.bytes) {
            @SuppressWarnings("unchecked")
            T bytes = (T) Ffi.callBytes(handle, op, json, o, t);
            return bytes;
        }
        byte[] content = args.content();
        String text = content == null ? Ffi.call(handle, op, json, o, t)
                : Ffi.callWithContent(handle, op, json, content, o, t);
        return decode.fromJson(text);
    }

    @Override
    protected <T> T invokeChecked(String op, Args args, Decode<T> decode, RequestOptions options)
            throws IOException, InterruptedException {
        return Engine.checked(t -> run(op, args, decode, options, t));
    }

    @Override
    protected <T> T invoke(String op, Args args, Decode<T> decode, RequestOptions options) {
        return Engine.unchecked(t -> run(op, args, decode, options, t));
    }

    @Override
    protected <T> CompletableFuture<T> invokeAsync(String op, Args args, Decode<T> decode, RequestOptions options) {
        return Engine.async(t -> run(op, args, decode, options, t));
    }

    // ---- hand-written calls ----

    /** Creates an intent (minting its {@code correlation_id} when absent); its id. */
    public String sendIntent(Map<String, Object> payload, RequestOptions options)
            throws IOException, InterruptedException {
        String intent = Json.write(payload);
        return Engine.checked(t -> Ffi.sendIntent(handle, intent, Engine.callOptions(options), t));
    }

    /**
     * Every event of the intent from {@code options.since} to its terminal event, now read over
     * SSE (resumed across dropped connections) rather than polled.
     */
    public List<Map<String, Object>> observe(String intentId, ObserveOptions options)
            throws IOException, InterruptedException {
        List<Map<String, Object>> events = new ArrayList<>();
        try (EventStream stream = Engine.checked(t -> new EventStream(
                Ffi.observe(handle, intentId, Engine.streamOptions(options), t)))) {
            stream.forEachRemaining(events::add);
        } catch (AxmeTimeoutException e) {
            throw timeout(intentId, options, e);
        } catch (AxmeConnectionError e) {
            throw (AxmeConnectionException) e.getCause();
        } catch (AxmeCanceledException e) {
            if (Thread.interrupted()) {
                InterruptedException interrupted = new InterruptedException(e.getMessage());
                interrupted.initCause(e);
                throw interrupted;
            }
            throw e;
        }
        return events;
    }

    /** The intent's terminal event. */
    public Map<String, Object> waitFor(String intentId, ObserveOptions options)
            throws IOException, InterruptedException {
        try {
            return Json.object(Engine.checked(t -> Ffi.waitFor(handle, intentId, Engine.streamOptions(options), t)));
        } catch (AxmeTimeoutException e) {
            throw timeout(intentId, options, e);
        }
    }

    private static AxmeTimeoutException timeout(String intentId, ObserveOptions o, AxmeTimeoutException e) {
        double limit = o == null || o.getTimeoutSeconds() == null ? 0 : o.getTimeoutSeconds();
        return new AxmeTimeoutException(intentId, limit, e.details());
    }

    /** {@link #waitFor} on the executor; {@code cancel(true)} stops the wait and its stream. */
    public CompletableFuture<Map<String, Object>> waitForAsync(String intentId, ObserveOptions options) {
        return Engine.async(t -> Json.object(Ffi.waitFor(handle, intentId, Engine.streamOptions(options), t)));
    }

    /** The intent's events as they arrive, ending after its terminal event. */
    public EventStream observeStream(String intentId, ObserveOptions options) {
        return Engine.unchecked(t -> new EventStream(Ffi.observe(handle, intentId, Engine.streamOptions(options), t)));
    }

    public EventStream observeStream(String intentId) {
        return observeStream(intentId, null);
    }

    /** The intents delivered to an agent address, as they arrive; it never ends by itself. */
    public EventStream listen(String address, ObserveOptions options) {
        return Engine.unchecked(t -> new EventStream(Ffi.listen(handle, address, Engine.streamOptions(options), t)));
    }

    public EventStream listen(String address) {
        return listen(address, null);
    }

    /** Cancels an intent (a resolve with {@code CANCELED}). */
    public Map<String, Object> cancelIntent(String intentId, String reason, RequestOptions options) {
        return Engine.unchecked(t -> cancelIntent(intentId, reason, options, t));
    }

    public CompletableFuture<Map<String, Object>> cancelIntentAsync(String intentId, String reason,
            RequestOptions options) {
        return Engine.async(t -> cancelIntent(intentId, reason, options, t));
    }

    private Map<String, Object> cancelIntent(String intentId, String reason, RequestOptions options, CancelToken t) {
        return Json.object(Ffi.cancelIntent(handle, intentId, reason, Engine.callOptions(options), t));
    }

    /** MCP {@code initialize} with the configured protocol version; the result. */
    public Map<String, Object> mcpInitialize(RequestOptions options) throws IOException, InterruptedException {
        return Engine.checked(t -> Json.object(Ffi.mcpInitialize(handle, null, Engine.callOptions(options), t)));
    }

    /** MCP {@code initialize} with {@code protocolVersion} ({@code null}: the configured one). */
    public Map<String, Object> mcpInitialize(String protocolVersion, RequestOptions options) {
        return Engine.unchecked(t -> Json.object(
                Ffi.mcpInitialize(handle, protocolVersion, Engine.callOptions(options), t)));
    }

    /** MCP {@code tools/list}; the result. */
    public Map<String, Object> mcpListTools(RequestOptions options) throws IOException, InterruptedException {
        return Engine.checked(t -> Json.object(Ffi.mcpListTools(handle, Engine.callOptions(options), t)));
    }

    /** MCP {@code tools/call}; the result. A JSON-RPC error is an {@link AxmeMcpException}. */
    public Map<String, Object> mcpCallTool(String name, Map<String, Object> arguments, RequestOptions options)
            throws IOException, InterruptedException {
        String args = Json.write(arguments == null ? new LinkedHashMap<>() : arguments);
        return Engine.checked(t -> Json.object(Ffi.mcpCallTool(handle, name, args, Engine.callOptions(options), t)));
    }

    /** The mesh calls (agents' health, kill switch, heartbeats, metrics). */
    public MeshClient getMesh() {
        return mesh;
    }

    /** This client's open streams and calls in flight (0 after {@link #close}). */
    public long liveHandles() {
        return Ffi.liveHandles(handle);
    }

    /** Open streams and calls in flight in this process. */
    public static long processLiveHandles() {
        Ffi.load();
        return Ffi.processLiveHandles();
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        return Ffi.isClosed(handle);
    }

    /** Ends every call and stream of this client (they fail {@code canceled}) and its heartbeat. */
    @Override
    public void close() {
        Ffi.close(handle);
    }
}
