// What each driver-protocol operation does with the .NET SDK (Axme.Sdk).
//
// Protocol arguments use the core's snake_case names; they become the SDK's parameters here
// (`intent_id` → `intentId`, `timeout_ms` → `timeoutSeconds` or RequestOptions.TimeoutSeconds).
// `call` finds a generated method by reflection (`list_inbox` → ListInboxAsync) and binds the
// arguments to its parameters by name, as a .NET caller passing named arguments would.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Json;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;

namespace Axme.Conformance
{
    /// <summary>The clients created by <c>client.new</c>, by name.</summary>
    internal sealed class Session
    {
        internal readonly ConcurrentDictionary<string, AxmeClient> Clients = new ConcurrentDictionary<string, AxmeClient>();

        internal AxmeClient Client(string name)
        {
            AxmeClient c;
            if (!Clients.TryGetValue(name, out c))
            {
                throw new DriverMisuse("no client named " + name + " (created so far: " + string.Join(", ", Clients.Keys) + ")");
            }
            return c;
        }
    }

    internal static class Ops
    {
        internal static readonly JsonValue[] Features =
        {
            "intents", "observe", "wait_for", "listen", "cancel", "mcp", "mesh", "generic_call", "config.retry_budget",
        };

        internal static async Task<JsonValue> Perform(Session s, string op, string name, JsonObject args, JsonObject options, CancellationToken ct)
        {
            switch (op)
            {
                case "client.new":
                    return ClientNew(s, args);
                case "client.close":
                    Only(args, op, "name");
                    var closing = Str(args, "name") ?? "default";
                    s.Client(closing).Dispose();
                    AxmeClient gone;
                    s.Clients.TryRemove(closing, out gone);
                    return new JsonObject();
            }
            var c = s.Client(name);
            var o = Options(options);
            switch (op)
            {
                case "health":
                    Only(args, op);
                    return await c.HealthAsync(o, ct);
                case "create_intent":
                    Only(args, op, "intent");
                    return await c.CreateIntentAsync(Obj(args, "intent", true), o, ct);
                case "send_intent":
                    Only(args, op, "intent");
                    return new JsonObject { { "intent_id", await c.SendIntentAsync(Obj(args, "intent", true), o, ct) } };
                case "get_intent":
                    Only(args, op, "intent_id");
                    return await c.GetIntentAsync(Required(args, "intent_id"), o, ct);
                case "list_intent_events":
                    Only(args, op, "intent_id", "since");
                    return await c.ListIntentEventsAsync(Required(args, "intent_id"), (int?)Long(args, "since"), o, ct);
                case "resolve_intent":
                    Only(args, op, "intent_id", "body");
                    return await c.ResolveIntentAsync(Required(args, "intent_id"), Obj(args, "body", true), o, ct);
                case "resume_intent":
                    Only(args, op, "intent_id", "body");
                    return await c.ResumeIntentAsync(Required(args, "intent_id"), Obj(args, "body", true), o, ct);
                case "cancel_intent":
                    return await CancelIntent(c, args, o, ct);
                case "observe":
                    return await Observe(c, args, o, options, ct);
                case "wait_for":
                    Only(args, op, "intent_id", "since", "wait_seconds", "timeout_ms");
                    return await c.WaitForAsync(Required(args, "intent_id"), (int)(Long(args, "since") ?? 0), 1.0, Seconds(args, options), StreamOptions(o), ct, (int?)Long(args, "wait_seconds"));
                case "listen":
                    return await Listen(c, args, o, options, ct);
                case "mcp_initialize":
                    Only(args, op, "protocol_version");
                    return await c.McpInitializeAsync(o, ct, Str(args, "protocol_version"));
                case "mcp_list_tools":
                    Only(args, op);
                    return await c.McpListToolsAsync(o, ct);
                case "mcp_call_tool":
                    Only(args, op, "name", "arguments");
                    return await c.McpCallToolAsync(Required(args, "name"), Obj(args, "arguments", false), o, ct);
                case "mesh.heartbeat":
                    Only(args, op, "address", "metrics");
                    if (Str(args, "address") != null)
                    {
                        throw new Unsupported("mesh.heartbeat of the .NET SDK takes no address: it beats for the credential's agent");
                    }
                    return await c.Mesh.HeartbeatAsync(Obj(args, "metrics", false), o, ct);
                case "mesh.report_metric":
                    Only(args, op, "success", "latency_ms", "cost_usd");
                    JsonValue success;
                    bool ok = !args.TryGetValue("success", out success) || success == null || (bool)success;
                    c.Mesh.ReportMetric(ok, Double(args, "latency_ms"), Double(args, "cost_usd"));
                    return new JsonObject();
                case "mesh.flush_metrics":
                    Only(args, op);
                    return await c.Mesh.FlushMetricsAsync(o, ct);
                case "mesh.kill":
                    Only(args, op, "address_id");
                    return await c.Mesh.KillAsync(Required(args, "address_id"), o, ct);
                case "mesh.resume":
                    Only(args, op, "address_id");
                    return await c.Mesh.ResumeAsync(Required(args, "address_id"), o, ct);
                case "call":
                    return await Call(c, args, o, ct);
                default:
                    throw new Unsupported("unknown op " + op);
            }
        }

