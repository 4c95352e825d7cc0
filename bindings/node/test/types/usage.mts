// Type-checked by tsc in test/types.test.js: the public API as an ES module user writes it.
// `@ts-expect-error` lines must stay errors.
import {
  AxmeClient,
  AxmeError,
  AxmeHttpError,
  AxmeConflictError,
  AxmeRateLimitError,
  AxmeTimeoutError,
  AxmeValidationError,
  VERSION,
  type AxmeClientConfig,
  type AxmeDelivery,
  type AxmeIntentEvent,
  type AxmeStream,
} from '@axme/axme';

const config: AxmeClientConfig = { apiKey: 'k', baseUrl: 'http://127.0.0.1:8100', maxRetries: 2, timeoutMs: 5000 };
const client = new AxmeClient(config);
new AxmeClient();
// @ts-expect-error: unknown config option
new AxmeClient({ apiKey: 'k', fetchImpl: fetch });
// @ts-expect-error: timeoutMs is a number
new AxmeClient({ timeoutMs: '5s' });

export async function flow(signal: AbortSignal): Promise<string> {
  const id: string = await client.sendIntent(
    { intent_type: 'notify.message.v1', to_agent: 'agent://acme/prod/billing', payload: {} },
    { idempotencyKey: 'k1', traceId: 't1', signal },
  );
  // Generated operation methods are merged into the class.
  const got = await client.getIntent(id, { signal });
  void got;
  const terminal: AxmeIntentEvent = await client.waitFor(id, { timeoutMs: 30_000, signal });
  const status: string = terminal.status;
  const events: AxmeStream<AxmeIntentEvent> = client.observe(id, { since: 0, waitSeconds: 15, pollIntervalMs: 500 });
  for await (const ev of events) {
    const seq: number = ev.seq;
    void seq;
    break;
  }
  for await (const d of client.listen('agent://acme/prod/billing', { status: ['DELIVERED'], signal })) {
    const delivery: AxmeDelivery = d;
    await client.cancelIntent(delivery.intent_id, { reason: 'demo', ownerAgent: 'agent://acme/prod/billing' });
    break;
  }
  // @ts-expect-error: sendIntent returns the id, not the response
  const wrong: Record<string, unknown> = await client.sendIntent({});
  void wrong;
  // @ts-expect-error: waitFor needs an intent id
  await client.waitFor();
  return status + VERSION;
}

export async function mcpAndMesh(signal: AbortSignal): Promise<void> {
  const init: Record<string, unknown> = await client.mcpInitialize({ protocolVersion: '2025-11-25', timeoutMs: 500, signal });
  void init;
  await client.mcpListTools({ traceId: 't' });
  await client.mcpCallTool('axme.status', { arguments: { x: 1 }, ownerAgent: 'agent://a', idempotencyKey: 'k', retryable: true });
  // @ts-expect-error: the tool name comes first
  await client.mcpCallTool({ name: 'axme.status' });
  // Generated methods take per-call timeoutMs and signal.
  await client.listIntents({ limit: 5, timeoutMs: 1000, signal });
  const beat = await client.mesh.heartbeat({ metrics: { intents_total: 1 }, timeoutMs: 1000 });
  const health: string = beat.health_status;
  void health;
  client.mesh.reportMetric({ success: true, latencyMs: 12, costUsd: 0.1 });
  const buffered = client.mesh.bufferedMetrics;
  if (buffered !== null) void buffered.intents_total;
  client.mesh.startHeartbeat({ intervalMs: 30_000, includeMetrics: true });
  const running: boolean = client.mesh.heartbeatRunning;
  void running;
  await client.mesh.stopHeartbeat();
  await client.mesh.flushMetrics({ signal });
  await client.mesh.listAgents({ limit: 10, health: 'healthy' });
  await client.mesh.kill('agt_x', { traceId: 't' });
  await client.mesh.resume('agt_x');
  await client.mesh.listEvents({ eventType: 'agent.killed' });
  // @ts-expect-error: intervalMs is a number of milliseconds
  client.mesh.startHeartbeat({ intervalMs: '30s' });
}

export function handle(e: unknown): number | undefined {
  if (e instanceof AxmeRateLimitError) return e.retryAfter;
  if (e instanceof AxmeConflictError) {
    const v: AxmeValidationError = e;
    return v.statusCode;
  }
  if (e instanceof AxmeHttpError) {
    const s: number = e.statusCode;
    const r: string | undefined = e.requestId;
    void r;
    return s;
  }
  if (e instanceof AxmeTimeoutError) return e.statusCode;
  if (e instanceof AxmeError) {
    const kind: 'timeout' | 'connection' | string = e.kind;
    void kind;
  }
  return undefined;
}
