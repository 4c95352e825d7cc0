package dev.axme.sdk;

/**
 * What the core says about a failure, whichever exception carries it.
 *
 * @param kind the core's error kind ({@code auth}, {@code not_found}, {@code timeout}, ...)
 * @param message the message
 * @param status the HTTP status, if the server answered
 * @param code the error body's {@code error.code}, if any
 * @param body the raw response body, if any
 * @param requestId the server's request id, if any
 * @param traceId the trace id the request carried, if any
 * @param retryAfterSeconds the parsed {@code Retry-After}, if any
 * @param retryable whether repeating the call could succeed
 */
public record ErrorDetails(
        String kind,
        String message,
        Integer status,
        String code,
        String body,
        String requestId,
        String traceId,
        Double retryAfterSeconds,
        boolean retryable) {}
