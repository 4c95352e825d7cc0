// Deployment approval: a release pipeline asks a human to approve a deploy and blocks on WaitForAsync.
//
// The pipeline sends an intent carrying a human task (`task_type: approval`) to the server's
// workflow engine; the intent parks in WAITING (WAITING_FOR_HUMAN) until someone answers. The
// approver here watches the intent and answers with ResumeIntentAsync(id, {"task_result": ...}):
// `approved` completes the intent, `rejected` (--reject) fails it.
//
//     AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \
//         mono target/dotnet/DeploymentApproval.exe [--reject]
using System;
using System.Json;
using System.Linq;
using System.Threading.Tasks;
using Axme.Sdk;

internal static class DeploymentApproval
{
    // Addresses under agent://axme.workflow/ belong to the server's workflow engine.
    private const string Approvals = "agent://axme.workflow/release-approvals";

    private static AxmeClientConfig Config()
    {
        return new AxmeClientConfig
        {
            BaseUrl = Environment.GetEnvironmentVariable("AXME_BASE_URL") ?? "http://127.0.0.1:8100",
            ApiKey = Environment.GetEnvironmentVariable("AXME_API_KEY"),
        };
    }

    /// <summary>The human's side: wait until the task is assigned, read it, answer it.</summary>
    private static async Task Approver(string intentId, bool approve)
    {
        using (var client = new AxmeClient(Config()))
        using (var events = client.ObserveAsync(intentId, timeoutSeconds: 30))
        {
            while (await events.MoveNextAsync() && (string)events.Current["event_type"] != "intent.human_task_assigned")
            {
            }
            var task = (await client.GetIntentAsync(intentId))["intent"]["human_task"];
            Console.WriteLine("approver: task '" + (string)task["title"] + "'");
            var answer = approve
                ? new JsonObject { ["outcome"] = "approved", ["comment"] = "ship it" }
                : new JsonObject { ["outcome"] = "rejected", ["comment"] = "change freeze this week" };
            await client.ResumeIntentAsync(intentId, new JsonObject { ["task_result"] = answer });
        }
    }

    private static async Task<int> Run(bool approve)
    {
        using (var pipeline = new AxmeClient(Config()))
        {
            var intentId = await pipeline.SendIntentAsync(new JsonObject
            {
                ["intent_type"] = "deploy.approval.v1",
                ["to_agent"] = Approvals,
                ["payload"] = new JsonObject { ["service"] = "billing-api", ["version"] = "2.14.0", ["environment"] = "production" },
                ["human_task"] = new JsonObject { ["title"] = "Deploy billing-api 2.14.0 to production?", ["task_type"] = "approval" },
            });
            Console.WriteLine("pipeline: asked for approval (intent " + intentId + ")");
            var human = Approver(intentId, approve);
            JsonObject final;
            try
            {
                final = await pipeline.WaitForAsync(intentId, timeoutSeconds: 60);
            }
            catch (TimeoutException)
            {
                Console.WriteLine("pipeline: nobody answered in time; not deploying");
                return 2;
            }
            await human;
            if ((string)final["status"] == "COMPLETED")
            {
                Console.WriteLine("pipeline: approved; deploying billing-api 2.14.0");
                return 0;
            }
            Console.WriteLine("pipeline: not approved (" + (string)final["status"] + "); stopping");
            return 1;
        }
    }

    private static int Main(string[] args)
    {
        return Run(!args.Contains("--reject")).GetAwaiter().GetResult();
    }
}
