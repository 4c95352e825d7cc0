using System;
using System.Collections.Generic;
using System.Json;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;
using NUnit.Framework;

namespace Axme.Sdk.Tests
{
    [TestFixture]
    public sealed class StreamTests
    {
        private const string Stream = "/v1/intents/{intent_id}/events/stream";
        private const string Listen = "/v1/agents/{address}/intents/stream";

        private static async Task<string> FinishedIntent(AxmeClient c)
        {
            var id = await c.SendIntentAsync(Intents.New());
            await c.ResumeIntentAsync(id, new JsonObject { { "action", "ack" } });
            await c.ResumeIntentAsync(id, new JsonObject { { "action", "progress" }, { "message", "line one\nline two" } });
            await c.ResumeIntentAsync(id, new JsonObject { { "action", "complete" }, { "result", new JsonObject { { "text", "héllo ✓" } } } });
            return id;
        }

        private static List<long> Seqs(IEnumerable<JsonObject> events)
        {
            return events.Select(e => (long)e["seq"]).ToList();
        }

        [Test]
        public async Task ObserveResumesAfterAServerSideDrop()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                var id = await FinishedIntent(c);
                var expected = ((JsonArray)(await c.ListIntentEventsAsync(id))["events"]).Cast<JsonObject>();
                cred.AddRule(new JsonObject
                {
                    { "match", new JsonObject { { "method", "GET" }, { "route", Stream }, { "attempt", 1 } } },
                    { "action", new JsonObject { { "type", "sse" }, { "drop_after_events", 2 } } },
                });
                List<JsonObject> got;
                using (var s = c.ObserveAsync(id))
                {
                    got = await s.ToListAsync();
                }
                Assert.AreEqual(Seqs(expected), Seqs(got));
                Assert.AreEqual("intent.completed", (string)got.Last()["event_type"]);
                Assert.AreEqual(2, cred.Requests(Stream).Length);
                Assert.AreEqual(0, c.LiveHandles);
            }
        }

        [Test]
        public async Task ObserveDeliversEventsAsTheyHappen()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                var id = await c.SendIntentAsync(Intents.New());
                using (var s = c.ObserveAsync(id, since: 3))
                {
                    var next = s.MoveNextAsync().AsTask();
                    await c.ResumeIntentAsync(id, new JsonObject { { "action", "ack" } });
                    Assert.IsTrue(await next);
                    Assert.AreEqual("intent.acknowledged", (string)s.Current["event_type"]);
                    await c.ResolveIntentAsync(id, new JsonObject { { "status", "COMPLETED" } });
                    var rest = await s.ToListAsync();
                    Assert.AreEqual("intent.completed", (string)rest.Last()["event_type"]);
                }
            }
        }

        [Test]
        public async Task WaitForReturnsTheTerminalEventOrTimesOut()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                var id = await c.SendIntentAsync(Intents.New());
                var e = Wait.Fails(() => c.WaitForAsync(id, timeoutSeconds: 0.3));
                Assert.IsInstanceOf<TimeoutException>(e);
                Assert.AreEqual("timeout", ((IAxmeException)e).Error.Kind);
                var waiting = c.WaitForAsync(id, timeoutSeconds: 20);
                await c.ResolveIntentAsync(id, new JsonObject { { "status", "FAILED" } });
                Assert.AreEqual("intent.failed", (string)(await waiting)["event_type"]);
                Assert.AreEqual(0, c.LiveHandles);
            }
        }

        [Test]
        public async Task CancellingMidStreamClosesItsConnection()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            using (var cts = new CancellationTokenSource())
            {
                var id = await c.SendIntentAsync(Intents.New());
                var s = c.ObserveAsync(id, since: 3, cancellationToken: cts.Token);
                var read = s.MoveNextAsync().AsTask();
                Wait.Until(() => cred.Requests(Stream).FirstOrDefault(), "the open stream");
                cts.Cancel();
                var e = Wait.Fails(() => read);
                Assert.IsInstanceOf<OperationCanceledException>(e);
                s.Dispose();
                var entry = Wait.Until(() => cred.Requests(Stream).FirstOrDefault(r => r["ended"] != null), "the stream's end");
                Assert.AreEqual("client_closed", (string)entry["ended"]);
                Wait.Until(() => c.LiveHandles == 0 ? "" : null, "no live handle");
            }
        }

        [Test]
        public async Task DisposingAStreamWithAReadPendingEndsIt()
        {
            var cred = new Credential();
            using (var c = cred.Client())
            {
                var s = c.ListenAsync("agent://acme/prod/idle", waitSeconds: 30);
                var read = s.MoveNextAsync().AsTask();
                Wait.Until(() => cred.Requests(Listen).FirstOrDefault(), "the open listen");
                s.Dispose();
                try
                {
                    Assert.IsFalse(await read);
                }
                catch (OperationCanceledException)
                {
                    // Closing may also surface as cancellation of the pending read.
                }
                Wait.Until(() => c.LiveHandles == 0 ? "" : null, "no live handle");
            }
        }

        [Test]
        public async Task ListenThenResumeFromTheCursorHandsOverWithNoGap()
        {
            var cred = new Credential();
            const string agent = "agent://acme/prod/listener";
            using (var c = cred.Client())
            {
                var ids = new List<string>();
                for (int i = 0; i < 3; i++)
                {
                    var body = Intents.New();
                    body["to_agent"] = agent;
                    ids.Add(await c.SendIntentAsync(body));
                }
                List<JsonObject> first;
                using (var s = c.ListenAsync(agent))
                {
                    first = new List<JsonObject>();
                    while (first.Count < 2 && await s.MoveNextAsync())
                    {
                        first.Add(s.Current);
                    }
                }
                long cursor = (long)first.Last()["seq"];
                using (var s = c.ListenAsync(agent, since: cursor))
                {
                    Assert.IsTrue(await s.MoveNextAsync());
                    Assert.AreEqual(ids[2], (string)s.Current["intent_id"]);
                }
                Assert.AreEqual(ids.Take(2).ToList(), first.Select(d => (string)d["intent_id"]).ToList());
                Wait.Until(() => c.LiveHandles == 0 ? "" : null, "no live handle");
            }
        }
    }
}
