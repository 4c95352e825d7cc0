// Benchmark of the .NET SDK on Mono against a running reference server (run.sh starts a release one).
//
// 1. Sequential GetIntentAsync calls per second through AxmeClient versus a plain HttpClient
//    (keep-alive) sending the same request with the same key and parsing the same JSON; rounds
//    alternate so drift hits both. Target >= 1.0x.
// 2. WaitForAsync wake-up: WaitForAsync parked on an intent; the clock starts just before a plain
//    HttpClient sends the resolve and stops when WaitForAsync returns. Its p50 is compared with the
//    Rust core's own wait_for measured by run.sh in the same run (target: within 0.5 ms).
//
//   mono Bench.exe <base-url> <api-key> [calls per round] [rounds] [wake-ups]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Json;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;

internal static class Bench
{
    private static double Percentile(List<double> xs, double p)
    {
        var s = xs.OrderBy(x => x).ToList();
        return s[Math.Min(s.Count - 1, (int)Math.Floor(p / 100 * s.Count))];
    }

    private static async Task<double> Rate(Func<Task> call, int n)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            await call();
        }
        return n / watch.Elapsed.TotalSeconds;
    }

    private static async Task Run(string url, string key, int calls, int rounds, int wakeups)
    {
        using (var client = new AxmeClient(new AxmeClientConfig { BaseUrl = url, ApiKey = key, AutoTraceId = false }))
        using (var http = new HttpClient())
        {
            http.DefaultRequestHeaders.Add("x-api-key", key);
            http.DefaultRequestHeaders.Add("accept", "application/json");
            var body = new JsonObject { ["intent_type"] = "bench.get.v1", ["to_agent"] = "agent://bench/x/y", ["payload"] = new JsonObject() };
            var id = await client.SendIntentAsync(body);
            var target = url + "/v1/intents/" + id;
            Func<Task> plain = async () =>
            {
                using (var r = await http.GetAsync(target))
                {
                    r.EnsureSuccessStatusCode();
                    JsonValue.Parse(await r.Content.ReadAsStringAsync());
                }
            };
            Func<Task> sdk = () => client.GetIntentAsync(id);
            await Rate(plain, 300);
            await Rate(sdk, 300);
            var plainRates = new List<double>();
            var sdkRates = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                plainRates.Add(await Rate(plain, calls));
                sdkRates.Add(await Rate(sdk, calls));
            }
            double ps = Percentile(sdkRates, 50), pp = Percentile(plainRates, 50);
            Console.WriteLine("GetIntentAsync sequential: SDK {0:F0}/s, HttpClient {1:F0}/s, ratio {2:F2}x (target >= 1.0x) [{3} rounds x {4} calls]",
                ps, pp, ps / pp, rounds, calls);

            var samples = new List<double>();
            for (int i = 0; i < wakeups + 20; i++)
            {
                var intent = await client.SendIntentAsync(body);
                var waiting = client.WaitForAsync(intent, timeoutSeconds: 30);
                // Parked once the server has the stream open; a short pause, as the core's bench does.
                Thread.Sleep(5);
                var resolve = new StringContent("{\"status\":\"COMPLETED\"}", Encoding.UTF8, "application/json");
                var watch = Stopwatch.StartNew();
                using (await http.PostAsync(url + "/v1/intents/" + intent + "/resolve", resolve))
                {
                }
                await waiting;
                if (i >= 20)
                {
                    samples.Add(watch.Elapsed.TotalMilliseconds);
                }
            }
            Console.WriteLine("WaitForAsync wake-up: p50 {0:F3} ms, p99 {1:F3} ms [{2} samples]", Percentile(samples, 50), Percentile(samples, 99), samples.Count);
        }
    }

    private static void Main(string[] args)
    {
        int calls = args.Length > 2 ? int.Parse(args[2]) : 3000;
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 4;
        int wakeups = args.Length > 4 ? int.Parse(args[4]) : 200;
        Run(args[0], args[1], calls, rounds, wakeups).GetAwaiter().GetResult();
    }
}
