package dev.axme.sdk;

import java.util.List;

/**
 * Options of {@code observe}, {@code waitFor}, {@code observeStream} and {@code listen}: the public
 * SDK's {@code (since, pollIntervalSeconds, timeoutSeconds)}, and through {@link #builder()} the
 * SSE window, a trace id and (for {@code listen}) the statuses to deliver.
 */
public final class ObserveOptions {
    private final long since;
    private final double pollIntervalSeconds;
    private final Double timeoutSeconds;
    private final Integer waitSeconds;
    private final String traceId;
    private final List<String> status;

    public ObserveOptions() {
        this(0, 1.0, null);
    }

    /** A non-positive interval or timeout is refused, as in the public SDK. */
    public ObserveOptions(int since, double pollIntervalSeconds, Double timeoutSeconds) {
        this(since, pollIntervalSeconds, timeoutSeconds, null, null, null);
    }

    private ObserveOptions(long since, double pollIntervalSeconds, Double timeoutSeconds, Integer waitSeconds,
            String traceId, List<String> status) {
        if (!(pollIntervalSeconds > 0)) {
            throw new IllegalArgumentException("pollIntervalSeconds must be positive");
        }
        if (since < 0) {
            throw new IllegalArgumentException("since must not be negative");
        }
        if (timeoutSeconds != null && !(timeoutSeconds > 0)) {
            throw new IllegalArgumentException("timeoutSeconds must be positive");
        }
        this.since = since;
        this.pollIntervalSeconds = pollIntervalSeconds;
        this.timeoutSeconds = timeoutSeconds;
        this.waitSeconds = waitSeconds;
        this.traceId = traceId;
        this.status = status == null ? null : List.copyOf(status);
    }

    public static ObserveOptions defaults() {
        return new ObserveOptions();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Exclusive: events (or deliveries) after this position. */
    public int getSince() { return (int) since; }
    public long getSinceLong() { return since; }
    public double getPollIntervalSeconds() { return pollIntervalSeconds; }
    public Double getTimeoutSeconds() { return timeoutSeconds; }
    /** Length of one SSE window, or {@code null} for the default. */
    public Integer getWaitSeconds() { return waitSeconds; }
    public String getTraceId() { return traceId; }
    /** Statuses {@code listen} delivers, or {@code null} for the server's default. */
    public List<String> getStatus() { return status; }

    /** Builds {@link ObserveOptions}. */
    public static final class Builder {
        private long since;
        private double pollIntervalSeconds = 1.0;
        private Double timeoutSeconds;
        private Integer waitSeconds;
        private String traceId;
        private List<String> status;

        Builder() {}

        public Builder since(long v) { since = v; return this; }
        public Builder pollIntervalSeconds(double v) { pollIntervalSeconds = v; return this; }
        public Builder timeoutSeconds(Double v) { timeoutSeconds = v; return this; }
        public Builder waitSeconds(Integer v) { waitSeconds = v; return this; }
        public Builder traceId(String v) { traceId = v; return this; }
        public Builder status(List<String> v) { status = v; return this; }

        public ObserveOptions build() {
            return new ObserveOptions(since, pollIntervalSeconds, timeoutSeconds, waitSeconds, traceId, status);
        }
    }
}
