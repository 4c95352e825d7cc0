package dev.axme.sdk.internal;

import java.util.Map;

/** What a generated method answers, and which waist call gives it (JSON text or raw bytes). */
public final class Decode<T> {
    /** A JSON object ({@code Map.of()} for an empty answer). */
    public static final Decode<Map<String, Object>> MAP = new Decode<>(false);
    /** Raw bytes (a media download). */
    public static final Decode<byte[]> BYTES = new Decode<>(true);
    /** Any JSON value. */
    public static final Decode<Object> ANY = new Decode<>(false);

    /** Whether the answer is bytes rather than JSON. */
    public final boolean bytes;

    private Decode(boolean bytes) {
        this.bytes = bytes;
    }

    /** The value of a JSON answer. */
    @SuppressWarnings("unchecked")
    public T fromJson(String json) {
        if (this == ANY) {
            return (T) Json.read(json);
        }
        return (T) Json.object(json);
    }
}
