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
