using System;
using System.IO;
using System.IO.Compression;
using System.Json;
using System.Linq;
using System.Threading.Tasks;
using Axme.Sdk;
using NUnit.Framework;

namespace Axme.Sdk.Tests
{
    [TestFixture]
    public sealed class MeshMcpTests
    {
        private const string Heartbeat = "/v1/mesh/heartbeat";

        [Test]
        public async Task McpInitializeListAndCallThroughTheCore()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                var init = await c.McpInitializeAsync();
                Assert.IsTrue(init.ContainsKey("protocolVersion"));
                var tools = (JsonArray)(await c.McpListToolsAsync())["tools"];
                Assert.That(tools.Any(t => (string)t["name"] == "axme.intents_send"));
                var sent = await c.McpCallToolAsync("axme.intents_send", new JsonObject
                {
                    { "to_agent", Intents.Agent }, { "intent_type", "test.mcp.v1" }, { "payload", new JsonObject() },
                });
                var id = (string)sent["structuredContent"]["intent_id"];
                Assert.AreEqual(id, (string)(await c.GetIntentAsync(id))["intent"]["intent_id"]);
                // Arguments the tool's schema refuses never leave the client.
                var before = cred.Requests("/mcp").Length;
                var e = Wait.Fails(() => c.McpCallToolAsync("axme.intents_send", new JsonObject { { "to_agent", 5 } }));
                Assert.AreEqual("invalid_argument", ((IAxmeException)e).Error.Kind);
                Assert.AreEqual(before, cred.Requests("/mcp").Length);
                // An unknown tool is JSON-RPC -32602, which the core maps to validation (422).
                var unknown = Wait.Fails(() => c.McpCallToolAsync("no.such_tool"));
                Assert.IsInstanceOf<AxmeValidationException>(unknown);
                Assert.AreEqual("-32602", ((IAxmeException)unknown).Error.Code);
                // Any other JSON-RPC error is AxmeMcpException.
                cred.AddRule(new JsonObject
                {
                    { "match", new JsonObject { { "method", "POST" }, { "route", "/mcp" } } },
                    { "action", new JsonObject { { "type", "respond" }, { "status", 200 }, { "body", JsonValue.Parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,\"message\":\"crashed\"}}") } } },
                });
                var crashed = Wait.Fails(() => c.McpCallToolAsync("axme.check_nick", new JsonObject { { "nick", "n" } }));
                Assert.IsInstanceOf<AxmeMcpException>(crashed);
                Assert.AreEqual(502, ((AxmeMcpException)crashed).StatusCode);
            }
        }

        [Test]
        public async Task MeshHeartbeatMetricsAndBackgroundBeat()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                Assert.AreEqual(true, (bool)(await c.Mesh.HeartbeatAsync(new JsonObject { { "intents_total", 1 } }))["ok"]);
                c.Mesh.ReportMetric(success: true, latencyMs: 10, costUsd: 0.5);
                c.Mesh.ReportMetric(success: false);
                Assert.AreEqual(true, (bool)(await c.Mesh.FlushMetricsAsync())["ok"]);
                Assert.That(() => c.Mesh.ReportMetric(latencyMs: -1), Throws.InstanceOf<ArgumentException>());
                c.Mesh.StartHeartbeat(intervalSeconds: 0.05);
                Assert.IsTrue(c.Mesh.IsHeartbeatRunning);
                Wait.Until(() => cred.Requests(Heartbeat).Length >= 4 ? "" : null, "background heartbeats");
                c.Mesh.StopHeartbeat();
                Assert.IsFalse(c.Mesh.IsHeartbeatRunning);
                var agents = (JsonArray)(await c.Mesh.ListAgentsAsync(limit: 10))["agents"];
                Assert.That(agents.Count, Is.GreaterThan(0));
                Assert.IsInstanceOf<JsonArray>((await c.Mesh.ListEventsAsync())["events"]);
                var e = Wait.Fails(() => c.Mesh.KillAsync("agent://acme/prod/worker"));
                Assert.IsInstanceOf<AxmeAuthException>(e);
            }
            Assert.That(cred.Requests(Heartbeat).All(r => (long)r["status"] == 200));
        }

        [Test]
        public void PackageHoldsTheAssemblyTheNativeLibraryAndANetstandardGroup()
        {
            var dir = AppDomain.CurrentDomain.BaseDirectory;
            var package = Directory.GetFiles(dir, "Axme.*.nupkg").Single();
            using (var zip = ZipFile.OpenRead(package))
            {
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("lib/netstandard2.0/Axme.Sdk.dll", names);
                Assert.Contains("runtimes/linux-x64/native/libaxme_ffi.so", names);
                string nuspec;
                using (var reader = new StreamReader(zip.GetEntry("Axme.nuspec").Open()))
                {
                    nuspec = reader.ReadToEnd();
                }
                StringAssert.Contains("<id>Axme</id>", nuspec);
                StringAssert.Contains("targetFramework=\".NETStandard2.0\"", nuspec);
                StringAssert.Contains("id=\"System.Json\"", nuspec);
                StringAssert.DoesNotContain("Unsupported", nuspec);
            }
        }
    }
}
