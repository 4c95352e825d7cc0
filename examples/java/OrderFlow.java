// Order flow: an order crosses inventory, payment and shipping agents, one intent each with the
// order id as correlation id; the shop follows every step event by event. --decline fails the
// payment and releases the stock.
//
//   AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \
//     java -cp "$(cat target/java/classpath.txt)" examples/java/OrderFlow.java [--decline]

import dev.axme.sdk.AxmeClient;
import dev.axme.sdk.AxmeClientConfig;
import dev.axme.sdk.EventStream;
import dev.axme.sdk.ObserveOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

public final class OrderFlow {
    static final String INVENTORY = "agent://shop/prod/inventory";
    static final String PAYMENT = "agent://shop/prod/payment";
    static final String SHIPPING = "agent://shop/prod/shipping";

    static AxmeClientConfig config() {
        return new AxmeClientConfig(System.getenv().getOrDefault("AXME_BASE_URL", "http://127.0.0.1:8100"),
                System.getenv("AXME_API_KEY"));
    }

    /** Serves `jobs` intents of this order on `address`: ack, progress, then complete or fail. */
    static Thread agent(String address, String orderId, int jobs, Function<Map<?, ?>, Map<String, Object>> work) {
        Thread t = new Thread(() -> {
            int left = jobs;
            try (AxmeClient client = new AxmeClient(config());
                    EventStream deliveries = client.listen(address, ObserveOptions.builder().timeoutSeconds(60.0).build())) {
                for (Map<String, Object> delivery : deliveries) {
                    if (!orderId.equals(delivery.get("correlation_id"))) {
                        continue; // another order's work
                    }
                    String id = (String) delivery.get("intent_id");
                    client.resumeIntent(id, Map.of("action", "ack"), null);
                    client.resumeIntent(id, Map.of("action", "progress", "message", address + " working"), null);
                    Map<String, Object> outcome = work.apply((Map<?, ?>) delivery.get("payload"));
                    boolean ok = !Boolean.FALSE.equals(outcome.get("ok"));
                    client.resumeIntent(id, ok ? Map.of("action", "complete", "result", outcome)
                            : Map.of("action", "fail", "error", outcome), null);
                    if (--left == 0) {
                        return;
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Sends one step of the order and prints its events until it ends; returns the final intent. */
    static Map<?, ?> runStep(AxmeClient shop, String orderId, String to, String type, Map<String, Object> payload)
            throws Exception {
        String id = shop.sendIntent(Map.of("intent_type", type, "to_agent", to, "payload", payload,
                "correlation_id", orderId), null);
        for (Map<String, Object> event : shop.observe(id, new ObserveOptions(0, 1.0, 60.0))) {
            Object details = event.get("details");
            Object note = details instanceof Map<?, ?> d && d.get("message") != null ? d.get("message") : "";
            System.out.printf("  %-22s #%s %-20s %s%n", type, event.get("seq"), event.get("event_type"), note);
        }
        return (Map<?, ?>) shop.getIntent(id, null).get("intent");
    }

    public static void main(String[] args) throws Exception {
        boolean decline = List.of(args).contains("--decline");
        String orderId = UUID.randomUUID().toString();
        Map<String, Object> order = Map.of("order_id", orderId, "sku", "KB-42", "quantity", 2, "amount_cents", 12900);
        List<Thread> workers = new ArrayList<>();
        workers.add(agent(INVENTORY, orderId, decline ? 2 : 1,
                p -> Map.of("reservation", "res-" + p.get("sku"), "released", Boolean.TRUE.equals(p.get("release")))));
        workers.add(agent(PAYMENT, orderId, 1, p -> decline ? Map.of("ok", false, "reason", "card_declined")
                : Map.of("charge_id", "ch_1", "amount_cents", p.get("amount_cents"))));
        if (!decline) {
            workers.add(agent(SHIPPING, orderId, 1, p -> Map.of("tracking", "1Z999AA10123456784")));
        }
        int status = 0;
        try (AxmeClient shop = new AxmeClient(config())) {
            System.out.println("shop: order " + orderId);
            Map<?, ?> reserved = runStep(shop, orderId, INVENTORY, "inventory.reserve.v1", order);
            System.out.println("shop: stock reserved (" + ((Map<?, ?>) reserved.get("result")).get("reservation") + ")");
            Map<?, ?> paid = runStep(shop, orderId, PAYMENT, "payment.charge.v1", order);
            if (!"COMPLETED".equals(paid.get("status"))) {
                System.out.println("shop: payment " + paid.get("status") + " ("
                        + ((Map<?, ?>) paid.get("error")).get("reason") + "); releasing the stock");
                Map<String, Object> release = new HashMap<>(order);
                release.put("release", true);
                runStep(shop, orderId, INVENTORY, "inventory.release.v1", release);
                status = 1;
            } else {
                System.out.println("shop: paid (" + ((Map<?, ?>) paid.get("result")).get("charge_id") + ")");
                Map<?, ?> shipped = runStep(shop, orderId, SHIPPING, "shipping.dispatch.v1", order);
                System.out.println("shop: shipped, tracking " + ((Map<?, ?>) shipped.get("result")).get("tracking"));
            }
        }
        for (Thread w : workers) {
            w.join();
        }
        System.exit(status);
    }
}
