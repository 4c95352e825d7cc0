// The Java SDK's benchmark (run by run.sh against a release reference server and a release
// libaxme_ffi): sequential getIntent calls per second through the SDK against a plain
// java.net.http.HttpClient keep-alive loop sending the same request (both decode the JSON), in
// rotating blocks; then resolve → waitFor wake-up: a waiter parked in waitFor, the clock started just
// before a separate plain client sends the resolve, stopped when waitFor returns.

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.axme.sdk.AxmeClient;
import dev.axme.sdk.AxmeClientConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

public final class Bench {
    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        String url = System.getenv("AXME_BASE_URL");
        String key = System.getenv("AXME_API_KEY");
        int rounds = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "10"));
        int block = 200;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (AxmeClient sdk = new AxmeClient(new AxmeClientConfig(url, key))) {
            String id = sdk.sendIntent(Map.of("intent_type", "bench.work.v1", "to_agent", "agent://bench/prod/w",
                    "payload", Map.of()), null);
            HttpRequest get = HttpRequest.newBuilder(URI.create(url + "/v1/intents/" + id))
                    .header("x-api-key", key).header("accept", "application/json").GET().build();
            Runnable viaSdk = () -> call(() -> sdk.getIntent(id, null));
            Runnable viaHttp = () -> call(() -> JSON.readValue(http.send(get, HttpResponse.BodyHandlers.ofString()).body(), Map.class));
            time(viaSdk, 400);
            time(viaHttp, 400);
            long sdkNanos = 0;
            long httpNanos = 0;
            for (int r = 0; r < rounds; r++) {
                sdkNanos += time(viaSdk, block);
                httpNanos += time(viaHttp, block);
            }
            double n = (double) rounds * block;
            double sdkRate = n / (sdkNanos / 1e9);
            double httpRate = n / (httpNanos / 1e9);
            System.out.printf("getIntent sequential: SDK %.0f calls/s, plain HttpClient %.0f calls/s, ratio %.3f (goal >= 0.8)%n",
                    sdkRate, httpRate, sdkRate / httpRate);

            int samples = Integer.parseInt(System.getenv().getOrDefault("BENCH_WAKEUPS", "300"));
            double[] wake = new double[samples];
            for (int i = -20; i < samples; i++) {
                String w = sdk.sendIntent(Map.of("intent_type", "bench.work.v1", "to_agent", "agent://bench/prod/w",
                        "payload", Map.of()), null);
                CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
                    call(() -> sdk.waitFor(w, null));
                    return System.nanoTime();
                });
                Thread.sleep(5); // the waiter parks on its stream
                HttpRequest resolve = HttpRequest.newBuilder(URI.create(url + "/v1/intents/" + w + "/resolve"))
                        .header("x-api-key", key).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"status\":\"COMPLETED\"}")).build();
                long t0 = System.nanoTime();
                http.send(resolve, HttpResponse.BodyHandlers.discarding());
                long t1 = waiter.get();
                if (i >= 0) {
                    wake[i] = (t1 - t0) / 1e6;
                }
            }
            Arrays.sort(wake);
            System.out.printf("resolve -> waitFor wake-up: p50 %.3f ms, p99 %.3f ms (%d samples)%n",
                    wake[samples / 2], wake[(int) (samples * 0.99)], samples);
        }
    }

    interface Call {
        Object run() throws Exception;
    }

    static void call(Call c) {
        try {
            c.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static long time(Runnable r, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            r.run();
        }
        return System.nanoTime() - t0;
    }
}
