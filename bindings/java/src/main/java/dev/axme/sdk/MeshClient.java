package dev.axme.sdk;

import dev.axme.sdk.internal.Args;
import dev.axme.sdk.internal.Decode;
import dev.axme.sdk.internal.Ffi;
import dev.axme.sdk.internal.FfiWaist;
import dev.axme.sdk.internal.Json;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The mesh calls of a client ({@link AxmeClient#getMesh()}): the generated operations of
 * {@link MeshOperations}, and the background heartbeat and metrics buffer, which the engine runs
 * on its own threads (nothing here keeps the JVM alive).
 */
public final class MeshClient extends MeshOperations {
    private final long client;

    MeshClient(long client) {
        this.client = client;
    }

    private <T> T run(String op, Args args, Decode<T> decode, RequestOptions options,
            dev.axme.sdk.internal.CancelToken t) {
        String text = Ffi.call(client, op, args.json(), Engine.callOptions(options), t);
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

    /** Starts the background heartbeat: every {@code intervalSeconds}, carrying the buffered metrics. */
    public void startHeartbeat(double intervalSeconds, boolean includeMetrics) {
        FfiWaist.HeartbeatOptions o = new FfiWaist.HeartbeatOptions();
        o.intervalSeconds = intervalSeconds;
        o.includeMetrics = includeMetrics;
        Engine.unchecked(t -> {
            Ffi.meshStartHeartbeat(client, o);
            return null;
        });
    }

    /** {@link #startHeartbeat(double, boolean)} with (30.0, true). */
    public void startHeartbeat() {
        startHeartbeat(30.0, true);
    }

    /** Stops the background heartbeat (waiting at most 5 s for one in flight). */
    public void stopHeartbeat() {
        Engine.unchecked(t -> {
            Ffi.meshStopHeartbeat(client);
            return null;
        });
    }

    public boolean isHeartbeatRunning() {
        return Ffi.meshHeartbeatRunning(client);
    }

    /** Buffers one observation for the next heartbeat; nothing is sent. */
    public void reportMetric(boolean success, Double latencyMs, Double costUsd) {
        FfiWaist.Metric m = new FfiWaist.Metric();
        m.success = success;
        m.latencyMs = latencyMs;
        m.costUsd = costUsd;
        Engine.unchecked(t -> {
            Ffi.meshReportMetric(client, m);
            return null;
        });
    }

    /** The buffered metrics, or {@code null} when none. */
    public Map<String, Object> bufferedMetrics() {
        String json = Ffi.meshBufferedMetrics(client);
        return json == null ? null : Json.object(json);
    }

    /** Sends one heartbeat carrying the buffered metrics now; the response. */
    public Map<String, Object> flushMetrics(RequestOptions options) {
        return Engine.unchecked(t -> Json.object(Ffi.meshFlushMetrics(client, Engine.callOptions(options), t)));
    }
}
