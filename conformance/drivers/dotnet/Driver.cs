// The .NET conformance driver: performs driver-protocol requests with Axme.Sdk on Mono.
//
// Protocol: conformance/docs/driver-protocol.md. JSON lines in on stdin, JSON lines out on
// stdout (one lock, whole lines), free text on stderr. Every request is its own task with its own
// CancellationTokenSource, so requests run concurrently and may be answered out of order;
// `cancel` cancels the target's token, which cancels the core's token (the server sees the
// connection close). Built by `./dev build-dotnet` into target/dotnet/axme-conformance-driver.exe,
// beside Axme.Sdk.dll and libaxme_ffi.so.
using System;
using System.Collections.Concurrent;
using System.Json;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;

namespace Axme.Conformance
{
    internal static class Driver
    {
        private static readonly object Out = new object();
        private static readonly ConcurrentDictionary<long, CancellationTokenSource> Running = new ConcurrentDictionary<long, CancellationTokenSource>();
        private static readonly ConcurrentDictionary<long, bool> Seen = new ConcurrentDictionary<long, bool>();

        private static void Main()
        {
            var hello = new JsonObject
            {
                { "type", "hello" },
                { "protocol", 1 },
                { "sdk", "dotnet" },
                { "sdk_version", AxmeClient.Version },
                { "features", new JsonArray(Ops.Features) },
            };
            Write(hello);
            var session = new Session();
            string line;
            while ((line = Console.In.ReadLine()) != null)
            {
                Accept(session, line);
            }
        }

        private static void Write(JsonValue message)
        {
            var text = message.ToString();
            lock (Out)
            {
                Console.Out.Write(text + "\n");
                Console.Out.Flush();
            }
        }

        private static void Log(string message)
        {
            Console.Error.WriteLine("dotnet driver: " + message);
        }

        private static void Accept(Session session, string line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                return;
            }
            JsonObject request;
            try
            {
                request = JsonValue.Parse(line) as JsonObject;
            }
            catch (Exception e)
            {
                Log("ignored a line that is not JSON (" + e.Message + ")");
                return;
            }
            if (request == null || !request.ContainsKey("id") || request["id"] == null || request["id"].JsonType != JsonType.Number)
            {
                Log("ignored a request without an integer id");
                return;
            }
            long id = (long)request["id"];
            Seen[id] = true;
            var cts = new CancellationTokenSource();
            Running[id] = cts;
            Task.Run(() => Serve(session, id, request, cts));
        }

        private static async Task Serve(Session session, long id, JsonObject request, CancellationTokenSource cts)
        {
            JsonObject answer;
            try
            {
                var result = await Perform(session, request, cts.Token).ConfigureAwait(false);
                answer = new JsonObject { { "id", id }, { "ok", true }, { "result", result } };
            }
            catch (Exception e)
            {
                var error = cts.IsCancellationRequested ? Errors.Canceled() : Errors.ToJson(Unwrap(e));
                answer = new JsonObject { { "id", id }, { "ok", false }, { "error", error } };
            }
            finally
            {
                CancellationTokenSource ignored;
                Running.TryRemove(id, out ignored);
            }
            Write(answer);
        }

        private static Exception Unwrap(Exception e)
        {
            while (e is AggregateException && e.InnerException != null)
            {
                e = e.InnerException;
            }
            return e;
        }

        private static Task<JsonValue> Perform(Session session, JsonObject request, CancellationToken ct)
        {
            string op = request.ContainsKey("op") && request["op"] != null && request["op"].JsonType == JsonType.String ? (string)request["op"] : null;
            var args = Ops.ObjectOrEmpty(request, "args");
            var options = Ops.ObjectOrEmpty(request, "options");
            if (op == "cancel")
            {
                return Task.FromResult<JsonValue>(Cancel(args));
            }
            string client = request.ContainsKey("client") && request["client"] != null ? (string)request["client"] : "default";
            return Ops.Perform(session, op, client, args, options, ct);
        }

        private static JsonValue Cancel(JsonObject args)
        {
            JsonValue target;
            if (!args.TryGetValue("target", out target) || target == null || target.JsonType != JsonType.Number || !Seen.ContainsKey((long)target))
            {
                throw new DriverMisuse("cancel: target is not the id of an earlier request");
            }
            CancellationTokenSource cts;
            if (Running.TryGetValue((long)target, out cts))
            {
                cts.Cancel();
            }
            return new JsonObject();
        }
    }

    /// <summary>The request needs something the .NET SDK does not offer.</summary>
    internal sealed class Unsupported : Exception
    {
        internal Unsupported(string message) : base(message) { }
    }

    /// <summary>The request itself is malformed: a runner-side mistake.</summary>
    internal sealed class DriverMisuse : Exception
    {
        internal DriverMisuse(string message) : base(message) { }
    }

    /// <summary>The protocol's error objects, from the SDK's typed exceptions (never their messages).</summary>
    internal static class Errors
    {
        // System.Json turns a null string into "" (a JsonPrimitive of it); the protocol wants null.
        private static JsonValue OrNull(string s)
        {
            return s == null ? null : (JsonValue)s;
        }

        private static readonly string[] CoreKinds =
        {
            "invalid_argument", "auth", "validation", "conflict", "not_found", "rate_limit", "server",
            "timeout", "connection", "protocol", "mcp", "canceled",
        };

        internal static JsonObject ToJson(Exception e)
        {
            if (e is Unsupported)
            {
                return new JsonObject { { "kind", "unsupported" }, { "message", e.Message } };
            }
            if (e is DriverMisuse)
            {
                return new JsonObject { { "kind", "driver_error" }, { "message", e.Message } };
            }
            var axme = e as IAxmeException;
            if (axme != null && Array.IndexOf(CoreKinds, axme.Error.Kind) >= 0)
            {
                var err = axme.Error;
                return new JsonObject
                {
                    { "kind", err.Kind },
                    { "status", err.Status == null ? null : (JsonValue)err.Status.Value },
                    { "code", OrNull(err.Code) },
                    { "message", e.Message },
                    { "request_id", OrNull(err.RequestId) },
                    { "trace_id", OrNull(err.TraceId) },
                    { "retry_after_ms", err.RetryAfterSeconds == null ? null : (JsonValue)(long)Math.Round(err.RetryAfterSeconds.Value * 1000) },
                };
            }
            // The generated methods refuse a payload field contradicting an argument before sending.
            if (e is ArgumentException)
            {
                return new JsonObject { { "kind", "invalid_argument" }, { "status", null }, { "code", null }, { "message", e.Message }, { "request_id", null }, { "trace_id", null }, { "retry_after_ms", null } };
            }
            return new JsonObject { { "kind", "driver_error" }, { "message", e.GetType().Name + ": " + e.Message } };
        }

        internal static JsonObject Canceled()
        {
            return new JsonObject { { "kind", "canceled" }, { "status", null }, { "code", null }, { "message", "canceled by a cancel request" }, { "request_id", null }, { "trace_id", null }, { "retry_after_ms", null } };
        }
    }
}
