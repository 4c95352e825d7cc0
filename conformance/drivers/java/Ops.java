// What each driver-protocol operation does with the Java SDK. Protocol arguments use the core's
// snake_case names; they become the SDK's parameters and builders here. Calls go through the
// SDK's `…Async` forms so a `cancel` request can cancel their CompletableFuture (and with it the
// core's request); streams register their close().

import dev.axme.sdk.AxmeClient;
import dev.axme.sdk.AxmeClientConfig;
import dev.axme.sdk.EventStream;
import dev.axme.sdk.ObserveOptions;
import dev.axme.sdk.RequestOptions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

final class Ops {
    private Ops() {}

    static final List<String> FEATURES = List.of("intents", "observe", "wait_for", "listen", "cancel", "mcp", "mesh",
            "generic_call", "config.retry_budget");

    @SuppressWarnings("unchecked")
    static Object perform(Driver.Session session, String op, String client, Map<String, Object> args,
            Map<String, Object> options, Driver.Running running) throws Exception {
        if (op.equals("client.new")) {
            only(args, op, "name", "config");
            Object config = args.getOrDefault("config", Map.of());
            session.clients.put(str(args.getOrDefault("name", "default")),
                    new AxmeClient(config((Map<String, Object>) config)));
            return Map.of();
        }
        if (op.equals("client.close")) {
            only(args, op, "name");
            String name = str(args.getOrDefault("name", "default"));
            session.client(name).close();
            session.clients.remove(name);
            return Map.of();
        }
        AxmeClient c = session.client(client);
        RequestOptions o = requestOptions(options);
        switch (op) {
            case "health":
                only(args, op);
                return await(running, c.healthAsync(o));
            case "create_intent": {
                only(args, op, "intent");
                Map<String, Object> intent = map(required(args, "intent", op));
                // An application without a correlation id of its own passes a fresh one.
                String correlationId = intent.get("correlation_id") == null ? UUID.randomUUID().toString() : null;
                return await(running, c.createIntentAsync(intent, correlationId, o));
            }
            case "send_intent": {
                only(args, op, "intent");
                Map<String, Object> intent = map(required(args, "intent", op));
                String id = c.sendIntent(intent, o);
                return Map.of("intent_id", id);
            }
            case "get_intent":
                only(args, op, "intent_id");
                return await(running, c.getIntentAsync(str(required(args, "intent_id", op)), o));
            case "list_intent_events":
                only(args, op, "intent_id", "since");
                return await(running, c.listIntentEventsAsync(str(required(args, "intent_id", op)),
                        (Integer) args.get("since"), o));
            case "resolve_intent":
                only(args, op, "intent_id", "body");
                return await(running, c.resolveIntentAsync(str(required(args, "intent_id", op)),
                        map(required(args, "body", op)), o));
            case "resume_intent":
                only(args, op, "intent_id", "body");
                return await(running, c.resumeIntentAsync(str(required(args, "intent_id", op)),
                        map(required(args, "body", op)), o));
            case "cancel_intent": {
                only(args, op, "intent_id", "body");
                Map<String, Object> body = new LinkedHashMap<>(args.get("body") == null ? Map.of() : map(args.get("body")));
                Object reason = body.remove("reason");
                if (!body.isEmpty()) {
                    throw new Errors.Unsupported("cancelIntent of the Java SDK takes only a reason, not " + body.keySet());
                }
                return await(running, c.cancelIntentAsync(str(required(args, "intent_id", op)), (String) reason, o));
            }
            case "observe": {
                only(args, op, "intent_id", "since", "wait_seconds", "poll_interval_ms", "timeout_ms", "max_events");
                EventStream stream = c.observeStream(str(required(args, "intent_id", op)), streamOptions(args, options));
                return collect(running, stream, (Integer) args.get("max_events"));
            }
            case "wait_for":
                only(args, op, "intent_id", "since", "wait_seconds", "timeout_ms");
                return await(running, c.waitForAsync(str(required(args, "intent_id", op)), streamOptions(args, options)));
            case "listen": {
                only(args, op, "address", "since", "wait_seconds", "status", "timeout_ms", "max_events");
                EventStream stream = c.listen(str(required(args, "address", op)), streamOptions(args, options));
                return collect(running, stream, (Integer) required(args, "max_events", op));
            }
            case "mcp_initialize":
                only(args, op, "protocol_version");
                return c.mcpInitialize((String) args.get("protocol_version"), o);
            case "mcp_list_tools":
                only(args, op);
                return c.mcpListTools(o);
            case "mcp_call_tool":
                only(args, op, "name", "arguments");
                return c.mcpCallTool(str(required(args, "name", op)),
                        args.get("arguments") == null ? null : map(args.get("arguments")), o);
            case "mesh.heartbeat":
                only(args, op, "address", "metrics");
                if (args.get("address") != null) {
                    throw new Errors.Unsupported("mesh heartbeat of the Java SDK takes no address: it beats for the credential's agent");
                }
                return await(running, c.getMesh().heartbeatAsync(
                        args.get("metrics") == null ? null : map(args.get("metrics")), o));
            case "mesh.report_metric":
                only(args, op, "success", "latency_ms", "cost_usd");
                c.getMesh().reportMetric(!Boolean.FALSE.equals(args.get("success")), dbl(args.get("latency_ms")),
                        dbl(args.get("cost_usd")));
                return Map.of();
            case "mesh.flush_metrics":
                only(args, op);
                return c.getMesh().flushMetrics(o);
            case "mesh.kill":
                only(args, op, "address_id");
                return await(running, c.getMesh().killAsync(str(required(args, "address_id", op)), o));
            case "mesh.resume":
                only(args, op, "address_id");
                return await(running, c.getMesh().resumeAsync(str(required(args, "address_id", op)), o));
            case "call":
                only(args, op, "method", "args");
                return call(c, str(required(args, "method", op)),
                        args.get("args") == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map(args.get("args"))),
                        o, running);
            default:
                throw new Errors.Unsupported("unknown op " + op);
        }
    }

    /** The future's value; a `cancel` request cancels the future (and so the core's call). */
    private static <T> T await(Driver.Running running, CompletableFuture<T> future) throws Exception {
        running.onCancel(() -> future.cancel(true));
        return future.get();
    }

    private static Map<String, Object> collect(Driver.Running running, EventStream stream, Integer max) {
        running.onCancel(stream::close);
        List<Object> events = new ArrayList<>();
        try (stream) {
            if (max == null || max > 0) {
                for (Map<String, Object> item : stream) {
                    events.add(item);
                    if (max != null && events.size() >= max) {
                        break;
                    }
                }
            }
        }
        if (running.canceled) {
            // The stream ended because a `cancel` request closed it.
            throw new java.util.concurrent.CancellationException("closed by a cancel request");
        }
        return Map.of("events", events);
    }

    /** A generated operation by its SDK method name in snake_case (`list_inbox`, `mesh.list_agents`). */
    @SuppressWarnings("unchecked")
    private static Object call(AxmeClient c, String method, Map<String, Object> given, RequestOptions o,
            Driver.Running running) throws Exception {
        Object owner = method.startsWith("mesh.") ? c.getMesh() : c;
        String name = camel(method.startsWith("mesh.") ? method.substring(5) : method) + "Async";
        Method m = Arrays.stream(owner.getClass().getMethods())
                .filter(x -> x.getName().equals(name) && x.getDeclaringClass().getSimpleName().endsWith("Operations"))
                .findFirst()
                .orElseThrow(() -> new Errors.Unsupported("the Java SDK has no operation method " + name));
        // Per-call options given among the arguments (owner_agent, ...) go where the SDK takes them.
        RequestOptions.Builder merged = RequestOptions.builder()
                .idempotencyKey(o.getIdempotencyKey()).traceId(o.getTraceId()).ownerAgent(o.getOwnerAgent())
                .timeoutSeconds(o.getTimeoutSeconds());
        for (String option : List.of("owner_agent", "x_owner_agent", "idempotency_key", "trace_id", "authorization")) {
            Object v = given.get(option);
            if (v == null || Arrays.stream(m.getParameters()).anyMatch(p -> snake(p.getName()).equals(option))) {
                continue;
            }
            given.remove(option);
            switch (option) {
                case "owner_agent" -> merged.ownerAgent(str(v));
                case "x_owner_agent" -> merged.xOwnerAgent(str(v));
                case "idempotency_key" -> merged.idempotencyKey(str(v));
                case "trace_id" -> merged.traceId(str(v));
                default -> merged.authorization(str(v));
            }
        }
        o = merged.build();
        Parameter[] params = m.getParameters();
        Object[] values = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            Parameter p = params[i];
            if (p.getType() == RequestOptions.class) {
                values[i] = o;
                continue;
            }
            String key = snake(p.getName());
            if (!given.containsKey(key) && key.endsWith("_value")) {
                key = key.substring(0, key.length() - 6);
            }
            values[i] = convert(given.remove(key), p.getType());
        }
        if (!given.isEmpty()) {
            throw new Errors.Unsupported(name + " of the Java SDK takes no " + given.keySet());
        }
        CompletableFuture<Object> future;
        try {
            future = (CompletableFuture<Object>) m.invoke(owner, values);
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
        Object result = await(running, future);
        return result instanceof byte[] b ? Map.of("$bytes", Base64.getEncoder().encodeToString(b)) : result;
    }

    @SuppressWarnings("unchecked")
    private static Object convert(Object v, Class<?> type) {
        v = fromProtocol(v);
        if (v == null) {
            return null;
        }
        if (type == Integer.class && v instanceof Number n) {
            return n.intValue();
        }
        if (type == Long.class && v instanceof Number n) {
            return n.longValue();
        }
        if (type == Double.class && v instanceof Number n) {
            return n.doubleValue();
        }
        if (type.isInstance(v)) {
            return v;
        }
        if (type == Map.class || type == List.class || type == Object.class) {
            return v;
        }
        throw new IllegalArgumentException("expected " + type.getSimpleName() + ", got " + v);
    }

    /** `{"$bytes": "<base64>"}` → byte[] (driver-protocol.md, Bytes), anywhere in `value`. */
    @SuppressWarnings("unchecked")
    private static Object fromProtocol(Object value) {
        if (value instanceof Map<?, ?> m) {
            if (m.size() == 1 && m.get("$bytes") instanceof String s) {
                return Base64.getDecoder().decode(s);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, x) -> out.put(k, fromProtocol(x)));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(fromProtocol(x)));
            return out;
        }
        return value;
    }

    private static AxmeClientConfig config(Map<String, Object> config) {
        AxmeClientConfig.Builder b = AxmeClientConfig.builder();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "base_url" -> b.baseUrl((String) v);
                case "api_key" -> b.apiKey((String) v);
                case "actor_token" -> b.actorToken((String) v);
                case "bearer_token" -> b.bearerToken((String) v);
                case "timeout_seconds" -> b.timeoutSeconds(dbl(v));
                case "max_retries" -> b.maxRetries(integer(v));
                case "retry_backoff_seconds" -> b.retryBackoffSeconds(dbl(v));
                case "retry_backoff_cap_seconds" -> b.retryBackoffCapSeconds(dbl(v));
                case "retry_budget" -> b.retryBudget(integer(v));
                case "auto_trace_id" -> b.autoTraceId((Boolean) v);
                case "auto_idempotency_key" -> b.autoIdempotencyKey((Boolean) v);
                case "default_owner_agent" -> b.defaultOwnerAgent((String) v);
                case "mcp_endpoint_path" -> b.mcpEndpointPath((String) v);
                case "mcp_protocol_version" -> b.mcpProtocolVersion((String) v);
                default -> throw new IllegalArgumentException("unknown config field " + e.getKey());
            }
        }
        return b.build();
    }

    private static RequestOptions requestOptions(Map<String, Object> options) {
        only(options, "options", "idempotency_key", "trace_id", "owner_agent", "timeout_ms");
        return RequestOptions.builder()
                .idempotencyKey((String) options.get("idempotency_key"))
                .traceId((String) options.get("trace_id"))
                .ownerAgent((String) options.get("owner_agent"))
                .timeoutSeconds(options.get("timeout_ms") == null ? null : dbl(options.get("timeout_ms")) / 1000)
                .build();
    }

    /** observe/wait_for/listen options; `timeout_ms` may come as an argument or a per-call option. */
    private static ObserveOptions streamOptions(Map<String, Object> args, Map<String, Object> options) {
        ObserveOptions.Builder b = ObserveOptions.builder();
        if (args.get("since") != null) {
            b.since(((Number) args.get("since")).longValue());
        }
        if (args.get("wait_seconds") != null) {
            b.waitSeconds(integer(args.get("wait_seconds")));
        }
        if (args.get("poll_interval_ms") != null) {
            b.pollIntervalSeconds(dbl(args.get("poll_interval_ms")) / 1000);
        }
        Object timeout = args.get("timeout_ms") != null ? args.get("timeout_ms") : options.get("timeout_ms");
        if (timeout != null) {
            b.timeoutSeconds(dbl(timeout) / 1000);
        }
        Object status = args.get("status");
        if (status instanceof String s) {
            b.status(Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList());
        } else if (status instanceof List<?> l) {
            b.status(l.stream().map(String::valueOf).toList());
        }
        return b.build();
    }

    private static void only(Map<String, Object> args, String op, String... accepted) {
        Set<String> ok = Set.of(accepted);
        List<String> unknown = args.keySet().stream().filter(k -> !ok.contains(k)).toList();
        if (!unknown.isEmpty()) {
            throw new Errors.DriverMisuse(op + ": unknown argument(s) " + unknown + "; accepted: " + ok);
        }
    }

    private static Object required(Map<String, Object> args, String name, String op) {
        Object v = args.get(name);
        if (v == null) {
            throw new Errors.DriverMisuse(op + ": argument " + name + " is required");
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v) {
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object, got " + v);
        }
        return (Map<String, Object>) v;
    }

    private static String str(Object v) {
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("expected a string, got " + v);
        }
        return s;
    }

    private static Double dbl(Object v) {
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("expected a number, got " + v);
        }
        return n.doubleValue();
    }

    private static Integer integer(Object v) {
        if (v == null) {
            return null;
        }
        if (!(v instanceof Integer i)) {
            throw new IllegalArgumentException("expected an integer, got " + v);
        }
        return i;
    }

    private static String camel(String snake) {
        StringBuilder out = new StringBuilder();
        boolean up = false;
        for (char ch : snake.toCharArray()) {
            if (ch == '_') {
                up = true;
            } else {
                out.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return out.toString();
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase();
    }
}
