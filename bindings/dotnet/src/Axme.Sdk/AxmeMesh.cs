using System.Json;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk.Internal;
using static Axme.Sdk.Internal.FfiNatives;

namespace Axme.Sdk
{
    /// <summary>
    /// The agent mesh of a client (<see cref="AxmeClient.Mesh"/>; not in the public SDK 0.1.2).
    /// The heartbeat and the metrics buffer are the core's; the reads are generated.
    /// </summary>
    public sealed partial class AxmeMesh
    {
        private readonly AxmeClient client;

        internal AxmeMesh(AxmeClient client)
        {
            this.client = client;
        }

        /// <summary>One heartbeat for the credential's agent, carrying <paramref name="metrics"/> when given.</summary>
        public Task<JsonObject> HeartbeatAsync(JsonObject metrics = null, RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var text = metrics?.ToString();
            return client.Run(cancellationToken, (c, link) => Json.Object(Native.TakeStr(c.Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_mesh_heartbeat(s, AxmeClient.OptionalString(text), AxmeClient.Lower(options), link.Lower(), ref st)))));
        }

        /// <summary>One heartbeat carrying the buffered metrics (put back if it fails).</summary>
        public Task<JsonObject> FlushMetricsAsync(RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return client.Run(cancellationToken, (c, link) => Json.Object(Native.TakeStr(c.Invoke((ulong s, ref RustCallStatus st) =>
                uniffi_axme_ffi_fn_method_client_mesh_flush_metrics(s, AxmeClient.Lower(options), link.Lower(), ref st)))));
        }

        /// <summary>Buffers one observation for the next heartbeat; sends nothing.</summary>
        public void ReportMetric(bool success = true, double? latencyMs = null, double? costUsd = null)
        {
            var metric = new Metric { Success = success, LatencyMs = latencyMs, CostUsd = costUsd };
            var status = new RustCallStatus();
            uniffi_axme_ffi_fn_method_client_mesh_report_metric(client.Lend(), Native.Write(w => w.Metric(metric)), ref status);
            Native.Check(ref status);
        }

        /// <summary>Starts the background heartbeat (the first beat at once); the running one if it already runs.</summary>
        public void StartHeartbeat(double intervalSeconds = 30.0, bool includeMetrics = true)
        {
            var o = new HeartbeatOptions { IntervalSeconds = intervalSeconds, IncludeMetrics = includeMetrics };
            var status = new RustCallStatus();
            ulong raw = uniffi_axme_ffi_fn_method_client_mesh_start_heartbeat(client.Lend(), Native.Write(w => w.HeartbeatOptions(o)), ref status);
            Native.Check(ref status);
            // The client keeps the heartbeat; this reference is not needed.
            new HeartbeatHandle(raw).Dispose();
        }

        /// <summary>Stops the background heartbeat, waiting at most 5 s for one in flight.</summary>
        public void StopHeartbeat()
        {
            var status = new RustCallStatus();
            uniffi_axme_ffi_fn_method_client_mesh_stop_heartbeat(client.Lend(), ref status);
            Native.Check(ref status);
        }

        /// <summary>Whether the background heartbeat runs.</summary>
        public bool IsHeartbeatRunning
        {
            get
            {
                var status = new RustCallStatus();
                sbyte running = uniffi_axme_ffi_fn_method_client_mesh_heartbeat_running(client.Lend(), ref status);
                Native.Check(ref status);
                return running != 0;
            }
        }
    }
}
