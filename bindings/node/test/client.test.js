'use strict';
// The TypeScript SDK against the reference server: the served intent operations, observe/listen,
// abort, retries. Each test that inspects traffic uses its own fault credential (an isolated
// organisation whose requests the server journals).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, Faults, until } = require('./helpers.js');

let server;
let faults;
let client;

const intent = (to = 'agent://acme/prod/billing', extra = {}) => ({
  intent_type: 'notify.message.v1',
  to_agent: to,
  payload: { text: 'hello' },
  ...extra,
});

/** A client on a fresh fault credential, with its credential id. */
async function isolated(config = {}) {
  const cred = await faults.credential();
  return { cred, client: new AxmeClient({ apiKey: cred.api_key, baseUrl: server.url, ...config }) };
}

async function openStreams() {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = text.match(/sse_open_streams(?:\{[^}]*\})? (\d+)/);
  assert.ok(m, 'the server exports sse_open_streams');
  return Number(m[1]);
}

before(async () => {
  server = await startServer();
  faults = new Faults(server.url);
  client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
});

describe('intent operations', () => {
  it('health and capabilities', async () => {
    assert.equal((await client.health()).ok, true);
    const caps = await client.getCapabilities();
    assert.equal(caps.ok, true);
  });

  it('sendIntent returns the id; getIntent and listIntentEvents read it back', async () => {
    const corr = randomUUID();
    const id = await client.sendIntent(intent(), { correlationId: corr });
    assert.match(id, /^[0-9a-f-]{36}$/);
    const got = await client.getIntent(id);
    assert.equal(got.intent.intent_id, id);
    assert.equal(got.intent.correlation_id, corr);
    assert.equal(got.intent.status, 'DELIVERED');
    const events = await client.listIntentEvents(id);
    assert.deepEqual(
      events.events.map((e) => e.event_type),
      ['intent.created', 'intent.submitted', 'intent.delivered'],
    );
    const later = await client.listIntentEvents(id, { since: 2 });
    assert.deepEqual(
      later.events.map((e) => e.seq),
      [3],
    );
  });

  it('createIntent sends the correlation id and answers the create response', async () => {
    const corr = randomUUID();
    const created = await client.createIntent(intent(), { correlationId: corr });
    assert.equal(created.ok, true);
    assert.equal(created.status, 'DELIVERED');
    assert.equal((await client.getIntent(created.intent_id)).intent.correlation_id, corr);
  });

  it('an agent moves its intent with resumeIntent; waitFor returns the terminal event', async () => {
    const agent = `agent://acme/prod/worker-${randomUUID().slice(0, 8)}`;
    const id = await client.sendIntent(intent(agent));
    const done = client.waitFor(id, { timeoutMs: 10_000 });
    for (const body of [{ action: 'ack' }, { action: 'progress', message: 'half way' }]) {
      const r = await client.resumeIntent(id, body, { ownerAgent: agent });
      assert.equal(r.ok, true);
    }
    await client.resumeIntent(id, { action: 'complete', result: { answer: 42 } }, { xOwnerAgent: agent });
    const terminal = await done;
    assert.equal(terminal.status, 'COMPLETED');
    assert.equal(terminal.event_type, 'intent.completed');
    const got = await client.getIntent(id);
    assert.deepEqual(got.intent.result, { answer: 42 });
  });

  it('resolveIntent completes; a second terminal transition is a conflict', async () => {
    const id = await client.sendIntent(intent());
    const r = await client.resolveIntent(id, { status: 'COMPLETED', result: { ok: 1 } });
    assert.equal(r.intent.status, 'COMPLETED');
    await assert.rejects(client.resolveIntent(id, { status: 'FAILED' }), (e) => {
      assert.ok(e instanceof axme.AxmeConflictError);
      assert.ok(e instanceof axme.AxmeValidationError, '409 stays a validation error, as upstream');
      assert.equal(e.statusCode, 409);
      assert.equal(e.kind, 'conflict');
      assert.equal(e.code, 'intent_already_terminal');
      return true;
    });
  });

  it('cancelIntent resolves with CANCELED and the reason', async () => {
    const id = await client.sendIntent(intent());
    const r = await client.cancelIntent(id, { reason: 'no longer needed' });
    assert.equal(r.intent.status, 'CANCELED');
    assert.equal(r.event.details.reason, 'no longer needed');
  });

  it('listIntents, updateIntentControls and updateIntentPolicy', async () => {
    const { client: c } = await isolated();
    const id = await c.sendIntent(intent());
    const list = await c.listIntents();
    assert.deepEqual(
      list.intents.map((i) => i.intent_id),
      [id],
    );
    const controls = await c.updateIntentControls(id, { controls_patch: { priority: 'high' } });
    assert.equal(controls.ok, true);
    assert.equal(controls.applied, true);
    const policy = await c.updateIntentPolicy(id, {
      grants_patch: { approvers: ['agent://acme/prod/lead'] },
      expected_policy_generation: 0,
    });
    assert.equal(policy.ok, true);
    const stale = await c.updateIntentPolicy(id, { grants_patch: { x: 1 }, expected_policy_generation: 0 });
    assert.equal(stale.applied, false);
    assert.equal(stale.reason, 'stale_policy_generation');
  });

  it('the same idempotency key replays the create; another body with it is a conflict', async () => {
    const key = `k-${randomUUID()}`;
    const body = intent('agent://acme/prod/billing', { correlation_id: randomUUID() });
    const a = await client.sendIntent(body, { idempotencyKey: key });
    const b = await client.sendIntent(body, { idempotencyKey: key });
    assert.equal(a, b);
    await assert.rejects(
      client.sendIntent({ ...body, payload: { other: true } }, { idempotencyKey: key }),
      (e) => e instanceof axme.AxmeConflictError && e.statusCode === 409,
    );
  });

  it('every request carries the SDK identity, a trace id and an idempotency key on writes', async () => {
    const { cred, client: c } = await isolated();
    await c.sendIntent(intent(), { traceId: 'trace-node-1' });
    const [req] = await faults.requests(cred.credential_id);
    assert.equal(req.route, '/v1/intents');
    assert.match(req.headers['x-axme-client'][0], /^axme-sdk-typescript\/0\.3\.0$/);
    assert.deepEqual(req.headers['x-trace-id'], ['trace-node-1']);
    assert.equal(req.headers['idempotency-key'].length, 1);
  });
});

