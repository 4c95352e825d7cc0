package dev.axme.sdk;

/** 429: too many requests; see retryAfterSeconds(). */
public class AxmeRateLimitException extends AxmeHttpException {
    private static final long serialVersionUID = 1L;

    public AxmeRateLimitException(ErrorDetails details) {
        super(details);
    }
}
