// Deployment approval: a release pipeline asks a human to approve a deploy and blocks on waitFor.
//
// The pipeline sends an intent carrying a human task (task_type: approval) to the server's workflow
// engine; the intent waits (WAITING_FOR_HUMAN) until someone answers. The approver here follows the
// intent's events and answers with resumeIntent(..., {"task_result": ...}): "approved" completes
// the intent, "rejected" (--reject) fails it.
//
//   AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \
//     java -cp "$(cat target/java/classpath.txt)" examples/java/DeploymentApproval.java [--reject]

import dev.axme.sdk.AxmeClient;
import dev.axme.sdk.AxmeClientConfig;
import dev.axme.sdk.AxmeTimeoutException;
import dev.axme.sdk.EventStream;
import dev.axme.sdk.ObserveOptions;
import java.util.List;
import java.util.Map;

public final class DeploymentApproval {
    // Addresses under agent://axme.workflow/ belong to the server's workflow engine.
    static final String APPROVALS = "agent://axme.workflow/release-approvals";

    static AxmeClientConfig config() {
        return new AxmeClientConfig(System.getenv().getOrDefault("AXME_BASE_URL", "http://127.0.0.1:8100"),
                System.getenv("AXME_API_KEY"));
    }

    /** The human's side: wait until the task is assigned, read it, answer it. */
    static void approver(String intentId, boolean approve) throws Exception {
        try (AxmeClient client = new AxmeClient(config());
                EventStream events = client.observeStream(intentId,
                        ObserveOptions.builder().timeoutSeconds(30.0).build())) {
            for (Map<String, Object> event : events) {
                if ("intent.human_task_assigned".equals(event.get("event_type"))) {
                    break;
                }
            }
            Map<?, ?> task = (Map<?, ?>) ((Map<?, ?>) client.getIntent(intentId, null).get("intent")).get("human_task");
            System.out.println("approver: task '" + task.get("title") + "', outcomes " + task.get("allowed_outcomes"));
            Map<String, Object> answer = approve ? Map.of("outcome", "approved", "comment", "ship it")
                    : Map.of("outcome", "rejected", "comment", "change freeze this week");
            client.resumeIntent(intentId, Map.of("task_result", answer), null);
        }
    }

    public static void main(String[] args) throws Exception {
        boolean approve = !List.of(args).contains("--reject");
        try (AxmeClient pipeline = new AxmeClient(config())) {
            String intentId = pipeline.sendIntent(Map.of(
                    "intent_type", "deploy.approval.v1",
                    "to_agent", APPROVALS,
                    "payload", Map.of("service", "billing-api", "version", "2.14.0", "environment", "production"),
                    "human_task", Map.of("title", "Deploy billing-api 2.14.0 to production?", "task_type", "approval")),
                    null);
            System.out.println("pipeline: asked for approval (intent " + intentId + ")");
            Thread human = new Thread(() -> {
                try {
                    approver(intentId, approve);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            human.start();
            Map<String, Object> last;
            try {
                last = pipeline.waitFor(intentId, new ObserveOptions(0, 1.0, 60.0));
            } catch (AxmeTimeoutException e) {
                System.out.println("pipeline: nobody answered in time; not deploying");
                System.exit(2);
                return;
            } finally {
                human.join();
            }
            if ("COMPLETED".equals(last.get("status"))) {
                System.out.println("pipeline: approved; deploying billing-api 2.14.0");
                return;
            }
            Object error = ((Map<?, ?>) pipeline.getIntent(intentId, null).get("intent")).get("error");
            System.out.println("pipeline: not approved (" + last.get("status") + ": " + error + "); stopping");
            System.exit(1);
        }
    }
}