describe('retries', () => {
  it('a failed write is retried with the same Idempotency-Key, after Retry-After', async () => {
    const { cred, client: c } = await isolated({ retryBackoffMs: 10 });
    await faults.rules(cred.credential_id, [
      {
        match: { method: 'POST', route: '/v1/intents', attempt: 1 },
        action: { type: 'respond', status: 503, headers: { 'Retry-After': '1' } },
      },
    ]);
    const id = await c.sendIntent(intent());
    assert.ok(id);
    const reqs = (await faults.requests(cred.credential_id)).filter((r) => r.route === '/v1/intents');
    assert.deepEqual(
      reqs.map((r) => r.status),
      [503, 200],
    );
    assert.deepEqual(reqs[0].headers['idempotency-key'], reqs[1].headers['idempotency-key']);
    assert.ok(reqs[1].elapsed_ms - reqs[0].elapsed_ms >= 1000, 'waited Retry-After');
  });
});

describe('errors', () => {
  it('auth: 401 with status, code and request id', async () => {
    const bad = new AxmeClient({ apiKey: 'axme_sa_nobody_secret', baseUrl: server.url });
    await assert.rejects(bad.getIntent(randomUUID(), { traceId: 'trace-auth' }), (e) => {
      assert.ok(e instanceof axme.AxmeAuthError);
      assert.ok(e instanceof axme.AxmeHttpError);
      assert.ok(e instanceof axme.AxmeError);
      assert.equal(e.name, 'AxmeAuthError');
      assert.equal(e.statusCode, 401);
      assert.equal(e.kind, 'auth');
      assert.equal(typeof e.code, 'string');
      assert.equal(typeof e.requestId, 'string');
      assert.equal(e.traceId, 'trace-auth');
      return true;
    });
  });

  it('not_found: 404', async () => {
    await assert.rejects(client.getIntent(randomUUID()), (e) => {
      assert.ok(e instanceof axme.AxmeNotFoundError);
      assert.equal(e.statusCode, 404);
      assert.equal(e.kind, 'not_found');
      assert.equal(e.code, 'intent_not_found');
      return true;
    });
  });

  it('validation: 422 for a body that breaks the schema', async () => {
    await assert.rejects(client.sendIntent({ intent_type: 'notify.message.v1', payload: {} }), (e) => {
      assert.ok(e instanceof axme.AxmeValidationError);
      assert.equal(e.kind, 'validation');
      assert.ok([400, 422].includes(e.statusCode));
      assert.ok(e.body && typeof e.body === 'object');
      return true;
    });
  });

  it('rate_limit: 429 with retryAfter (no retries left)', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [
      {
        match: { method: 'GET', route: '/v1/intents/{intent_id}' },
        action: { type: 'respond', status: 429, headers: { 'Retry-After': '7' } },
      },
    ]);
    await assert.rejects(c.getIntent(randomUUID()), (e) => {
      assert.ok(e instanceof axme.AxmeRateLimitError);
      assert.equal(e.statusCode, 429);
      assert.equal(e.retryAfter, 7);
      assert.equal(e.kind, 'rate_limit');
      return true;
    });
  });

  it('server: 5xx after the retries are spent', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 1, retryBackoffMs: 1 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'GET', route: '/v1/intents/{intent_id}' }, action: { type: 'respond', status: 502 } },
    ]);
    await assert.rejects(c.getIntent(randomUUID()), (e) => {
      assert.ok(e instanceof axme.AxmeServerError);
      assert.equal(e.statusCode, 502);
      assert.equal(e.kind, 'server');
      return true;
    });
    assert.equal((await faults.requests(cred.credential_id)).length, 2, 'one retry');
  });

  it('timeout: the per-attempt timeout of the config', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0, timeoutMs: 200 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'GET', route: '/v1/intents/{intent_id}' }, action: { type: 'delay', ms: 3000 } },
    ]);
    const t0 = Date.now();
    await assert.rejects(c.getIntent(randomUUID()), (e) => {
      assert.ok(e instanceof axme.AxmeTimeoutError);
      assert.equal(e.kind, 'timeout');
      return true;
    });
    assert.ok(Date.now() - t0 < 2500);
  });

  it('connection: nothing listening', async () => {
    const nowhere = new AxmeClient({ apiKey: 'axme_sa_x_y', baseUrl: 'http://127.0.0.1:9', maxRetries: 0 });
    await assert.rejects(nowhere.health(), (e) => {
      assert.ok(e instanceof axme.AxmeConnectionError);
      assert.equal(e.kind, 'connection');
      assert.equal(e.statusCode, undefined);
      return true;
    });
  });

  it('invalid_argument: bad config, bad arguments, before any request', async () => {
    assert.throws(() => new AxmeClient({ apiKey: 'has space', baseUrl: server.url }), axme.AxmeInvalidArgumentError);
    assert.throws(() => new AxmeClient({ apiKey: 'k', baseUrl: 'ftp://x' }), (e) => e.kind === 'invalid_argument');
    assert.throws(() => new AxmeClient({ apiKey: 'k', nope: 1 }), /unknown config option "nope"/);
    await assert.rejects(client.getIntent(''), axme.AxmeInvalidArgumentError);
    await assert.rejects(client.sendIntent(null), axme.AxmeInvalidArgumentError);
    await assert.rejects(
      client.sendIntent(intent('x', { correlation_id: 'a' }), { correlationId: 'b' }),
      /must match options.correlationId/,
    );
    await assert.rejects(client.waitFor(randomUUID(), { waitSeconds: 0 }), (e) => e.kind === 'invalid_argument');
  });
});

