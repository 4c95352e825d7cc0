package dev.axme.sdk;

/**
 * Client configuration: the public SDK's constructors and getters, and through {@link #builder()}
 * the engine's options (timeouts, retries, idempotency keys, ...). Built without a base URL or
 * key, the client reads {@code AXME_BASE_URL} and {@code AXME_API_KEY}; the core checks every
 * value when the client is built ({@link AxmeInvalidArgumentException}).
 */
public final class AxmeClientConfig {
    /** The cloud's base URL, used when none is given or found in the environment. */
    public static final String DEFAULT_BASE_URL = "https://api.cloud.axme.ai";

    final String baseUrl;
    final String apiKey;
    final String actorToken;
    final String bearerToken;
    final Builder engine;

    public AxmeClientConfig(String baseUrl, String apiKey) {
        this(baseUrl, apiKey, null, null);
    }

    public AxmeClientConfig(String baseUrl, String apiKey, String actorToken) {
        this(baseUrl, apiKey, actorToken, null);
    }

    /**
     * A blank key is refused here, as in the public SDK; a blank base URL means
     * {@code AXME_BASE_URL}, else the default. (The builder passes values on as given.)
     */
    public AxmeClientConfig(String baseUrl, String apiKey, String actorToken, String bearerToken) {
        this(new Builder().baseUrl(baseUrl == null || baseUrl.isBlank() ? null : baseUrl).apiKey(requireKey(apiKey)).actorToken(actorToken)
                .bearerToken(bearerToken));
    }

    private AxmeClientConfig(Builder b) {
        this.baseUrl = b.baseUrl;
        this.apiKey = b.apiKey;
        this.actorToken = b.actorToken;
        this.bearerToken = b.bearerToken;
        this.engine = b.copy();
    }

    private static String requireKey(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey must be non-empty");
        }
        return apiKey;
    }

    public static AxmeClientConfig forCloud(String apiKey) {
        return new AxmeClientConfig(DEFAULT_BASE_URL, apiKey);
    }

    public static AxmeClientConfig forCloud(String apiKey, String actorToken) {
        return new AxmeClientConfig(DEFAULT_BASE_URL, apiKey, actorToken);
    }

    /** A builder for every option; unset ones keep the engine's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The base URL given (trailing {@code /} trimmed), else {@link #DEFAULT_BASE_URL}. */
    public String getBaseUrl() {
        String url = baseUrl == null ? DEFAULT_BASE_URL : baseUrl;
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String getApiKey() {
        return apiKey;
    }

    /** The actor token (the bearer token fills in for a missing one). */
    public String getActorToken() {
        return actorToken != null ? actorToken : bearerToken;
    }

    /** Every option; {@code null} leaves the engine's default. */
    public static final class Builder {
        String baseUrl;
        String apiKey;
        String actorToken;
        String bearerToken;
        Double timeoutSeconds;
        Integer maxRetries;
        Double retryBackoffSeconds;
        Double retryBackoffCapSeconds;
        Integer retryBudget;
        Boolean autoTraceId;
        Boolean autoIdempotencyKey;
        String defaultOwnerAgent;
        String mcpEndpointPath;
        String mcpProtocolVersion;

        Builder() {}

        public Builder baseUrl(String v) { baseUrl = v; return this; }
        public Builder apiKey(String v) { apiKey = v; return this; }
        public Builder actorToken(String v) { actorToken = v; return this; }
        public Builder bearerToken(String v) { bearerToken = v; return this; }
        /** Time limit of one attempt of a request. */
        public Builder timeoutSeconds(Double v) { timeoutSeconds = v; return this; }
        public Builder maxRetries(Integer v) { maxRetries = v; return this; }
        public Builder retryBackoffSeconds(Double v) { retryBackoffSeconds = v; return this; }
        public Builder retryBackoffCapSeconds(Double v) { retryBackoffCapSeconds = v; return this; }
        /** Capacity of the retry budget (token bucket) that stops retry storms. */
        public Builder retryBudget(Integer v) { retryBudget = v; return this; }
        public Builder autoTraceId(Boolean v) { autoTraceId = v; return this; }
        /** Mint one {@code Idempotency-Key} per write call without one, so retries are safe. */
        public Builder autoIdempotencyKey(Boolean v) { autoIdempotencyKey = v; return this; }
        public Builder defaultOwnerAgent(String v) { defaultOwnerAgent = v; return this; }
        public Builder mcpEndpointPath(String v) { mcpEndpointPath = v; return this; }
        public Builder mcpProtocolVersion(String v) { mcpProtocolVersion = v; return this; }

        public AxmeClientConfig build() {
            return new AxmeClientConfig(this);
        }

        Builder copy() {
            Builder b = new Builder();
            b.baseUrl = baseUrl; b.apiKey = apiKey; b.actorToken = actorToken; b.bearerToken = bearerToken;
            b.timeoutSeconds = timeoutSeconds; b.maxRetries = maxRetries;
            b.retryBackoffSeconds = retryBackoffSeconds; b.retryBackoffCapSeconds = retryBackoffCapSeconds;
            b.retryBudget = retryBudget; b.autoTraceId = autoTraceId; b.autoIdempotencyKey = autoIdempotencyKey;
            b.defaultOwnerAgent = defaultOwnerAgent; b.mcpEndpointPath = mcpEndpointPath;
            b.mcpProtocolVersion = mcpProtocolVersion;
            return b;
        }
    }
}
