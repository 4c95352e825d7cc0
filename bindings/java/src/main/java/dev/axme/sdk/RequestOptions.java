package dev.axme.sdk;

/**
 * Per-call options: the public SDK's constructors and getters, and through {@link #builder()} a
 * per-call time limit and retry choice. {@code null} options are accepted everywhere.
 */
public final class RequestOptions {
    private final String idempotencyKey;
    private final String traceId;
    private final String ownerAgent;
    private final String xOwnerAgent;
    private final String authorization;
    private final Double timeoutSeconds;
    private final Boolean retryable;

    public RequestOptions() {
        this(null, null, null, null, null);
    }

    public RequestOptions(String idempotencyKey, String traceId) {
        this(idempotencyKey, traceId, null, null, null);
    }

    public RequestOptions(String idempotencyKey, String traceId, String ownerAgent, String xOwnerAgent,
            String authorization) {
        this(idempotencyKey, traceId, ownerAgent, xOwnerAgent, authorization, null, null);
    }

    private RequestOptions(String idempotencyKey, String traceId, String ownerAgent, String xOwnerAgent,
            String authorization, Double timeoutSeconds, Boolean retryable) {
        this.idempotencyKey = idempotencyKey;
        this.traceId = traceId;
        this.ownerAgent = ownerAgent;
        this.xOwnerAgent = xOwnerAgent;
        this.authorization = authorization;
        this.timeoutSeconds = timeoutSeconds;
        this.retryable = retryable;
    }

    public static RequestOptions none() {
        return new RequestOptions();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String getIdempotencyKey() { return idempotencyKey; }
    public String getTraceId() { return traceId; }
    public String getOwnerAgent() { return ownerAgent; }
    public String getXOwnerAgent() { return xOwnerAgent; }
    public String getAuthorization() { return authorization; }
    /** This call's time limit per attempt, or {@code null} for the client's. */
    public Double getTimeoutSeconds() { return timeoutSeconds; }
    /** Whether this call may be retried, or {@code null} for the operation's rule. */
    public Boolean getRetryable() { return retryable; }

    /** Builds {@link RequestOptions}. */
    public static final class Builder {
        private String idempotencyKey;
        private String traceId;
        private String ownerAgent;
        private String xOwnerAgent;
        private String authorization;
        private Double timeoutSeconds;
        private Boolean retryable;

        Builder() {}

        public Builder idempotencyKey(String v) { idempotencyKey = v; return this; }
        public Builder traceId(String v) { traceId = v; return this; }
        public Builder ownerAgent(String v) { ownerAgent = v; return this; }
        public Builder xOwnerAgent(String v) { xOwnerAgent = v; return this; }
        public Builder authorization(String v) { authorization = v; return this; }
        public Builder timeoutSeconds(Double v) { timeoutSeconds = v; return this; }
        public Builder retryable(Boolean v) { retryable = v; return this; }

        public RequestOptions build() {
            return new RequestOptions(idempotencyKey, traceId, ownerAgent, xOwnerAgent, authorization,
                    timeoutSeconds, retryable);
        }
    }
}
