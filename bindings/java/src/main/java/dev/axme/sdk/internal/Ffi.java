package dev.axme.sdk.internal;

import static dev.axme.sdk.internal.FfiNatives.*;

import dev.axme.sdk.ErrorDetails;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Every waist call the SDK makes, on the ffi-buffer fast path: arguments into this thread's
 * {@link Slots}, the call, then the status. Objects travel as handles; each call consumes one
 * reference of its receiver and object arguments, so they are cloned first. A failure becomes an
 * {@link FfiException} carrying the core's whole error record; the public layer picks the
 * exception class for it.
 */
public final class Ffi {
    private Ffi() {}

    static {
        NativeLibrary.ensureLoaded();
    }

    /** Makes sure the library is loaded (the static initializer does the work). */
    public static void load() {}

    private static final byte[] NO_TOKEN = {0};

    // ---- encoding helpers ----

    private static byte[] encode(FfiWaist.CallOptions o) {
        FfiWaist.Writer w = new FfiWaist.Writer();
        w.callOptions(o == null ? new FfiWaist.CallOptions() : o);
        return w.toByteArray();
    }

    private static byte[] encode(FfiWaist.StreamOptions o) {
        FfiWaist.Writer w = new FfiWaist.Writer();
        w.streamOptions(o);
        return w.toByteArray();
    }

    /** {@code Option<Arc<CancelToken>>}: the tag, then a handle of our own for the call to consume. */
    private static byte[] token(CancelToken t) {
        long handle = t == null ? 0 : t.cloneHandle();
        if (handle == 0) {
            return NO_TOKEN;
        }
        return ByteBuffer.allocate(9).put((byte) 1).putLong(handle).array();
    }

    /** {@code Option<String>} nested in a buffer. */
    private static byte[] optionalString(String s) {
        if (s == null) {
            return NO_TOKEN;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + b.length).put((byte) 1).putInt(b.length).put(b).array();
    }

    // ---- status ----

    /** Throws the call's error unless its status (after {@code resultSlots}) is success. */
    private static void check(Slots s, int resultSlots) {
        byte code = s.code(resultSlots);
        if (code == 0) {
            return;
        }
        byte[] error = s.takeBuffer(resultSlots + 1);
        if (code == 1) {
            throw new FfiException(details(FfiWaist.readAxmeError(error)));
        }
        // 2: a panic caught at the boundary; the buffer holds its message.
        String message = new String(error, StandardCharsets.UTF_8);
        throw new FfiException(new ErrorDetails("internal", "axme-ffi: " + message, null, null,
                null, null, null, null, false));
    }

    private static ErrorDetails details(FfiWaist.ErrorRecord r) {
        return new ErrorDetails(r.kind.wireName(), r.message, r.status, r.code, r.body,
                r.requestId, r.traceId, r.retryAfterSeconds, r.retryable);
    }

    private static String text(Slots s) {
        check(s, 3);
        return new String(s.takeBuffer(0), StandardCharsets.UTF_8);
    }

    private static long handleResult(Slots s) {
        check(s, 1);
        return s.returns.getLong(0);
    }

    private static void scalarStatus(Slots s) {
        if (s.status.getByte(0) != 0) {
            throw new IllegalStateException("axme-ffi: a clone or free failed");
        }
    }

    // ---- client ----

    public static long clientNew(FfiWaist.ClientConfig config) {
        FfiWaist.Writer w = new FfiWaist.Writer();
        w.clientConfig(config);
        Slots s = Slots.begin().buffer(w.toByteArray());
        uniffi_ffibuffer_axme_ffi_fn_constructor_client_new(s.args, s.returns);
        return handleResult(s);
    }

    private static long client(long handle) {
        Slots s = Slots.current();
        s.status.clear();
        long cloned = uniffi_axme_ffi_fn_clone_client(handle, s.status);
        scalarStatus(s);
        return cloned;
    }

    /** Slots holding a fresh reference to {@code client} as the receiver. */
    private static Slots on(long client) {
        long receiver = client(client);
        return Slots.begin().handle(receiver);
    }

    public static void clientFree(long handle) {
        Slots s = Slots.current();
        s.status.clear();
        uniffi_axme_ffi_fn_free_client(handle, s.status);
    }

