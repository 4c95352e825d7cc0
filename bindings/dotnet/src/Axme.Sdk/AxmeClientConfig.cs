namespace Axme.Sdk
{
    /// <summary>
    /// How to reach AXME. The four properties of the public SDK, then the core's own settings
    /// (null keeps the core's default). <see cref="BaseUrl"/> and <see cref="ApiKey"/> fall back
    /// to <c>AXME_BASE_URL</c> and <c>AXME_API_KEY</c>; the core checks every field.
    /// </summary>
    public sealed class AxmeClientConfig
    {
        /// <summary>Server base URL; default <c>https://api.cloud.axme.ai</c>.</summary>
        public string BaseUrl { get; set; }

        /// <summary>Machine credential, sent as <c>x-api-key</c>.</summary>
        public string ApiKey { get; set; }

        /// <summary>A human's actor token, sent as <c>Authorization: Bearer</c>.</summary>
        public string ActorToken { get; set; }

        /// <summary>Alias of <see cref="ActorToken"/>; both set and different is an error.</summary>
        public string BearerToken { get; set; }

        /// <summary>Time limit of one attempt of a request, in seconds.</summary>
        public double? TimeoutSeconds { get; set; }

        /// <summary>Retries after the first attempt.</summary>
        public int? MaxRetries { get; set; }

        /// <summary>Backoff base in seconds.</summary>
        public double? RetryBackoffSeconds { get; set; }

        /// <summary>Upper bound of one backoff, in seconds.</summary>
        public double? RetryBackoffCapSeconds { get; set; }

        /// <summary>Capacity of the retry budget (token bucket).</summary>
        public int? RetryBudget { get; set; }

        /// <summary>Send a fresh <c>X-Trace-Id</c> on every call that has none.</summary>
        public bool? AutoTraceId { get; set; }

        /// <summary>Mint an <c>Idempotency-Key</c> per write call that has none.</summary>
        public bool? AutoIdempotencyKey { get; set; }

        /// <summary>Owner agent for operations taking <c>owner_agent</c> when a call gives none.</summary>
        public string DefaultOwnerAgent { get; set; }

        /// <summary>Path of the MCP endpoint.</summary>
        public string McpEndpointPath { get; set; }

        /// <summary>MCP protocol version <c>McpInitializeAsync</c> asks for.</summary>
        public string McpProtocolVersion { get; set; }
    }

    /// <summary>Per-call options: the public SDK's five, then the core's own.</summary>
    public sealed class RequestOptions
    {
        /// <summary><c>Idempotency-Key</c> of a write (else the core mints one).</summary>
        public string IdempotencyKey { get; set; }

        /// <summary><c>X-Trace-Id</c> (else the core mints one).</summary>
        public string TraceId { get; set; }

        /// <summary><c>owner_agent</c> query parameter of the operations that take it.</summary>
        public string OwnerAgent { get; set; }

        /// <summary><c>x-owner-agent</c> header of the operations that take it.</summary>
        public string XOwnerAgent { get; set; }

        /// <summary><c>Authorization</c> header value replacing the configured actor token.</summary>
        public string Authorization { get; set; }

        /// <summary>This call's time limit per attempt, in seconds (else the client's).</summary>
        public double? TimeoutSeconds { get; set; }

        /// <summary>Whether a write may be repeated after a retryable failure without an idempotency key.</summary>
        public bool? Retryable { get; set; }

        /// <summary>MCP <c>tools/call</c>: check the arguments against the tool's input schema first (default true).</summary>
        public bool? ValidateInputSchema { get; set; }
    }
}
