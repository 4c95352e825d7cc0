package dev.axme.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The reference server for the tests: {@code axme-server --faults} on 127.0.0.1:0 with a fresh data
 * dir (started once per JVM, stopped at exit), and its fault-injection control API spoken with a
 * plain {@code HttpClient} (the harness is another actor, never the SDK).
 */
final class TestServer {
    static final String AGENT = "agent://acme/prod/worker";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestServer instance;

    final String url;
    final String devKey;

    private TestServer(String url, String devKey) {
        this.url = url;
        this.devKey = devKey;
    }

    static synchronized TestServer get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    private static TestServer start() {
        try {
            Path dir = Files.createTempDirectory("axme-java-test");
            String bin = System.getProperty("axme.server.bin");
            Process p = new ProcessBuilder(bin, "--data-dir", dir.toString(), "--listen", "127.0.0.1:0", "--faults")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server.log").toFile())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            Path addr = dir.resolve("server-addr");
            waitUntil("the server writes its address", () -> Files.exists(addr) && size(addr) > 0 || !p.isAlive());
            if (!p.isAlive()) {
                throw new IllegalStateException("axme-server exited: " + Files.readString(dir.resolve("server.log")));
            }
            return new TestServer(Files.readString(addr).strip(), Files.readString(dir.resolve("dev-api-key")).strip());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Polls {@code check} (bounded) until it holds; never a timing assumption. */
    static void waitUntil(String what, Supplier<Boolean> check) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!check.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> http(String method, String url, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json");
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return r.body().isBlank() ? Map.of() : JSON.readValue(r.body(), Map.class);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh fault credential: its own organisation, key, rules and request journal. */
    Credential credential(String name) {
        Map<String, Object> created = http("POST", url + "/_faults/credentials", Map.of("name", name));
        return new Credential((String) created.get("credential_id"), (String) created.get("api_key"));
    }

    AxmeClientConfig.Builder config(String key) {
        return AxmeClientConfig.builder().baseUrl(url).apiKey(key);
    }

    final class Credential {
        final String id;
        final String apiKey;

        Credential(String id, String apiKey) {
            this.id = id;
            this.apiKey = apiKey;
        }

        AxmeClient client() {
            return new AxmeClient(config(apiKey).build());
        }

        void addRule(Map<String, Object> rule) {
            http("POST", url + "/_faults/credentials/" + id + "/rules", Map.of("rules", List.of(rule)));
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> requests(String route) {
            List<Map<String, Object>> all = (List<Map<String, Object>>) http("GET",
                    url + "/_faults/credentials/" + id + "/requests", null).get("requests");
            return all.stream().filter(r -> route == null || route.equals(r.get("route"))).toList();
        }

        /** Waits until the journal holds a request of {@code route} matching {@code check}. */
        void awaitRequest(String what, String route, Predicate<Map<String, Object>> check) {
            waitUntil(what, () -> requests(route).stream().anyMatch(check));
        }
    }

    static Map<String, Object> newIntent() {
        return new java.util.LinkedHashMap<>(Map.of("intent_type", "test.work.v1", "to_agent", AGENT,
                "payload", Map.of("n", 1)));
    }
}