    public static String call(long client, String op, String args, FfiWaist.CallOptions o, CancelToken t) {
        Slots s = on(client).string(op).string(args).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_call(s.args, s.returns);
        return text(s);
    }

    public static String callWithContent(long client, String op, String args, byte[] content,
            FfiWaist.CallOptions o, CancelToken t) {
        byte[] vec = ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array();
        Slots s = on(client).string(op).string(args).buffer(vec).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_call_with_content(s.args, s.returns);
        return text(s);
    }

    public static byte[] callBytes(long client, String op, String args, FfiWaist.CallOptions o, CancelToken t) {
        Slots s = on(client).string(op).string(args).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_call_bytes(s.args, s.returns);
        check(s, 3);
        return new FfiWaist.Reader(s.takeBuffer(0)).bytes();
    }

    public static String sendIntent(long client, String intent, FfiWaist.CallOptions o, CancelToken t) {
        Slots s = on(client).string(intent).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_send_intent(s.args, s.returns);
        return text(s);
    }

    public static String cancelIntent(long client, String intentId, String reason, FfiWaist.CallOptions o,
            CancelToken t) {
        Slots s = on(client).string(intentId).buffer(optionalString(reason)).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_cancel_intent(s.args, s.returns);
        return text(s);
    }

    public static long observe(long client, String intentId, FfiWaist.StreamOptions o, CancelToken t) {
        Slots s = on(client).string(intentId).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_observe(s.args, s.returns);
        return handleResult(s);
    }

    public static long listen(long client, String address, FfiWaist.StreamOptions o, CancelToken t) {
        Slots s = on(client).string(address).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_listen(s.args, s.returns);
        return handleResult(s);
    }

    public static String waitFor(long client, String intentId, FfiWaist.StreamOptions o, CancelToken t) {
        Slots s = on(client).string(intentId).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_wait_for(s.args, s.returns);
        return text(s);
    }

    public static String mcpInitialize(long client, String version, FfiWaist.CallOptions o, CancelToken t) {
        Slots s = on(client).buffer(optionalString(version)).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_mcp_initialize(s.args, s.returns);
        return text(s);
    }

    public static String mcpListTools(long client, FfiWaist.CallOptions o, CancelToken t) {
        Slots s = on(client).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_mcp_list_tools(s.args, s.returns);
        return text(s);
    }

    public static String mcpCallTool(long client, String name, String arguments, FfiWaist.CallOptions o,
            CancelToken t) {
        Slots s = on(client).string(name).string(arguments).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_mcp_call_tool(s.args, s.returns);
        return text(s);
    }

    public static String meshHeartbeat(long client, String metrics, FfiWaist.CallOptions o, CancelToken t) {
        Slots s = on(client).buffer(optionalString(metrics)).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_mesh_heartbeat(s.args, s.returns);
        return text(s);
    }

    public static String meshFlushMetrics(long client, FfiWaist.CallOptions o, CancelToken t) {
        Slots s = on(client).buffer(encode(o)).buffer(token(t));
        uniffi_ffibuffer_axme_ffi_fn_method_client_mesh_flush_metrics(s.args, s.returns);
        return text(s);
    }

    public static void meshReportMetric(long client, FfiWaist.Metric metric) {
        FfiWaist.Writer w = new FfiWaist.Writer();
        w.metric(metric);
        Slots s = on(client).buffer(w.toByteArray());
        uniffi_ffibuffer_axme_ffi_fn_method_client_mesh_report_metric(s.args, s.returns);
        check(s, 0);
    }

    /** The buffered metrics as JSON text, or {@code null}. */
    public static String meshBufferedMetrics(long client) {
        Slots s = on(client);
        uniffi_ffibuffer_axme_ffi_fn_method_client_mesh_buffered_metrics(s.args, s.returns);
        check(s, 3);
        FfiWaist.Reader r = new FfiWaist.Reader(s.takeBuffer(0));
        return r.i8() == 0 ? null : r.string();
    }

