using System;
using System.Diagnostics;
using System.IO;
using System.Json;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;
using NUnit.Framework;

namespace Axme.Sdk.Tests
{
    /// <summary>
    /// The reference server, started once for the test run on port 0 with fault injection, and
    /// a fault credential per test (its own organisation, rules and request journal).
    /// </summary>
    [SetUpFixture]
    public sealed class ServerFixture
    {
        internal static string Url;
        private static Process server;
        private static string dataDir;

        [SetUp]
        public void Start()
        {
            var repo = Path.GetFullPath(Path.Combine(AppDomain.CurrentDomain.BaseDirectory, "..", ".."));
            dataDir = Path.Combine(Path.GetTempPath(), "axme-dotnet-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dataDir);
            var info = new ProcessStartInfo(Path.Combine(repo, "target", "debug", "axme-server"),
                "--data-dir " + dataDir + " --listen 127.0.0.1:0 --faults")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            server = Process.Start(info);
            server.OutputDataReceived += (s, e) => { };
            server.ErrorDataReceived += (s, e) => { };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();
            var addr = Path.Combine(dataDir, "server-addr");
            Url = Wait.Until(() => File.Exists(addr) && new FileInfo(addr).Length > 0 ? File.ReadAllText(addr).Trim() : null, "server-addr");
        }

        [TearDown]
        public void Stop()
        {
            if (server != null && !server.HasExited)
            {
                server.Kill();
                server.WaitForExit();
            }
        }
    }

    /// <summary>A fault credential: an isolated organisation with its own rules and journal.</summary>
    internal sealed class Credential
    {
        internal readonly string Id;
        internal readonly string ApiKey;
        internal readonly string OrgId;
        internal readonly string WorkspaceId;

        internal Credential()
        {
            var created = Http("POST", "/_faults/credentials", new JsonObject { { "name", TestContext.CurrentContext.Test.Name } });
            Id = (string)created["credential_id"];
            ApiKey = (string)created["api_key"];
            OrgId = (string)created["org_id"];
            WorkspaceId = (string)created["workspace_id"];
        }

        internal AxmeClient Client(Action<AxmeClientConfig> tweak = null)
        {
            var config = new AxmeClientConfig { BaseUrl = ServerFixture.Url, ApiKey = ApiKey, RetryBackoffSeconds = 0.05 };
            tweak?.Invoke(config);
            return new AxmeClient(config);
        }

        internal void AddRule(JsonObject rule)
        {
            Http("POST", "/_faults/credentials/" + Id + "/rules", new JsonObject { { "rules", new JsonArray(rule) } });
        }

        /// <summary>The server's journal of this credential's requests, optionally on one route.</summary>
        internal JsonObject[] Requests(string route = null)
        {
            var all = (JsonArray)Http("GET", "/_faults/credentials/" + Id + "/requests", null)["requests"];
            return all.Cast<JsonObject>().Where(r => route == null || (string)r["route"] == route).ToArray();
        }

        internal static JsonObject Http(string method, string path, JsonObject body)
        {
            // The harness's own HTTP (another actor), never through the SDK.
            using (var web = new WebClient())
            {
                web.Headers[HttpRequestHeader.ContentType] = "application/json";
                var text = method == "GET" ? web.DownloadString(ServerFixture.Url + path) : web.UploadString(ServerFixture.Url + path, method, body == null ? "{}" : body.ToString());
                return (JsonObject)JsonValue.Parse(text);
            }
        }
    }

    internal static class Wait
    {
        /// <summary>The exception <paramref name="call"/> fails with (the test fails when it succeeds).</summary>
        internal static Exception Fails(Func<Task> call)
        {
            try
            {
                call().GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                return e;
            }
            throw new AssertionException("expected the call to fail");
        }

        /// <summary>Polls <paramref name="probe"/> (bounded) until it gives a value: for state another process changes.</summary>
        internal static T Until<T>(Func<T> probe, string what, double seconds = 20) where T : class
        {
            var watch = Stopwatch.StartNew();
            while (true)
            {
                var v = probe();
                if (v != null)
                {
                    return v;
                }
                if (watch.Elapsed.TotalSeconds > seconds)
                {
                    throw new AssertionException("timed out waiting for " + what);
                }
                Thread.Sleep(10);
            }
        }
    }

    internal static class Intents
    {
        internal const string Agent = "agent://acme/prod/worker";

        internal static JsonObject New()
        {
            return new JsonObject
            {
                { "intent_type", "test.work.v1" },
                { "to_agent", Agent },
                { "payload", new JsonObject { { "n", 1 } } },
            };
        }
    }
}