describe('observe and waitFor', () => {
  it('observe yields every event in order and ends after the terminal one', async () => {
    const id = await client.sendIntent(intent());
    const seen = [];
    for await (const ev of client.observe(id)) {
      seen.push(ev);
      if (ev.seq === 3) await client.resolveIntent(id, { status: 'COMPLETED' });
    }
    assert.deepEqual(
      seen.map((e) => [e.seq, e.event_type]),
      [
        [1, 'intent.created'],
        [2, 'intent.submitted'],
        [3, 'intent.delivered'],
        [4, 'intent.completed'],
      ],
    );
  });

  it('observe resumes across a dropped stream with Last-Event-ID, no gaps, no duplicates', async () => {
    const { cred, client: c } = await isolated({ retryBackoffMs: 10 });
    const id = await c.sendIntent(intent());
    await faults.rules(cred.credential_id, [
      {
        match: { method: 'GET', route: '/v1/intents/{intent_id}/events/stream', attempt: 1 },
        action: { type: 'sse', drop_after_events: 2 },
      },
    ]);
    const seqs = [];
    for await (const ev of c.observe(id, { timeoutMs: 10_000 })) {
      seqs.push(ev.seq);
      if (ev.seq === 3) await c.resolveIntent(id, { status: 'COMPLETED' });
    }
    assert.deepEqual(seqs, [1, 2, 3, 4]);
    const streams = (await faults.requests(cred.credential_id)).filter(
      (r) => r.route === '/v1/intents/{intent_id}/events/stream',
    );
    assert.ok(streams.length >= 2, 'reconnected');
    assert.deepEqual(streams[1].headers['last-event-id'], ['2']);
    assert.match(streams[1].query, /since=2/);
  });

  it('observe from past the terminal event ends without waiting', async () => {
    const id = await client.sendIntent(intent());
    await client.resolveIntent(id, { status: 'FAILED', error: { code: 'x', message: 'no' } });
    const seen = [];
    for await (const ev of client.observe(id, { since: 4 })) seen.push(ev);
    assert.deepEqual(seen, []);
  });

  it('waitFor with timeoutMs rejects with AxmeTimeoutError', async () => {
    const id = await client.sendIntent(intent());
    const t0 = Date.now();
    await assert.rejects(client.waitFor(id, { timeoutMs: 300 }), (e) => {
      assert.ok(e instanceof axme.AxmeTimeoutError);
      assert.equal(e.kind, 'timeout');
      return true;
    });
    const took = Date.now() - t0;
    assert.ok(took >= 290 && took < 3000, `took ${took} ms`);
  });

  it('a pending waitFor aborted via AbortController rejects at once and the stream is closed', async () => {
    const id = await client.sendIntent(intent());
    const base = await openStreams();
    const ac = new AbortController();
    const pending = client.waitFor(id, { signal: ac.signal });
    await until(async () => (await openStreams()) > base, 'the event stream to open');
    const t0 = Date.now();
    ac.abort();
    await assert.rejects(pending, (e) => {
      assert.equal(e.name, 'AbortError');
      return true;
    });
    const took = Date.now() - t0;
    assert.ok(took < 100, `rejected after ${took} ms`);
    await until(async () => (await openStreams()) === base, 'the server to see the stream closed', 5000);
  });

  it('an already aborted signal rejects without sending anything', async () => {
    const { cred, client: c } = await isolated();
    const ac = new AbortController();
    ac.abort(new Error('custom reason'));
    await assert.rejects(c.getIntent(randomUUID(), { signal: ac.signal }), /custom reason/);
    await assert.rejects(c.sendIntent(intent(), { signal: ac.signal }), /custom reason/);
    assert.deepEqual(await faults.requests(cred.credential_id), []);
  });

  it('abort cancels a slow request in flight', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'GET', route: '/v1/intents/{intent_id}' }, action: { type: 'delay', ms: 5000 } },
    ]);
    const t0 = Date.now();
    await assert.rejects(c.getIntent(randomUUID(), { signal: AbortSignal.timeout(150) }), (e) => {
      assert.equal(e.name, 'TimeoutError');
      return true;
    });
    assert.ok(Date.now() - t0 < 1000);
  });

  it('break out of observe closes the stream while it is waiting', async () => {
    const id = await client.sendIntent(intent());
    const base = await openStreams();
    const it = client.observe(id);
    for (let i = 1; i <= 3; i++) assert.equal((await it.next()).value.seq, i);
    const waiting = it.next();
    await until(async () => (await openStreams()) > base, 'the event stream to open');
    const t0 = Date.now();
    assert.deepEqual(await it.return(), { done: true, value: undefined });
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.ok(Date.now() - t0 < 100);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    await until(async () => (await openStreams()) === base, 'the server to see the stream closed', 5000);
  });

  it('an abort signal ends an observe iteration with AbortError', async () => {
    const id = await client.sendIntent(intent());
    const ac = new AbortController();
    const seen = [];
    await assert.rejects(
      (async () => {
        for await (const ev of client.observe(id, { signal: ac.signal })) {
          seen.push(ev.seq);
          if (ev.seq === 3) setImmediate(() => ac.abort());
        }
      })(),
      (e) => e.name === 'AbortError',
    );
    assert.deepEqual(seen, [1, 2, 3]);
  });
});