    /** Starts the background heartbeat (it runs on the core's threads, never the JVM's). */
    public static void meshStartHeartbeat(long client, FfiWaist.HeartbeatOptions o) {
        FfiWaist.Writer w = new FfiWaist.Writer();
        w.heartbeatOptions(o);
        Slots s = on(client).buffer(w.toByteArray());
        uniffi_ffibuffer_axme_ffi_fn_method_client_mesh_start_heartbeat(s.args, s.returns);
        long handle = handleResult(s);
        // The client keeps the heartbeat running; this view of it is not needed.
        s.status.clear();
        uniffi_axme_ffi_fn_free_heartbeat(handle, s.status);
    }

    public static void meshStopHeartbeat(long client) {
        Slots s = on(client);
        uniffi_ffibuffer_axme_ffi_fn_method_client_mesh_stop_heartbeat(s.args, s.returns);
        check(s, 0);
    }

    public static boolean meshHeartbeatRunning(long client) {
        Slots s = on(client);
        uniffi_ffibuffer_axme_ffi_fn_method_client_mesh_heartbeat_running(s.args, s.returns);
        check(s, 1);
        return s.returns.getByte(0) != 0;
    }

    public static void close(long client) {
        Slots s = on(client);
        uniffi_ffibuffer_axme_ffi_fn_method_client_close(s.args, s.returns);
        check(s, 0);
    }

    public static boolean isClosed(long client) {
        Slots s = on(client);
        uniffi_ffibuffer_axme_ffi_fn_method_client_is_closed(s.args, s.returns);
        check(s, 1);
        return s.returns.getByte(0) != 0;
    }

    public static long liveHandles(long client) {
        Slots s = on(client);
        uniffi_ffibuffer_axme_ffi_fn_method_client_live_handles(s.args, s.returns);
        check(s, 1);
        return s.returns.getLong(0);
    }

    /** Open streams and calls in flight in this process. */
    public static long processLiveHandles() {
        Slots s = Slots.begin();
        uniffi_ffibuffer_axme_ffi_fn_func_live_handles(s.args, s.returns);
        check(s, 1);
        return s.returns.getLong(0);
    }

    public static String coreVersion() {
        Slots s = Slots.begin();
        uniffi_ffibuffer_axme_ffi_fn_func_core_version(s.args, s.returns);
        return text(s);
    }

    // ---- streams ----

    /** A new reference to {@code handle}, for {@link #streamNext} to consume. */
    public static long stream(long handle) {
        Slots s = Slots.current();
        s.status.clear();
        long cloned = uniffi_axme_ffi_fn_clone_stream(handle, s.status);
        scalarStatus(s);
        return cloned;
    }

    /** The next item as JSON text, or {@code null} at the end; blocks. Consumes {@code receiver}. */
    public static String streamNext(long receiver) {
        Slots s = Slots.begin().handle(receiver);
        uniffi_ffibuffer_axme_ffi_fn_method_stream_next(s.args, s.returns);
        check(s, 3);
        FfiWaist.Reader r = new FfiWaist.Reader(s.takeBuffer(0));
        return r.i8() == 0 ? null : r.string();
    }

    /** Ends the stream from any thread: a blocked {@link #streamNext} returns at once. */
    public static void streamClose(long stream) {
        long receiver = stream(stream);
        Slots s = Slots.begin().handle(receiver);
        uniffi_ffibuffer_axme_ffi_fn_method_stream_close(s.args, s.returns);
        check(s, 0);
    }

    public static void streamFree(long stream) {
        Slots s = Slots.current();
        s.status.clear();
        uniffi_axme_ffi_fn_free_stream(stream, s.status);
    }

    // ---- cancel tokens (used by CancelToken) ----

    static long tokenNew() {
        Slots s = Slots.begin();
        uniffi_ffibuffer_axme_ffi_fn_constructor_canceltoken_new(s.args, s.returns);
        return handleResult(s);
    }

    static long tokenClone(long handle) {
        Slots s = Slots.current();
        s.status.clear();
        long cloned = uniffi_axme_ffi_fn_clone_canceltoken(handle, s.status);
        scalarStatus(s);
        return cloned;
    }

    static void tokenCancel(long handle) {
        Slots s = Slots.begin().handle(tokenClone(handle));
        uniffi_ffibuffer_axme_ffi_fn_method_canceltoken_cancel(s.args, s.returns);
        check(s, 0);
    }

    static void tokenFree(long handle) {
        Slots s = Slots.current();
        s.status.clear();
        uniffi_axme_ffi_fn_free_canceltoken(handle, s.status);
    }
}
