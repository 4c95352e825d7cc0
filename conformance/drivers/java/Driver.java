// The Java conformance driver: performs driver-protocol requests with the Java SDK (dev.axme.sdk).
//
// Protocol: conformance/docs/driver-protocol.md. JSON lines in on stdin, JSON lines out on stdout
// (whole lines under one lock), free text on stderr. Every request runs on its own daemon thread
// and may be answered out of order; `cancel` runs the target's canceller: a CompletableFuture's
// cancel(true) (which cancels the core's token) or an EventStream's close().
//
// Built by `./dev build-java` into target/java/driver; started by driver.sh.

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.axme.sdk.AxmeClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public final class Driver {
    private Driver() {}

    static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    private static final Map<Integer, Running> RUNNING = new ConcurrentHashMap<>();
    private static final Set<Integer> SEEN = ConcurrentHashMap.newKeySet();
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "driver-request");
        t.setDaemon(true);
        return t;
    });

    static void log(String message) {
        System.err.println("java driver: " + message);
    }

    static synchronized void writeLine(Object message) {
        try {
            OUT.print(JSON.writeValueAsString(message) + "\n");
            OUT.flush();
        } catch (Exception e) {
            log("cannot write an answer: " + e);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> hello = new LinkedHashMap<>();
        hello.put("type", "hello");
        hello.put("protocol", 1);
        hello.put("sdk", "java");
        hello.put("sdk_version", AxmeClient.VERSION);
        hello.put("features", Ops.FEATURES);
        writeLine(hello);
        Session session = new Session();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            accept(session, line);
        }
        // stdin closed: the case is over; running requests are abandoned.
        OUT.flush();
        System.exit(0);
    }

    @SuppressWarnings("unchecked")
    private static void accept(Session session, String line) {
        if (line.isBlank()) {
            return;
        }
        Map<String, Object> request;
        try {
            request = JSON.readValue(line, Map.class);
        } catch (Exception e) {
            log("ignored a line that is not JSON: " + line);
            return;
        }
        if (!(request.get("id") instanceof Integer id)) {
            log("ignored a request without an integer id: " + line);
            return;
        }
        SEEN.add(id);
        Running running = new Running();
        RUNNING.put(id, running);
        THREADS.execute(() -> serve(session, id, request, running));
    }

    @SuppressWarnings("unchecked")
    private static void serve(Session session, int id, Map<String, Object> request, Running running) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        try {
            Object op = request.get("op");
            Object args = request.getOrDefault("args", Map.of());
            Object options = request.getOrDefault("options", Map.of());
            if (!(args instanceof Map) || !(options instanceof Map)) {
                throw new Errors.DriverMisuse("args and options must be JSON objects");
            }
            Object result;
            if ("cancel".equals(op)) {
                result = cancel(((Map<String, Object>) args).get("target"));
            } else {
                String client = (String) request.getOrDefault("client", "default");
                result = Ops.perform(session, String.valueOf(op), client, (Map<String, Object>) args,
                        (Map<String, Object>) options, running);
            }
            answer.put("ok", true);
            answer.put("result", result);
        } catch (Throwable e) {
            answer.put("ok", false);
            answer.put("error", running.canceled ? Errors.canceled() : Errors.toJson(e));
        } finally {
            RUNNING.remove(id);
        }
        writeLine(answer);
    }

    private static Object cancel(Object target) {
        if (!(target instanceof Integer id) || !SEEN.contains(id)) {
            throw new Errors.DriverMisuse("cancel: target " + target + " is not the id of an earlier request");
        }
        Running running = RUNNING.get(id);
        if (running != null) {
            running.cancel();
        }
        return Map.of();
    }

    /** A request still running, and how to stop it. */
    static final class Running {
        volatile boolean canceled;
        private Runnable canceller;

        /** Registers how to stop the request; runs it at once if it was already cancelled. */
        synchronized void onCancel(Runnable r) {
            canceller = r;
            if (canceled) {
                r.run();
            }
        }

        synchronized void cancel() {
            canceled = true;
            if (canceller != null) {
                canceller.run();
            }
        }
    }

    /** The clients created by `client.new`, by name. */
    static final class Session {
        final Map<String, AxmeClient> clients = new ConcurrentHashMap<>();

        AxmeClient client(String name) {
            AxmeClient c = clients.get(name);
            if (c == null) {
                throw new Errors.DriverMisuse("no client named " + name + " (created so far: " + clients.keySet() + ")");
            }
            return c;
        }
    }
}
