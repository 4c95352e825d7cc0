// Takes the screenshot of the mesh dashboard in the docs: a reference server with a few agents that
// heartbeat with metrics, one killed, then the page in headless Chromium.
//
//   node scripts/dashboard-screenshot.mjs [OUT.png]      (default: ../docs/dashboard.png)

import { resolve } from "node:path";

import { ROOT, call, createAgentKey, heartbeat, launchBrowser, startServer } from "../lib/axme.mjs";

const out = resolve(process.argv[2] || resolve(ROOT, "docs", "dashboard.png"));
const server = await startServer();
const chromium = await launchBrowser({ viewport: { width: 1440, height: 860 } });
try {
  const agents = {
    billing: { intents_total: 42, intents_succeeded: 41, intents_failed: 1, avg_latency_ms: 84, cost_usd: 1.26 },
    payments: { intents_total: 17, intents_succeeded: 14, intents_failed: 3, avg_latency_ms: 312, cost_usd: 0.87 },
    inventory: { intents_total: 9, intents_succeeded: 9, intents_failed: 0, avg_latency_ms: 23, cost_usd: 0.0042 },
    "support-triage": { intents_total: 120, intents_succeeded: 118, intents_failed: 2, avg_latency_ms: 1450, cost_usd: 6.4 },
  };
  for (const [name, metrics] of Object.entries(agents)) {
    const agent = await createAgentKey(server, name);
    await heartbeat(server, agent.key, metrics);
    for (let i = 0; i < 2; i += 1) {
      await call(server, server.apiKey, "POST", "/v1/intents", {
        intent_type: "ops.task.v1",
        to_agent: agent.address,
        payload: { n: i },
      });
    }
  }
  // An agent that was sent work but never heartbeated, and one killed by the operator.
  await call(server, server.apiKey, "POST", "/v1/intents", {
    intent_type: "shipping.dispatch.v1",
    to_agent: "agent://dev/default/shipping",
    payload: {},
  });
  await call(server, server.apiKey, "POST", "/v1/mesh/agents/dev%2Fdefault%2Fpayments/kill", {});

  const page = await chromium.context.newPage();
  await page.goto(server.url + "/dashboard");
  await page.fill("#key", server.apiKey);
  await page.click("#connect");
  await page.locator('tr[data-agent="agent://dev/default/support-triage"]').waitFor();
  await page.locator('#events li[data-event="agent.killed"]').waitFor();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await chromium.close();
  await server.stop();
}
