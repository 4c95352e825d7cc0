// Benchmark of the TypeScript SDK against the reference server (a separate process).
//
// 1. Sequential getIntent calls per second through AxmeClient versus a plain `fetch` client doing
//    the same request (same headers, JSON parsed); rounds alternate so drift hits both. Target ≥ 1.0×.
// 2. waitFor wake-up: a waitFor parked on an intent's event stream; the clock starts when a plain
//    fetch sends the resolve and stops when waitFor resolves (the resolve's own durable round trip
//    is reported beside it). Target p50 ≤ 5 ms.
//
//   node bench/bench.mjs     (build the addon with `npm run build` first for release numbers)
// Tunables: AXME_BENCH_CALLS (3000 per round), AXME_BENCH_ROUNDS (4), AXME_BENCH_WAKEUPS (200),
// AXME_SERVER_BIN (default: target/release/axme-server, else target/debug/axme-server).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const helpers = require('../test/helpers.js');
const { AxmeClient } = require('../index.js');

const CALLS = Number(process.env.AXME_BENCH_CALLS ?? 3000);
const ROUNDS = Number(process.env.AXME_BENCH_ROUNDS ?? 4);
const WAKEUPS = Number(process.env.AXME_BENCH_WAKEUPS ?? 200);

const release = join(helpers.ROOT, 'target', 'release', 'axme-server');
if (!process.env.AXME_SERVER_BIN && existsSync(release)) process.env.AXME_SERVER_BIN = release;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const server = await helpers.startServer();
try {
  const client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url, autoTraceId: false });
  const id = await client.sendIntent({ intent_type: 'bench.get.v1', to_agent: 'agent://bench/x/y', payload: {} });
  const url = `${server.url}/v1/intents/${id}`;
  const headers = { 'x-api-key': server.apiKey, accept: 'application/json' };
  const viaFetch = async () => {
    const r = await fetch(url, { headers });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  };
  const viaSdk = () => client.getIntent(id);
  const rate = async (fn, n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return n / ((performance.now() - t0) / 1000);
  };
  await rate(viaFetch, 300);
  await rate(viaSdk, 300);
  const sdk = [];
  const plain = [];
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(await rate(viaFetch, CALLS));
    sdk.push(await rate(viaSdk, CALLS));
  }
  const median = (xs) => pct(xs, 50);
  const ratio = median(sdk) / median(plain);
  console.log(`getIntent sequential: SDK ${median(sdk).toFixed(0)}/s, fetch ${median(plain).toFixed(0)}/s, ratio ${ratio.toFixed(2)}× (target ≥ 1.0×) [${ROUNDS} rounds × ${CALLS} calls]`);

  const wake = [];
  const acks = [];
  for (let i = 0; i < WAKEUPS + 20; i++) {
    const intentId = await client.sendIntent({ intent_type: 'bench.get.v1', to_agent: 'agent://bench/x/y', payload: {} });
    const done = client.waitFor(intentId, { since: 3 }).then(() => performance.now());
    await sleep(5); // let the stream park
    const t0 = performance.now();
    const r = await fetch(`${server.url}/v1/intents/${intentId}/resolve`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{"status":"COMPLETED"}',
    });
    const acked = performance.now();
    if (!r.ok) throw new Error(`resolve: HTTP ${r.status}`);
    const woke = await done;
    if (i >= 20) {
      wake.push(woke - t0);
      acks.push(acked - t0);
    }
  }
  console.log(
    `waitFor wake-up: p50 ${pct(wake, 50).toFixed(2)} ms, p99 ${pct(wake, 99).toFixed(2)} ms (target p50 ≤ 5 ms); ` +
      `resolve round trip p50 ${pct(acks, 50).toFixed(2)} ms [${WAKEUPS} samples]`,
  );
} finally {
  await server.stop();
}