        private static JsonValue ClientNew(Session s, JsonObject args)
        {
            Only(args, "client.new", "name", "config");
            var config = new AxmeClientConfig();
            foreach (var pair in Obj(args, "config", false) ?? new JsonObject())
            {
                var v = pair.Value;
                try
                {
                    switch (pair.Key)
                    {
                        case "base_url": config.BaseUrl = (string)v; break;
                        case "api_key": config.ApiKey = (string)v; break;
                        case "actor_token": config.ActorToken = (string)v; break;
                        case "bearer_token": config.BearerToken = (string)v; break;
                        case "timeout_seconds": config.TimeoutSeconds = (double)v; break;
                        case "max_retries": config.MaxRetries = (int)v; break;
                        case "retry_backoff_seconds": config.RetryBackoffSeconds = (double)v; break;
                        case "retry_backoff_cap_seconds": config.RetryBackoffCapSeconds = (double)v; break;
                        case "retry_budget": config.RetryBudget = (int)v; break;
                        case "auto_trace_id": config.AutoTraceId = (bool)v; break;
                        case "auto_idempotency_key": config.AutoIdempotencyKey = (bool)v; break;
                        case "default_owner_agent": config.DefaultOwnerAgent = (string)v; break;
                        case "mcp_endpoint_path": config.McpEndpointPath = (string)v; break;
                        case "mcp_protocol_version": config.McpProtocolVersion = (string)v; break;
                        default: throw new ArgumentException("AxmeClientConfig has no property for " + pair.Key);
                    }
                }
                catch (InvalidCastException e)
                {
                    // A value of the wrong JSON type cannot be assigned: a bad argument, as in C#.
                    throw new ArgumentException(pair.Key + ": " + e.Message);
                }
            }
            var name = Str(args, "name") ?? "default";
            var client = new AxmeClient(config);
            AxmeClient previous;
            if (s.Clients.TryRemove(name, out previous))
            {
                previous.Dispose();
            }
            s.Clients[name] = client;
            return new JsonObject();
        }

        private static async Task<JsonValue> CancelIntent(AxmeClient c, JsonObject args, RequestOptions o, CancellationToken ct)
        {
            Only(args, "cancel_intent", "intent_id", "body");
            var body = Obj(args, "body", false) ?? new JsonObject();
            foreach (var key in body.Keys)
            {
                if (key != "reason")
                {
                    throw new Unsupported("CancelIntentAsync of the .NET SDK takes only a reason, not " + key);
                }
            }
            return await c.CancelIntentAsync(Required(args, "intent_id"), Str(body, "reason"), o, ct);
        }

