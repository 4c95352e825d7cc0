// The `error` object of a failed driver request (conformance/docs/driver-protocol.md). The kind
// is the SDK exception's kind() (every SDK exception implements AxmeFailure), never the message.

import dev.axme.sdk.AxmeFailure;
import dev.axme.sdk.ErrorDetails;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

final class Errors {
    private Errors() {}

    /** The core's error kinds (axme_core::ErrorKind::as_str). */
    private static final Set<String> CORE_KINDS = Set.of("invalid_argument", "auth", "validation", "conflict",
            "not_found", "rate_limit", "server", "timeout", "connection", "protocol", "mcp");

    /** The request needs something the Java SDK does not offer. */
    static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(message);
        }
    }

    /** The request itself is malformed (unknown client, missing argument). */
    static final class DriverMisuse extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DriverMisuse(String message) {
            super(message);
        }
    }

    static Map<String, Object> toJson(Throwable e) {
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (e instanceof Unsupported) {
            out.put("kind", "unsupported");
            out.put("message", e.getMessage());
            return out;
        }
        if (e instanceof AxmeFailure f && CORE_KINDS.contains(f.kind())) {
            ErrorDetails d = f.details();
            out.put("kind", d.kind());
            out.put("status", d.status());
            out.put("code", d.code());
            out.put("message", d.message());
            out.put("request_id", d.requestId());
            out.put("trace_id", d.traceId());
            Double after = d.retryAfterSeconds();
            out.put("retry_after_ms", after == null ? null : Math.round(after * 1000));
            return out;
        }
        if (e instanceof IllegalArgumentException && !(e instanceof AxmeFailure)) {
            // A bad argument refused by the SDK's own types (ObserveOptions, a body field clash).
            out.put("kind", "invalid_argument");
            out.put("status", null);
            out.put("code", null);
            out.put("message", e.getMessage());
            out.put("request_id", null);
            out.put("trace_id", null);
            out.put("retry_after_ms", null);
            return out;
        }
        out.put("kind", "driver_error");
        out.put("message", e.getClass().getName() + ": " + e.getMessage());
        return out;
    }

    static Map<String, Object> canceled() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "canceled");
        out.put("status", null);
        out.put("code", null);
        out.put("message", "canceled by a cancel request");
        out.put("request_id", null);
        out.put("trace_id", null);
        out.put("retry_after_ms", null);
        return out;
    }
}
