// The mesh dashboard (`/dashboard` of the reference server) in headless Chromium: the key prompt,
// agents appearing after heartbeats with the usage and cost they reported, the kill switch from
// the page (the agent's next listen is refused) and resume (it is served again), the event log.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { createAgentKey, heartbeat, launchBrowser, listenStatus, startServer } from "../lib/axme.mjs";

let server;
let chromium;

before(async () => {
  server = await startServer();
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

test("the page is served with its assets and a strict content security policy", async () => {
  for (const [path, type] of [
    ["/dashboard", "text/html"],
    ["/dashboard/app.js", "text/javascript"],
    ["/dashboard/style.css", "text/css"],
  ]) {
    const resp = await fetch(server.url + path);
    assert.equal(resp.status, 200, path);
    assert.match(resp.headers.get("content-type"), new RegExp(type));
    assert.match(resp.headers.get("content-security-policy"), /script-src 'self'/);
    await resp.text();
  }
});

test("a wrong key is refused on the page and the key prompt stays", async () => {
  const page = await chromium.context.newPage();
  await page.goto(server.url + "/dashboard");
  await page.fill("#key", "axme_sa_0000000000000000_wrong");
  await page.click("#connect");
  await page.locator("#login-error").waitFor({ state: "visible" });
  assert.match(await page.textContent("#login-error"), /refused/);
  assert.equal(await page.isVisible("#board"), false);
  await page.close();
});

test("agents appear after heartbeats; kill and resume from the page switch their listen stream", async () => {
  const worker = await createAgentKey(server, "worker");
  const idle = await createAgentKey(server, "idle");
  // Two heartbeats of buffered metrics, as an SDK's report_metric + heartbeat would send them.
  const metrics = { intents_total: 3, intents_succeeded: 2, intents_failed: 1, avg_latency_ms: 12.5, cost_usd: 0.25 };
  await heartbeat(server, worker.key, metrics);
  await heartbeat(server, worker.key, metrics);

  const page = await chromium.context.newPage();
  await page.goto(server.url + "/dashboard");
  assert.equal(await page.isVisible("#login"), true, "the page asks for a key first");
  await page.fill("#key", server.apiKey);
  await page.click("#connect");

  const row = page.locator(`tr[data-agent="${worker.address}"]`);
  await row.waitFor();
  const cell = (col) => row.locator(`[data-col="${col}"]`).innerText();
  assert.equal(await cell("health"), "healthy");
  assert.match(await cell("heartbeat"), /s ago$/);
  assert.match(await cell("handled"), /^6\b/);
  assert.equal(await cell("success"), "67%");
  assert.equal(await cell("latency"), "13 ms");
  assert.equal(await cell("cost-day"), "$0.50");
  assert.equal(await cell("cost-week"), "$0.50");
  assert.equal(await cell("cost-month"), "$0.50");
  // The key is kept for this tab's session only.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("axme.dashboard.api_key")), server.apiKey);
  assert.equal(await page.evaluate(() => localStorage.length), 0);

  // An agent that starts heartbeating later shows up without a reload.
  assert.equal(await page.locator(`tr[data-agent="${idle.address}"]`).count(), 0);
  await heartbeat(server, idle.key);
  await page.locator(`tr[data-agent="${idle.address}"] [data-col="health"]`).filter({ hasText: "healthy" }).waitFor();

  // Kill asks for confirmation; cancelling changes nothing.
  assert.equal(await listenStatus(server, worker.key, worker.address), 200);
  await row.locator('button[data-action="kill"]').click();
  await page.locator("#confirm").waitFor({ state: "visible" });
  assert.match(await page.textContent("#confirm-title"), /Kill agent:\/\/dev\/default\/worker/);
  await page.click("#confirm-cancel");
  assert.equal(await listenStatus(server, worker.key, worker.address), 200);

  await row.locator('button[data-action="kill"]').click();
  await page.click("#confirm-ok");
  await row.locator('[data-col="health"]').filter({ hasText: "killed" }).waitFor();
  assert.equal(await listenStatus(server, worker.key, worker.address), 403, "a killed agent's listen is refused");
  await page.locator('#events li[data-event="agent.killed"]').first().waitFor();
  assert.match(await page.locator("[data-health=killed] b").innerText(), /^1$/);

  await row.locator('button[data-action="resume"]').click();
  await page.click("#confirm-ok");
  await row.locator('[data-col="health"]').filter({ hasText: "healthy" }).waitFor();
  assert.equal(await listenStatus(server, worker.key, worker.address), 200, "resume lets it listen again");
  await page.locator('#events li[data-event="agent.resumed"]').first().waitFor();

  // Forgetting the key returns to the prompt.
  await page.click("#forget");
  await page.locator("#login").waitFor({ state: "visible" });
  assert.equal(await page.evaluate(() => sessionStorage.getItem("axme.dashboard.api_key")), null);
  await page.close();
});
