// Shared support for the browser tests: the reference server as a child process on port 0, small
// HTTP helpers for its API, and headless Debian Chromium through playwright-core.

import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEBUG_SERVER = join(ROOT, "target", "debug", "axme-server");

/** The server binary: AXME_SERVER_BIN, else target/debug/axme-server (built when missing). */
function serverBinary() {
  if (process.env.AXME_SERVER_BIN) return process.env.AXME_SERVER_BIN;
  if (!existsSync(DEBUG_SERVER)) {
    execFileSync("cargo", ["build", "-p", "axme-server", "--bin", "axme-server"], { cwd: ROOT, stdio: "inherit" });
  }
  return DEBUG_SERVER;
}

/**
 * Starts `axme-server` on a fresh data dir and a free port; resolves when it prints the URL it
 * listens on. Returns `{url, apiKey, dataDir, stop()}`.
 */
export async function startServer(extraArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), "axme-e2e-"));
  const child = spawn(serverBinary(), ["--data-dir", dataDir, "--listen", "127.0.0.1:0", "--log", "warn", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));
  const reap = () => child.kill("SIGKILL");
  process.once("exit", reap);
  const url = await new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const m = /^listening on (\S+)/.exec(line);
      if (m) res(m[1]);
    });
    exited.then((how) => rej(new Error(`axme-server exited before listening (${JSON.stringify(how)}): ${stderr}`)));
  });
  const apiKey = readFileSync(join(dataDir, "dev-api-key"), "utf8").trim();
  let stopped = false;
  return {
    url,
    apiKey,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill("SIGTERM");
      await exited;
      process.removeListener("exit", reap);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One API call; resolves to `{status, body}` (body parsed as JSON when it is JSON). */
export async function call(server, key, method, path, body) {
  const resp = await fetch(server.url + path, {
    method,
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // an SSE body or empty
  }
  return { status: resp.status, body: parsed };
}

/** A new service account of the dev organisation and its API key (through the admin API). */
export async function createAgentKey(server, name) {
  const created = await call(server, server.apiKey, "POST", "/v1/service-accounts", {
    org_id: "dev",
    workspace_id: "default",
    name,
  });
  if (created.status !== 200) throw new Error(`service account: ${JSON.stringify(created.body)}`);
  const id = created.body.service_account.service_account_id;
  const key = await call(server, server.apiKey, "POST", `/v1/service-accounts/${id}/keys`, {});
  if (key.status !== 200) throw new Error(`key: ${JSON.stringify(key.body)}`);
  return { address: `agent://dev/default/${name}`, key: key.body.api_key };
}

/** A heartbeat from an agent's key, with metrics (`{intents_total, ..., cost_usd}`) or none. */
export async function heartbeat(server, key, metrics) {
  const resp = await call(server, key, "POST", "/v1/mesh/heartbeat", metrics ? { metrics } : {});
  if (resp.status !== 200) throw new Error(`heartbeat: ${JSON.stringify(resp.body)}`);
  return resp.body;
}

/** Opens an agent's listen stream for one second and returns the HTTP status. */
export async function listenStatus(server, key, address) {
  const path = `/v1/agents/${address.replace(/^agent:\/\//, "")}/intents/stream?wait_seconds=1`;
  const resp = await fetch(server.url + path, { headers: { "x-api-key": key } });
  await resp.body?.cancel();
  return resp.status;
}

/**
 * Headless Debian Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH) with a fresh profile (its
 * `--user-data-dir`, which playwright takes as the persistent context's directory) and no
 * background traffic. Returns `{context, close()}`.
 */
export async function launchBrowser(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), "axme-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