describe('listen', () => {
  it('yields the intents delivered to an address; a restarted listener gets unfinished work again', async () => {
    const agent = `agent://acme/prod/listener-${randomUUID().slice(0, 8)}`;
    const ids = [await client.sendIntent(intent(agent)), await client.sendIntent(intent(agent))];
    const got = [];
    for await (const d of client.listen(agent, { waitSeconds: 2 })) {
      got.push(d);
      if (got.length === 2) break;
    }
    assert.deepEqual(
      got.map((d) => d.intent_id),
      ids,
    );
    assert.ok(got[0].seq < got[1].seq, 'delivery cursor increases');
    // Finish the first one; a new listener from since=0 gets only the unfinished second one.
    await client.resumeIntent(ids[0], { action: 'complete', result: {} }, { ownerAgent: agent });
    const again = client.listen(agent, { waitSeconds: 2 });
    const first = await again.next();
    assert.equal(first.value.intent_id, ids[1]);
    await again.return();
  });

  it('listen with timeoutMs ends with AxmeTimeoutError when nothing arrives', async () => {
    const agent = `agent://acme/prod/idle-${randomUUID().slice(0, 8)}`;
    await assert.rejects(
      (async () => {
        for await (const _ of client.listen(agent, { timeoutMs: 300, waitSeconds: 1 })) {
          assert.fail('nothing was sent');
        }
      })(),
      axme.AxmeTimeoutError,
    );
  });

  it('a malformed address fails on the first read, before or from the server', async () => {
    const local = client.listen('agent://acme//x');
    await assert.rejects(local.next(), axme.AxmeInvalidArgumentError);
    assert.deepEqual(await local.next(), { done: true, value: undefined });
    const remote = client.listen('agent://a/b/c/d/e');
    await assert.rejects(remote.next(), (e) => e instanceof axme.AxmeValidationError && e.statusCode === 422);
    assert.deepEqual(await remote.next(), { done: true, value: undefined });
  });
});