        private static async Task<JsonValue> Observe(AxmeClient c, JsonObject args, RequestOptions o, JsonObject options, CancellationToken ct)
        {
            Only(args, "observe", "intent_id", "since", "wait_seconds", "poll_interval_ms", "timeout_ms", "max_events");
            var poll = Double(args, "poll_interval_ms");
            using (var stream = c.ObserveAsync(Required(args, "intent_id"), (int)(Long(args, "since") ?? 0), poll == null ? 1.0 : poll.Value / 1000, Seconds(args, options), StreamOptions(o), ct, (int?)Long(args, "wait_seconds")))
            {
                return await Collect(stream, Long(args, "max_events"));
            }
        }

        private static async Task<JsonValue> Listen(AxmeClient c, JsonObject args, RequestOptions o, JsonObject options, CancellationToken ct)
        {
            Only(args, "listen", "address", "since", "wait_seconds", "status", "timeout_ms", "max_events");
            List<string> status = null;
            JsonValue given;
            if (args.TryGetValue("status", out given) && given != null)
            {
                status = given.JsonType == JsonType.Array ? ((JsonArray)given).Select(x => (string)x).ToList() : new List<string> { (string)given };
            }
            using (var stream = c.ListenAsync(Required(args, "address"), Long(args, "since") ?? 0, (int?)Long(args, "wait_seconds"), Seconds(args, options), status, StreamOptions(o), ct))
            {
                return await Collect(stream, Long(args, "max_events"));
            }
        }

        /// <summary>Every item until the stream ends or <paramref name="max"/> arrived; the caller disposes the stream.</summary>
        private static async Task<JsonValue> Collect(AxmeStream stream, long? max)
        {
            var events = new JsonArray();
            while ((max == null || events.Count < max) && await stream.MoveNextAsync())
            {
                events.Add(stream.Current);
            }
            return new JsonObject { { "events", events } };
        }

        /// <summary>A generated operation by its snake_case name (<c>list_inbox</c>, <c>mesh.list_agents</c>).</summary>
        private static async Task<JsonValue> Call(AxmeClient c, JsonObject args, RequestOptions o, CancellationToken ct)
        {
            Only(args, "call", "method", "args");
            var method = Required(args, "method");
            object owner = c;
            if (method.StartsWith("mesh.", StringComparison.Ordinal))
            {
                owner = c.Mesh;
                method = method.Substring(5);
            }
            var name = string.Concat(method.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w.Substring(1))) + "Async";
            var m = owner.GetType().GetMethod(name, BindingFlags.Public | BindingFlags.Instance);
            if (m == null || m.ReturnType.BaseType != typeof(Task))
            {
                throw new Unsupported("the .NET SDK has no operation method " + name);
            }
            var given = Obj(args, "args", false) ?? new JsonObject();
            var used = new HashSet<string>();
            var values = m.GetParameters().Select(p =>
            {
                if (p.ParameterType == typeof(RequestOptions))
                {
                    return o;
                }
                if (p.ParameterType == typeof(CancellationToken))
                {
                    return ct;
                }
                var key = Snake(p.Name);
                JsonValue v;
                if (!given.TryGetValue(key, out v))
                {
                    return p.HasDefaultValue ? p.DefaultValue : null;
                }
                used.Add(key);
                return Convert(v, p.ParameterType);
            }).ToArray();
            var unknown = given.Keys.Where(k => !used.Contains(k)).ToList();
            if (unknown.Count > 0)
            {
                throw new Unsupported(name + " of the .NET SDK takes no " + string.Join(", ", unknown));
            }
            var task = (Task)m.Invoke(owner, values);
            await task;
            var result = task.GetType().GetProperty("Result").GetValue(task);
            var bytes = result as byte[];
            if (bytes != null)
            {
                return new JsonObject { { "$bytes", System.Convert.ToBase64String(bytes) } };
            }
            return (JsonValue)result;
        }

