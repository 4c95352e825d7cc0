// Agent handoff: agent B takes an intent, is killed mid-task, and picks it up again on restart.
//
// The requester sends a report job to agent B and observes it. Agent B runs as its own process:
// it listens, acknowledges the job, reports progress ... and is killed by the requester the moment
// that progress shows up, before it can finish. A fresh agent B process listens again from the
// start (since: 0); delivery is at-least-once, so the unfinished job is delivered again, and this
// time it completes. The requester's single observe loop sees the whole story.
//
//     AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \
//         mono target/dotnet/AgentHandoff.exe
using System;
using System.Diagnostics;
using System.Json;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk;

internal static class AgentHandoff
{
    private const string AgentB = "agent://acme/prod/report-builder";

    private static AxmeClient Client()
    {
        return new AxmeClient(new AxmeClientConfig
        {
            BaseUrl = Environment.GetEnvironmentVariable("AXME_BASE_URL") ?? "http://127.0.0.1:8100",
            ApiKey = Environment.GetEnvironmentVariable("AXME_API_KEY"),
        });
    }

    /// <summary>Agent B: work on <paramref name="jobId"/> when it is delivered (other deliveries are someone else's).</summary>
    private static async Task Agent(string jobId, int life)
    {
        using (var client = Client())
        using (var deliveries = client.ListenAsync(AgentB, since: 0, timeoutSeconds: 60))
        {
            while (await deliveries.MoveNextAsync())
            {
                if ((string)deliveries.Current["intent_id"] != jobId)
                {
                    continue;
                }
                Console.WriteLine("agent B (life " + life + "): got the job, status " + (string)deliveries.Current["status"]);
                if (life == 1)
                {
                    await client.ResumeIntentAsync(jobId, new JsonObject { ["action"] = "ack" });
                    await client.ResumeIntentAsync(jobId, new JsonObject { ["action"] = "progress", ["message"] = "rendering page 1 of 3" });
                    Thread.Sleep(60000); // "working"; the requester kills this process here
                }
                else
                {
                    await client.ResumeIntentAsync(jobId, new JsonObject { ["action"] = "progress", ["message"] = "restarted, resuming at page 1" });
                    await client.ResumeIntentAsync(jobId, new JsonObject { ["action"] = "complete", ["result"] = new JsonObject { ["pages"] = 3 } });
                    Console.WriteLine("agent B (life " + life + "): done");
                }
                return;
            }
        }
    }

    private static Process Start(string jobId, int life)
    {
        var self = typeof(AgentHandoff).Assembly.Location;
        return Process.Start(new ProcessStartInfo("mono", "\"" + self + "\" --agent " + jobId + " " + life) { UseShellExecute = false });
    }

    private static async Task<int> Requester()
    {
        using (var client = Client())
        {
            var jobId = await client.SendIntentAsync(new JsonObject
            {
                ["intent_type"] = "report.build.v1", ["to_agent"] = AgentB, ["payload"] = new JsonObject { ["quarter"] = "Q3" },
            });
            Console.WriteLine("requester: sent job " + jobId);
            var agent = Start(jobId, 1);
            int lives = 1;
            try
            {
                using (var events = client.ObserveAsync(jobId, timeoutSeconds: 90))
                {
                    while (await events.MoveNextAsync())
                    {
                        var e = events.Current;
                        Console.WriteLine("requester: #" + (long)e["seq"] + " " + (string)e["event_type"] + " (" + (string)e["status"] + ")");
                        if ((string)e["event_type"] == "intent.in_progress" && lives == 1)
                        {
                            agent.Kill(); // agent B dies mid-task
                            agent.WaitForExit();
                            Console.WriteLine("requester: agent B was killed mid-task; starting it again");
                            lives = 2;
                            agent = Start(jobId, 2);
                        }
                    }
                }
            }
            finally
            {
                if (!agent.HasExited)
                {
                    agent.Kill();
                }
                agent.WaitForExit();
            }
            var final = (JsonObject)(await client.GetIntentAsync(jobId))["intent"];
            Console.WriteLine("requester: job " + (string)final["status"]);
            return (string)final["status"] == "COMPLETED" ? 0 : 1;
        }
    }

    private static int Main(string[] args)
    {
        if (args.Length == 3 && args[0] == "--agent")
        {
            Agent(args[1], int.Parse(args[2])).GetAwaiter().GetResult();
            return 0;
        }
        return Requester().GetAwaiter().GetResult();
    }
}
