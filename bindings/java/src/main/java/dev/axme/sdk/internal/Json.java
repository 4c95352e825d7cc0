package dev.axme.sdk.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.axme.sdk.AxmeProtocolException;
import dev.axme.sdk.ErrorDetails;
import java.util.Map;

/** JSON text ↔ plain Java values (maps, lists, strings, numbers, booleans), with Jackson. */
public final class Json {
    private Json() {}

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    /** {@code value} as JSON text; a value Jackson cannot write is a bad argument. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Any JSON value. */
    public static Object read(String json) {
        try {
            return MAPPER.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw badAnswer(e);
        }
    }

    /** A JSON object; {@code null} or empty text gives {@code Map.of()}. */
    public static Map<String, Object> object(String json) {
        if (json == null || json.isEmpty() || json.equals("null")) {
            return Map.of();
        }
        try {
            return MAPPER.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw badAnswer(e);
        }
    }

    private static AxmeProtocolException badAnswer(JsonProcessingException e) {
        return new AxmeProtocolException(new ErrorDetails("protocol",
                "the core answered text that is not the expected JSON: " + e.getOriginalMessage(),
                null, null, null, null, null, null, false));
    }
}