        private static object Convert(JsonValue v, Type t)
        {
            if (v == null)
            {
                return null;
            }
            var u = Nullable.GetUnderlyingType(t) ?? t;
            if (u == typeof(byte[]))
            {
                return System.Convert.FromBase64String((string)((JsonObject)v)["$bytes"]);
            }
            if (u == typeof(string)) return (string)v;
            if (u == typeof(int)) return (int)v;
            if (u == typeof(long)) return (long)v;
            if (u == typeof(double)) return (double)v;
            if (u == typeof(bool)) return (bool)v;
            return v;
        }

        private static string Snake(string camel)
        {
            return string.Concat(camel.Select(ch => char.IsUpper(ch) ? "_" + char.ToLowerInvariant(ch) : ch.ToString()));
        }

        private static RequestOptions Options(JsonObject options)
        {
            var o = new RequestOptions
            {
                IdempotencyKey = Str(options, "idempotency_key"),
                TraceId = Str(options, "trace_id"),
                OwnerAgent = Str(options, "owner_agent"),
            };
            var ms = Double(options, "timeout_ms");
            if (ms != null)
            {
                o.TimeoutSeconds = ms.Value / 1000;
            }
            return o;
        }

        /// <summary>A stream's options: its timeout is the stream's deadline, not a per-request one.</summary>
        private static RequestOptions StreamOptions(RequestOptions o)
        {
            return new RequestOptions { TraceId = o.TraceId, IdempotencyKey = o.IdempotencyKey, OwnerAgent = o.OwnerAgent };
        }

        private static double? Seconds(JsonObject args, JsonObject options)
        {
            var ms = Double(args, "timeout_ms") ?? Double(options, "timeout_ms");
            return ms == null ? (double?)null : ms.Value / 1000;
        }

        internal static JsonObject ObjectOrEmpty(JsonObject o, string key)
        {
            JsonValue v;
            if (!o.TryGetValue(key, out v) || v == null)
            {
                return new JsonObject();
            }
            var obj = v as JsonObject;
            if (obj == null)
            {
                throw new DriverMisuse(key + " must be a JSON object");
            }
            return obj;
        }

        private static void Only(JsonObject args, string op, params string[] accepted)
        {
            var unknown = args.Keys.Where(k => !accepted.Contains(k)).ToList();
            if (unknown.Count > 0)
            {
                throw new DriverMisuse(op + ": unknown argument(s) " + string.Join(", ", unknown) + "; accepted: " + string.Join(", ", accepted));
            }
        }

        private static string Str(JsonObject o, string key)
        {
            JsonValue v;
            return o.TryGetValue(key, out v) && v != null ? (string)v : null;
        }

        private static string Required(JsonObject o, string key)
        {
            var v = Str(o, key);
            if (v == null)
            {
                throw new DriverMisuse("argument " + key + " is required");
            }
            return v;
        }

        private static long? Long(JsonObject o, string key)
        {
            JsonValue v;
            return o.TryGetValue(key, out v) && v != null ? (long?)(long)v : null;
        }

        private static double? Double(JsonObject o, string key)
        {
            JsonValue v;
            return o.TryGetValue(key, out v) && v != null ? (double?)(double)v : null;
        }

        private static JsonObject Obj(JsonObject o, string key, bool required)
        {
            JsonValue v;
            if (!o.TryGetValue(key, out v) || v == null)
            {
                if (required)
                {
                    throw new DriverMisuse("argument " + key + " is required");
                }
                return null;
            }
            var obj = v as JsonObject;
            if (obj == null)
            {
                // A .NET caller cannot pass anything but a JsonObject here (the compiler refuses
                // it): the nearest the SDK has to the other languages' invalid_argument.
                throw new ArgumentException(key + " must be a JSON object (a JsonObject parameter), not " + v.JsonType, key);
            }
            return obj;
        }
    }
}
