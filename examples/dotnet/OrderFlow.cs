// Order flow: an order crosses inventory, payment and shipping, observed step by step.
//
// Three agents (tasks here, separate services in real life) each listen on their own address and
// do one job. The shop sends the order to each in turn, with the order id as the correlation id
// of every intent, and observes each intent event by event. With --decline the payment fails and
// the shop releases the stock reservation.
//
//     AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \
//         mono target/dotnet/OrderFlow.exe [--decline]
using System;
using System.Collections.Generic;
using System.Json;
using System.Linq;
using System.Threading.Tasks;
using Axme.Sdk;

internal static class OrderFlow
{
    private const string Inventory = "agent://acme/shop/inventory";
    private const string Payment = "agent://acme/shop/payment";
    private const string Shipping = "agent://acme/shop/shipping";

    private static AxmeClient Client()
    {
        return new AxmeClient(new AxmeClientConfig
        {
            BaseUrl = Environment.GetEnvironmentVariable("AXME_BASE_URL") ?? "http://127.0.0.1:8100",
            ApiKey = Environment.GetEnvironmentVariable("AXME_API_KEY"),
        });
    }

    /// <summary>Serve <paramref name="jobs"/> intents of this order on <paramref name="address"/>: ack, progress, then complete or fail.</summary>
    private static async Task Agent(string address, string orderId, int jobs, Func<JsonObject, JsonObject> work)
    {
        using (var client = Client())
        using (var deliveries = client.ListenAsync(address, timeoutSeconds: 60))
        {
            while (jobs > 0 && await deliveries.MoveNextAsync())
            {
                var delivery = deliveries.Current;
                if ((string)delivery["correlation_id"] != orderId)
                {
                    continue; // another order's work
                }
                var id = (string)delivery["intent_id"];
                await client.ResumeIntentAsync(id, new JsonObject { ["action"] = "ack" });
                await client.ResumeIntentAsync(id, new JsonObject { ["action"] = "progress", ["message"] = address + " working" });
                var outcome = work((JsonObject)delivery["payload"]);
                bool ok = !outcome.ContainsKey("ok") || (bool)outcome["ok"];
                await client.ResumeIntentAsync(id, ok
                    ? new JsonObject { ["action"] = "complete", ["result"] = outcome }
                    : new JsonObject { ["action"] = "fail", ["error"] = outcome });
                jobs--;
            }
        }
    }

    /// <summary>Send one step of the order and print its events until it ends; the final intent.</summary>
    private static async Task<JsonObject> Step(AxmeClient shop, string orderId, string to, string type, JsonObject payload)
    {
        var id = await shop.SendIntentAsync(new JsonObject
        {
            ["intent_type"] = type, ["to_agent"] = to, ["payload"] = payload, ["correlation_id"] = orderId,
        });
        using (var events = shop.ObserveAsync(id, timeoutSeconds: 60))
        {
            while (await events.MoveNextAsync())
            {
                var e = events.Current;
                var details = e.ContainsKey("details") ? e["details"] as JsonObject : null;
                var note = details != null && details.ContainsKey("message") ? (string)details["message"] : "";
                Console.WriteLine("  {0,-22} #{1} {2,-20} {3}", type, (long)e["seq"], (string)e["event_type"], note);
            }
        }
        return (JsonObject)(await shop.GetIntentAsync(id))["intent"];
    }

    private static async Task<int> Run(bool decline)
    {
        var orderId = Guid.NewGuid().ToString();
        var order = new JsonObject { ["order_id"] = orderId, ["sku"] = "KB-42", ["quantity"] = 2, ["amount_cents"] = 12900 };
        var workers = new List<Task>
        {
            Agent(Inventory, orderId, decline ? 2 : 1, p => new JsonObject { ["reservation"] = "res-" + (string)p["sku"] }),
            Agent(Payment, orderId, 1, p => decline
                ? new JsonObject { ["ok"] = false, ["reason"] = "card_declined" }
                : new JsonObject { ["charge_id"] = "ch_1", ["amount_cents"] = p["amount_cents"] }),
        };
        if (!decline)
        {
            workers.Add(Agent(Shipping, orderId, 1, p => new JsonObject { ["tracking"] = "1Z999AA10123456784" }));
        }
        using (var shop = Client())
        {
            Console.WriteLine("shop: order " + orderId);
            var reserved = await Step(shop, orderId, Inventory, "inventory.reserve.v1", order);
            Console.WriteLine("shop: stock reserved (" + (string)reserved["result"]["reservation"] + ")");
            var paid = await Step(shop, orderId, Payment, "payment.charge.v1", order);
            if ((string)paid["status"] != "COMPLETED")
            {
                Console.WriteLine("shop: payment " + (string)paid["status"] + "; releasing the stock");
                var release = (JsonObject)JsonValue.Parse(order.ToString());
                release["release"] = true;
                await Step(shop, orderId, Inventory, "inventory.release.v1", release);
                await Task.WhenAll(workers);
                return 1;
            }
            Console.WriteLine("shop: paid (" + (string)paid["result"]["charge_id"] + ")");
            var shipped = await Step(shop, orderId, Shipping, "shipping.dispatch.v1", order);
            Console.WriteLine("shop: shipped, tracking " + (string)shipped["result"]["tracking"]);
        }
        await Task.WhenAll(workers);
        return 0;
    }

    private static int Main(string[] args)
    {
        return Run(args.Contains("--decline")).GetAwaiter().GetResult();
    }
}
