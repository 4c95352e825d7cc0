using System;
using System.Collections.Generic;
using System.Json;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk.Internal;
using static Axme.Sdk.Internal.FfiNatives;

namespace Axme.Sdk
{
    /// <summary>
    /// The AXME client over the Rust core (<c>libaxme_ffi.so</c>): retries, idempotency keys,
    /// streams and errors are the core's. Each method runs the core's blocking call on a
    /// worker thread and cancels it through the core's token when the CancellationToken fires.
    /// The operation methods are generated (<c>Generated/Operations.cs</c>); this file has the
    /// glue and the calls that are more than one request.
    /// </summary>
    public sealed partial class AxmeClient : IDisposable
    {
        internal delegate RustBuffer NativeCall(ulong client, ref RustCallStatus status);

        /// <summary>
        /// Clients not disposed yet. At process exit Mono waits for the threads it can stop, and a
        /// call thread blocked inside the core (a stream's next read) cannot be: so the clients
        /// still open are closed then, which ends their calls and streams and lets the process go.
        /// </summary>
        private static readonly LiveSet<AxmeClient> LiveClients = new LiveSet<AxmeClient>(c => c.Dispose());

        private readonly ClientHandle handle;

        /// <summary>Builds the client; the core checks the config (an invalid one throws <see cref="AxmeInvalidArgumentException"/>).</summary>
        /// <param name="config">Where and how to connect.</param>
        /// <param name="httpClient">Accepted for compatibility with the public SDK and not used: the core has its own HTTP stack and connection pool.</param>
        public AxmeClient(AxmeClientConfig config, HttpClient httpClient = null)
        {
            if (config == null)
            {
                throw new ArgumentNullException(nameof(config));
            }
            Native.EnsureLoaded();
            var record = ToRecord(config);
            var buffer = Native.Write(w => w.ClientConfig(record));
            var status = new RustCallStatus();
            ulong raw = uniffi_axme_ffi_fn_constructor_client_new(buffer, ref status);
            Native.Check(ref status);
            handle = new ClientHandle(raw);
            Mesh = new AxmeMesh(this);
            LiveClients.Add(this);
        }

        /// <summary>The agent mesh: heartbeats, metrics, agents, kill switch.</summary>
        public AxmeMesh Mesh { get; }

        /// <summary>Streams and calls of this client still open in the core (0 once every stream is disposed).</summary>
        public long LiveHandles
        {
            get
            {
                var status = new RustCallStatus();
                ulong n = uniffi_axme_ffi_fn_method_client_live_handles(handle.Lend(), ref status);
                Native.Check(ref status);
                return (long)n;
            }
        }

        /// <summary>Closes every call and stream of the client, then releases it.</summary>
        public void Dispose()
        {
            LiveClients.Remove(this);
            try
            {
                var status = new RustCallStatus();
                uniffi_axme_ffi_fn_method_client_close(handle.Lend(), ref status);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            handle.Dispose();
        }

        /// <summary>Creates an intent (minting its <c>correlation_id</c> when absent) and returns its id.</summary>
        public Task<string> SendIntentAsync(JsonObject payload, RequestOptions options = null, CancellationToken ct = default(CancellationToken))
        {
            var text = Text(payload, nameof(payload));
            return Run(ct, (c, link) => Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_send_intent(s, Native.Str(text), Lower(options), link.Lower(), ref st))));
        }

