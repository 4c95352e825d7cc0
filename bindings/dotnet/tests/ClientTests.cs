using System;
using System.Json;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;
using NUnit.Framework;

namespace Axme.Sdk.Tests
{
    [TestFixture]
    public sealed class ClientTests
    {
        [Test]
        public async Task IntentsFamilyRoundTrips()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                var health = await c.HealthAsync();
                Assert.AreEqual(true, (bool)health["ok"]);
                var id = await c.SendIntentAsync(Intents.New());
                var intent = await c.GetIntentAsync(id);
                Assert.AreEqual(id, (string)intent["intent"]["intent_id"]);
                await c.ResumeIntentAsync(id, new JsonObject { { "action", "ack" } });
                await c.ResolveIntentAsync(id, new JsonObject { { "status", "COMPLETED" } });
                var events = (JsonArray)(await c.ListIntentEventsAsync(id, since: 1))["events"];
                Assert.That(events.Count, Is.GreaterThan(2));
                Assert.That(events.All(e => (long)e["seq"] > 1));
                var listed = await c.ListIntentsAsync(limit: 5);
                Assert.That(((JsonArray)listed["intents"]).Any(i => (string)i["intent_id"] == id));
            }
            // Every write carried an idempotency key the core minted.
            Assert.That(cred.Requests("/v1/intents").Where(r => (string)r["method"] == "POST").All(r => r["headers"].ContainsKey("idempotency-key")));
        }

        [Test]
        public async Task AdminScenarioAndCapabilityFamiliesAnswer()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                Assert.IsNotNull(await c.GetCapabilitiesAsync());
                var inbox = await c.ListInboxAsync();
                Assert.IsTrue(inbox.ContainsKey("threads"));
                var sa = await c.ListServiceAccountsAsync(cred.OrgId, cred.WorkspaceId);
                Assert.IsNotNull(sa);
                var bundle = new JsonObject { { "scenario_id", "x" } };
                try
                {
                    await c.ValidateScenarioAsync(bundle);
                }
                catch (AxmeValidationException e)
                {
                    Assert.AreEqual(422, e.StatusCode);
                }
            }
        }

        /// <summary>
        /// The public SDK's usage style, ported by swapping System.Text.Json.Nodes for System.Json:
        /// index initializers, indexers and explicit casts, an idempotency key in RequestOptions,
        /// observe until the terminal event.
        /// </summary>
        [Test]
        public async Task PublicStyleProgramPortsBySwappingTheUsing()
        {
            var cred = new Credential();
            var client = new AxmeClient(new AxmeClientConfig { BaseUrl = ServerFixture.Url, ApiKey = cred.ApiKey });
            var created = await client.CreateIntentAsync(new JsonObject
            {
                ["intent_type"] = "intent.demo.v1",
                ["correlation_id"] = Guid.NewGuid().ToString(),
                ["to_agent"] = "agent://acme/prod/demo",
                ["payload"] = new JsonObject { ["task"] = "hello" },
            }, new RequestOptions { IdempotencyKey = "create-demo-001" });
            var intentId = (string)created["intent_id"];
            await client.ResolveIntentAsync(intentId, new JsonObject { ["status"] = "COMPLETED" });
            var events = client.ObserveAsync(intentId, timeoutSeconds: 30).GetAsyncEnumerator();
            string last = null;
            while (await events.MoveNextAsync())
            {
                last = (string)events.Current["event_type"];
            }
            Assert.AreEqual("intent.completed", last);
            Assert.AreEqual("create-demo-001", (string)cred.Requests("/v1/intents").First(r => (string)r["method"] == "POST")["headers"]["idempotency-key"][0]);
            client.Dispose();
        }

        [Test]
        public void EachHttpKindHasItsClass()
        {
            var cred = new Credential();
            var cases = new[]
            {
                Tuple.Create(401, typeof(AxmeAuthException)),
                Tuple.Create(404, typeof(AxmeNotFoundException)),
                Tuple.Create(409, typeof(AxmeConflictException)),
                Tuple.Create(422, typeof(AxmeValidationException)),
                Tuple.Create(429, typeof(AxmeRateLimitException)),
                Tuple.Create(500, typeof(AxmeServerException)),
            };
            using (var c = cred.Client(cfg => cfg.MaxRetries = 0))
            {
                int attempt = 0;
                foreach (var t in cases)
                {
                    attempt++;
                    cred.AddRule(new JsonObject
                    {
                        { "match", new JsonObject { { "method", "GET" }, { "route", "/v1/capabilities" }, { "attempt", attempt } } },
                        { "action", new JsonObject { { "type", "respond" }, { "status", t.Item1 } } },
                    });
                    var e = Wait.Fails(() => c.GetCapabilitiesAsync());
                    Assert.IsInstanceOf(t.Item2, e, "status " + t.Item1);
                    var http = (AxmeHttpException)e;
                    Assert.AreEqual(t.Item1, http.StatusCode);
                    Assert.IsNotNull(http.TraceId);
                }
            }
        }

        [Test]
        public void NonHttpKindsDeriveFromTheBclTypes()
        {
            Assert.Throws<AxmeInvalidArgumentException>(() => new AxmeClient(new AxmeClientConfig { BaseUrl = "ftp://x", ApiKey = "k" }));
            Assert.That(() => new AxmeClient(new AxmeClientConfig { BaseUrl = ServerFixture.Url, ApiKey = "" }), Throws.InstanceOf<ArgumentException>());
            var cred = new Credential();
            using (var c = cred.Client())
            {
                var e = Wait.Fails(() => c.GetIntentAsync(""));
                Assert.IsInstanceOf<ArgumentException>(e);
                Assert.AreEqual("invalid_argument", ((IAxmeException)e).Error.Kind);
                // Nothing reached the server.
                Assert.AreEqual(0, cred.Requests().Length);
            }
            using (var c = new AxmeClient(new AxmeClientConfig { BaseUrl = "http://127.0.0.1:9", ApiKey = "k", MaxRetries = 0 }))
            {
                Assert.That(() => c.GetCapabilitiesAsync().GetAwaiter().GetResult(), Throws.InstanceOf<System.Net.Http.HttpRequestException>());
            }
        }

        [Test]
        public void CancellingMidCallClosesTheConnection()
        {
            var cred = new Credential();
            const string route = "/v1/intents/{intent_id}";
            cred.AddRule(new JsonObject
            {
                { "match", new JsonObject { { "method", "GET" }, { "route", route } } },
                { "action", new JsonObject { { "type", "delay" }, { "ms", 20000 } } },
            });
            using (var c = cred.Client())
            using (var cts = new CancellationTokenSource())
            {
                var call = c.GetIntentAsync(Guid.NewGuid().ToString(), cancellationToken: cts.Token);
                Wait.Until(() => cred.Requests(route).FirstOrDefault(), "the delayed request");
                cts.Cancel();
                var e = Wait.Fails(() => call);
                Assert.IsInstanceOf<OperationCanceledException>(e);
                Assert.AreEqual("canceled", ((IAxmeException)e).Error.Kind);
                var entry = Wait.Until(() => cred.Requests(route).FirstOrDefault(r => r["ended"] != null), "the end of the request");
                Assert.AreEqual("client_closed", (string)entry["ended"]);
                Assert.AreEqual(0, c.LiveHandles);
            }
        }

        [Test]
        public void PerCallTimeoutIsATimeoutException()
        {
            var cred = new Credential();
            cred.AddRule(new JsonObject
            {
                { "match", new JsonObject { { "method", "GET" }, { "route", "/v1/capabilities" } } },
                { "action", new JsonObject { { "type", "delay" }, { "ms", 3000 } } },
            });
            using (var c = cred.Client(cfg => cfg.MaxRetries = 0))
            {
                var e = Wait.Fails(() => c.GetCapabilitiesAsync(new RequestOptions { TimeoutSeconds = 0.2 }));
                Assert.IsInstanceOf<TimeoutException>(e);
                // The abandoned attempt's connection is closed now, not at this thread's next call.
                var entry = Wait.Until(() => cred.Requests("/v1/capabilities").FirstOrDefault(r => r["ended"] != null), "the end");
                Assert.AreEqual("client_closed", (string)entry["ended"]);
            }
        }
    }
}
