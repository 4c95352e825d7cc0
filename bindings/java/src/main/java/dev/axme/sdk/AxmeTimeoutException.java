package dev.axme.sdk;

/**
 * A time limit elapsed: a request's ({@code timeoutSeconds} of the config or the call) or an
 * {@code observe}/{@code waitFor}/{@code listen} limit. Unchecked, as in the public SDK.
 */
public class AxmeTimeoutException extends RuntimeException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    private final transient ErrorDetails details;
    private final String intentId;
    private final double timeoutSeconds;

    /** The public SDK's constructor. */
    public AxmeTimeoutException(String intentId, double timeoutSeconds) {
        this(intentId, timeoutSeconds, new ErrorDetails("timeout",
                "timed out after " + timeoutSeconds + "s waiting for intent " + intentId,
                null, null, null, null, null, null, true));
    }

    /** From the core's record of the failure. */
    public AxmeTimeoutException(ErrorDetails details) {
        this(null, 0, details);
    }

    AxmeTimeoutException(String intentId, double timeoutSeconds, ErrorDetails details) {
        super(details.message());
        this.details = details;
        this.intentId = intentId;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public ErrorDetails details() {
        return details;
    }

    /** The intent waited for ({@code observe}/{@code waitFor}), or {@code null}. */
    public String getIntentId() {
        return intentId;
    }

    /** The limit that elapsed ({@code observe}/{@code waitFor}), or 0. */
    public double getTimeoutSeconds() {
        return timeoutSeconds;
    }
}
