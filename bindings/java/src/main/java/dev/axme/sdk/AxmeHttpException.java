package dev.axme.sdk;

/**
 * A call the server answered with an error status (the public SDK's one exception type). Each
 * HTTP error kind has its subclass ({@link AxmeAuthException}, {@link AxmeNotFoundException},
 * ...), carrying the request id, trace id and {@code Retry-After}. {@link AxmeMcpException} is
 * one too, with status 0 for a JSON-RPC error, as the public SDK reported those.
 */
public class AxmeHttpException extends RuntimeException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    private final transient ErrorDetails details;

    /** The public SDK's constructor. */
    public AxmeHttpException(int statusCode, String responseBody) {
        this(new ErrorDetails("server", "axme request failed with status " + statusCode, statusCode,
                null, responseBody, null, null, null, false));
    }

    /** From the core's record of the failure. */
    public AxmeHttpException(ErrorDetails details) {
        super(details.message());
        this.details = details;
    }

    @Override
    public ErrorDetails details() {
        return details;
    }

    /** The HTTP status, 0 when there was none. */
    public int getStatusCode() {
        return details.status() == null ? 0 : details.status();
    }

    /** The response body, or {@code null}. */
    public String getResponseBody() {
        return details.body();
    }

    /** The error body's {@code error.code}, or {@code null}. */
    public String getCode() {
        return details.code();
    }
}