describe('module', () => {
  it('the ESM entry exports the same objects as the CommonJS one', async () => {
    const esm = await import('../index.mjs');
    assert.equal(esm.AxmeClient, AxmeClient);
    assert.equal(esm.AxmeHttpError, axme.AxmeHttpError);
    assert.equal(esm.default, axme);
    assert.equal(esm.VERSION, require('../package.json').version);
  });
});

describe('raw-byte bodies', () => {
  it('uploadMediaContent sends the bytes as they are, the same on a retry', async () => {
    const { createHash } = require('node:crypto');
    const { cred, client: c } = await isolated({ retryBackoffMs: 10 });
    const content = Buffer.from([0, 1, 0xff, ...Buffer.from('axme raw bytes\n')]);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const upload = await c.createMediaUpload({
      owner_agent: 'agent://acme/prod/billing',
      filename: 'raw.bin',
      mime_type: 'application/octet-stream',
      size_bytes: content.length,
      sha256,
    });
    const route = '/v1/media/upload/{upload_id}';
    await faults.rules(cred.credential_id, [
      { match: { method: 'PUT', route, attempt: 1 }, action: { type: 'respond', status: 503 } },
    ]);
    // A plain Uint8Array works as well as a Buffer; the server refuses content whose SHA-256
    // differs from the declared one.
    const done = await c.uploadMediaContent(upload.upload_id, new Uint8Array(content));
    assert.equal(done.upload_id, upload.upload_id);
    const reqs = (await faults.requests(cred.credential_id)).filter((r) => r.route === route);
    assert.deepEqual(
      reqs.map((r) => [r.status, r.body_sha256, r.headers['content-type'][0]]),
      [
        [503, sha256, 'application/octet-stream'],
        [200, sha256, 'application/octet-stream'],
      ],
    );
    assert.deepEqual(reqs[0].headers['idempotency-key'], reqs[1].headers['idempotency-key']);
  });
});