        /// <summary>Cancels an intent (a resolve with <c>CANCELED</c>). Not in the public SDK 0.1.2.</summary>
        public Task<JsonObject> CancelIntentAsync(string intentId, string reason = null, RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Run(cancellationToken, (c, link) => Json.Object(Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_cancel_intent(s, Native.Str(intentId ?? ""), OptionalString(reason), Lower(options), link.Lower(), ref st)))));
        }

        /// <summary>
        /// The intent's events as they arrive (the core reads the server's event stream and
        /// reconnects after a drop, with no gap and no duplicate), ending after the terminal
        /// event. A deadline throws <see cref="AxmeTimeoutException"/> (a <see cref="TimeoutException"/>).
        /// <paramref name="waitSeconds"/> (one server window, 1–60) is not in the public SDK.
        /// </summary>
        public AxmeStream ObserveAsync(string intentId, int since = 0, double pollIntervalSeconds = 1.0, double? timeoutSeconds = null, RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken), int? waitSeconds = null)
        {
            var so = StreamOptions(since, waitSeconds, timeoutSeconds, options, null);
            so.PollIntervalSeconds = pollIntervalSeconds;
            var id = intentId ?? "";
            return new AxmeStream(cancellationToken, link => OpenStream((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_observe(s, Native.Str(id), Native.Write(w => w.StreamOptions(so)), link.Lower(), ref st)));
        }

        /// <summary>The intent's terminal event (the core waits on its event stream; no polling loop here).</summary>
        public Task<JsonObject> WaitForAsync(string intentId, int since = 0, double pollIntervalSeconds = 1.0, double? timeoutSeconds = null, RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken), int? waitSeconds = null)
        {
            var so = StreamOptions(since, waitSeconds, timeoutSeconds, options, null);
            so.PollIntervalSeconds = pollIntervalSeconds;
            var id = intentId ?? "";
            return RunLong(cancellationToken, (c, link) => Json.Object(Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_wait_for(s, Native.Str(id), Native.Write(w => w.StreamOptions(so)), link.Lower(), ref st)))));
        }

        /// <summary>
        /// The intents delivered to an agent address, as they arrive (not in the public SDK).
        /// <paramref name="since"/> is the agent's delivery cursor (exclusive): resuming after the
        /// last item seen hands the stream over with no gap.
        /// </summary>
        public AxmeStream ListenAsync(string address, long since = 0, int? waitSeconds = null, double? timeoutSeconds = null, IEnumerable<string> status = null, RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var so = StreamOptions(since, waitSeconds, timeoutSeconds, options, status);
            var addr = address ?? "";
            return new AxmeStream(cancellationToken, link => OpenStream((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_listen(s, Native.Str(addr), Native.Write(w => w.StreamOptions(so)), link.Lower(), ref st)));
        }

        /// <summary>MCP <c>initialize</c>; its <c>result</c>. <paramref name="protocolVersion"/> (else the config's) is not in the public SDK.</summary>
        public Task<JsonObject> McpInitializeAsync(RequestOptions options = null, CancellationToken ct = default(CancellationToken), string protocolVersion = null)
        {
            return Run(ct, (c, link) => Json.Object(Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_mcp_initialize(s, OptionalString(protocolVersion), Lower(options), link.Lower(), ref st)))));
        }

        /// <summary>MCP <c>tools/list</c>; its <c>result</c>.</summary>
        public Task<JsonObject> McpListToolsAsync(RequestOptions options = null, CancellationToken ct = default(CancellationToken))
        {
            return Run(ct, (c, link) => Json.Object(Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_mcp_list_tools(s, Lower(options), link.Lower(), ref st)))));
        }

        /// <summary>MCP <c>tools/call</c>; its <c>result</c>. A JSON-RPC error throws <see cref="AxmeMcpException"/> (the public SDK returned it as a value).</summary>
        public Task<JsonObject> McpCallToolAsync(string name, JsonObject arguments = null, RequestOptions options = null, CancellationToken ct = default(CancellationToken))
        {
            var args = arguments == null ? "{}" : arguments.ToString();
            return Run(ct, (c, link) => Json.Object(Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_mcp_call_tool(s, Native.Str(name ?? ""), Native.Str(args), Lower(options), link.Lower(), ref st)))));
        }

        // ---- glue used by the generated methods, the mesh and the streams ----

        internal Task<JsonObject> CallAsync(OperationCall call, RequestOptions options, CancellationToken ct)
        {
            var args = call.Args.ToString();
            if (call.ContentBytes != null)
            {
                var content = call.ContentBytes;
                return Run(ct, (c, link) => Json.Object(Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                    uniffi_axme_ffi_fn_method_client_call_with_content(s, Native.Str(call.OperationId), Native.Str(args), Native.Write(w => w.Bytes(content)), Lower(options), link.Lower(), ref st)))));
            }
            return Run(ct, (c, link) => Json.Object(Native.TakeStr(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_call(s, Native.Str(call.OperationId), Native.Str(args), Lower(options), link.Lower(), ref st)))));
        }

        internal Task<byte[]> CallBytesAsync(OperationCall call, RequestOptions options, CancellationToken ct)
        {
            var args = call.Args.ToString();
            return Run(ct, (c, link) => new FfiReader(Native.Take(Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_call_bytes(s, Native.Str(call.OperationId), Native.Str(args), Lower(options), link.Lower(), ref st)))).Bytes());
        }

        /// <summary>Calls <paramref name="fn"/> with a lent reference to the client and checks its status.</summary>
        internal RustBuffer Invoke(NativeCall fn)
        {
            var status = new RustCallStatus();
            var result = fn(handle.Lend(), ref status);
            Native.Check(ref status);
            return result;
        }

        internal delegate ulong NativeOpen(ulong client, ref RustCallStatus status);

        internal ulong OpenStream(NativeOpen fn)
        {
            var status = new RustCallStatus();
            ulong raw = fn(handle.Lend(), ref status);
            Native.Check(ref status);
            return raw;
        }

        internal ulong Lend()
        {
            return handle.Lend();
        }

        /// <summary>A request/response call on a call thread; the core's token follows <paramref name="ct"/>.</summary>
        internal Task<T> Run<T>(CancellationToken ct, Func<AxmeClient, CancelLink, T> body)
        {
            return CallThreads.Run(() =>
            {
                using (var link = new CancelLink(ct))
                {
                    return body(this, link);
                }
            });
        }

        /// <summary>A call on the core's shared runtime (<c>wait_for</c>): nothing of this thread's to settle.</summary>
        internal Task<T> RunLong<T>(CancellationToken ct, Func<AxmeClient, CancelLink, T> body)
        {
            return CallThreads.Run(() =>
            {
                using (var link = new CancelLink(ct))
                {
                    return body(this, link);
                }
            });
        }

        internal static RustBuffer Lower(RequestOptions o)
        {
            var r = new CallOptions();
            if (o != null)
            {
                r.IdempotencyKey = o.IdempotencyKey;
                r.TraceId = o.TraceId;
                r.OwnerAgent = o.OwnerAgent;
                r.XOwnerAgent = o.XOwnerAgent;
                r.Authorization = o.Authorization;
                r.TimeoutSeconds = o.TimeoutSeconds;
                r.Retryable = o.Retryable;
                r.ValidateInputSchema = o.ValidateInputSchema;
            }
            return Native.Write(w => w.CallOptions(r));
        }

        internal static RustBuffer OptionalString(string s)
        {
            return Native.Write(w =>
            {
                if (s == null)
                {
                    w.I8(0);
                }
                else
                {
                    w.I8(1);
                    w.String(s);
                }
            });
        }

        private static string Text(JsonObject payload, string name)
        {
            if (payload == null)
            {
                throw new ArgumentNullException(name);
            }
            return payload.ToString();
        }

        private static StreamOptions StreamOptions(long since, int? waitSeconds, double? timeoutSeconds, RequestOptions options, IEnumerable<string> status)
        {
            // Negative values are passed on as huge ones for the core to refuse, never clamped here.
            var so = new StreamOptions { Since = unchecked((ulong)since), TimeoutSeconds = timeoutSeconds };
            if (waitSeconds != null)
            {
                so.WaitSeconds = unchecked((uint)waitSeconds.Value);
            }
            if (options != null)
            {
                so.TraceId = options.TraceId;
            }
            if (status != null)
            {
                so.Status = new List<string>(status);
            }
            return so;
        }

        private static ClientConfig ToRecord(AxmeClientConfig c)
        {
            var r = new ClientConfig
            {
                BaseUrl = c.BaseUrl,
                ApiKey = c.ApiKey,
                ActorToken = c.ActorToken,
                BearerToken = c.BearerToken,
                DefaultOwnerAgent = c.DefaultOwnerAgent,
                ClientLanguage = "dotnet",
                ClientVersion = Version,
            };
            // Null keeps the core's default, which the generated record already holds.
            if (c.TimeoutSeconds != null) r.TimeoutSeconds = c.TimeoutSeconds.Value;
            if (c.MaxRetries != null) r.MaxRetries = unchecked((uint)c.MaxRetries.Value);
            if (c.RetryBackoffSeconds != null) r.RetryBackoffSeconds = c.RetryBackoffSeconds.Value;
            if (c.RetryBackoffCapSeconds != null) r.RetryBackoffCapSeconds = c.RetryBackoffCapSeconds.Value;
            if (c.RetryBudget != null) r.RetryBudget = unchecked((uint)c.RetryBudget.Value);
            if (c.AutoTraceId != null) r.AutoTraceId = c.AutoTraceId.Value;
            if (c.AutoIdempotencyKey != null) r.AutoIdempotencyKey = c.AutoIdempotencyKey.Value;
            if (c.McpEndpointPath != null) r.McpEndpointPath = c.McpEndpointPath;
            if (c.McpProtocolVersion != null) r.McpProtocolVersion = c.McpProtocolVersion;
            return r;
        }

        /// <summary>This SDK's version (sent in <c>X-Axme-Client</c>).</summary>
        public const string Version = "0.3.0";
    }
}
