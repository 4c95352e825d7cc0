package dev.axme.sdk;

/**
 * Implemented by every exception the SDK throws for a failed call, whatever its Java base class
 * ({@code IOException}, {@code IllegalArgumentException}, {@code CancellationException}, ...):
 * the core's error kind and the details of the failure.
 */
public interface AxmeFailure {
    /** The core's record of the failure. */
    ErrorDetails details();

    /** The core's error kind. */
    default String kind() {
        return details().kind();
    }

    /** The server's request id, or {@code null}. */
    default String requestId() {
        return details().requestId();
    }

    /** The trace id the request carried, or {@code null}. */
    default String traceId() {
        return details().traceId();
    }

    /** The server's {@code Retry-After} in seconds, or {@code null}. */
    default Double retryAfterSeconds() {
        return details().retryAfterSeconds();
    }
}
