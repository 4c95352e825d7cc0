package dev.axme.sdk.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The arguments of one generic call, as the core takes them: parameters by their spec names, the
 * JSON body under {@code body} (built from a whole payload and/or single fields), or a raw body
 * that travels beside the JSON.
 */
public final class Args {
    private final Map<String, Object> values = new LinkedHashMap<>();
    private Map<String, Object> body;
    private byte[] content;

    /** A parameter; {@code null} means not given. */
    public void put(String name, Object value) {
        if (value != null) {
            values.put(name, value);
        }
    }

    /** The whole JSON body (copied, so single fields can be added). */
    public void body(Map<String, Object> payload) {
        if (payload != null) {
            body = new LinkedHashMap<>(payload);
        }
    }

    /** One body field; a payload holding another value for it is refused. */
    public void field(String name, Object value) {
        if (value == null) {
            return;
        }
        if (body == null) {
            body = new LinkedHashMap<>();
        }
        Object existing = body.get(name);
        if (existing != null && !existing.equals(value)) {
            throw new IllegalArgumentException(
                    "payload " + name + " " + existing + " differs from the " + name + " argument " + value);
        }
        body.put(name, value);
    }

    /** A raw (non-JSON) body. */
    public void content(byte[] bytes) {
        content = bytes;
    }

    /** The raw body, or {@code null}. */
    public byte[] content() {
        return content;
    }

    /** The arguments as the core's JSON object. */
    public String json() {
        if (body != null) {
            values.put("body", body);
        }
        return Json.write(values);
    }
}
