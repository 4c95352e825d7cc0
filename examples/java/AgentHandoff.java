// Agent handoff: agent B (its own JVM) takes a job from listen, reports progress and is killed
// mid-task; a fresh agent B listens again from since=0, gets the unfinished job back (delivery is
// at-least-once) and completes it, while the requester follows the whole story. Run it from the
// repository root (the agent is this same file, started again with --agent).
//
//   AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \
//     java -cp "$(cat target/java/classpath.txt)" examples/java/AgentHandoff.java

import dev.axme.sdk.AxmeClient;
import dev.axme.sdk.AxmeClientConfig;
import dev.axme.sdk.EventStream;
import dev.axme.sdk.ObserveOptions;
import java.nio.file.Path;
import java.util.Map;

public final class AgentHandoff {
    static final String AGENT_B = "agent://acme/prod/report-builder";
    static final String SOURCE = "examples/java/AgentHandoff.java";

    static AxmeClientConfig config() {
        return new AxmeClientConfig(System.getenv().getOrDefault("AXME_BASE_URL", "http://127.0.0.1:8100"),
                System.getenv("AXME_API_KEY"));
    }

    /** Agent B: works on `jobId` when it is delivered (other deliveries are someone else's). */
    static void agentB(String jobId, int life) throws Exception {
        try (AxmeClient client = new AxmeClient(config());
                EventStream deliveries = client.listen(AGENT_B,
                        ObserveOptions.builder().since(0).timeoutSeconds(60.0).build())) {
            for (Map<String, Object> delivery : deliveries) {
                if (!jobId.equals(delivery.get("intent_id"))) {
                    continue;
                }
                System.out.println("agent B (life " + life + "): got the job, status " + delivery.get("status"));
                if (life == 1) {
                    client.resumeIntent(jobId, Map.of("action", "ack"), null);
                    client.resumeIntent(jobId, Map.of("action", "progress", "message", "rendering page 1 of 3"), null);
                    Thread.sleep(60_000); // "working"; the requester kills this process here
                } else {
                    client.resumeIntent(jobId, Map.of("action", "progress", "message", "restarted, resuming at page 1"), null);
                    client.resumeIntent(jobId, Map.of("action", "complete",
                            "result", Map.of("pages", 3, "url", "s3://reports/q3.pdf")), null);
                    System.out.println("agent B (life " + life + "): done");
                }
                return;
            }
        }
    }

    static Process startAgent(String jobId, int life) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String libraries = "-Djna.library.path=" + System.getProperty("jna.library.path", "");
        return new ProcessBuilder(java, libraries, "-cp", System.getProperty("java.class.path"), SOURCE, "--agent",
                jobId, String.valueOf(life)).inheritIO().start();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--agent")) {
            agentB(args[1], Integer.parseInt(args[2]));
            return;
        }
        try (AxmeClient client = new AxmeClient(config())) {
            String jobId = client.sendIntent(Map.of("intent_type", "report.build.v1", "to_agent", AGENT_B,
                    "payload", Map.of("quarter", "Q3")), null);
            System.out.println("requester: sent job " + jobId);
            Process agent = startAgent(jobId, 1);
            int lives = 1;
            try (EventStream events = client.observeStream(jobId, ObserveOptions.builder().timeoutSeconds(90.0).build())) {
                for (Map<String, Object> event : events) {
                    System.out.println("requester: #" + event.get("seq") + " " + event.get("event_type")
                            + " (" + event.get("status") + ")");
                    if ("intent.in_progress".equals(event.get("event_type")) && lives == 1) {
                        agent.destroyForcibly().waitFor(); // agent B dies mid-task
                        System.out.println("requester: agent B was killed mid-task; starting it again");
                        lives = 2;
                        agent = startAgent(jobId, 2);
                    }
                }
            } finally {
                if (agent.isAlive()) {
                    agent.destroyForcibly();
                }
                agent.waitFor();
            }
            Map<?, ?> job = (Map<?, ?>) client.getIntent(jobId, null).get("intent");
            System.out.println("requester: job " + job.get("status") + " with " + job.get("result"));
            System.exit("COMPLETED".equals(job.get("status")) ? 0 : 1);
        }
    }
}
