'use strict';
// Errors and retries against the reference server: every typed error class with its kind, status,
// code, request id, trace id and Retry-After; per-call and configured timeouts; retries reusing the
// idempotency key. Faults come from the server's fault injection (spec/faults.md).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, Faults, isolatedClient, intentBody } = require('./helpers.js');

let server;
let faults;
let client;

const intent = intentBody;

/** A client on a fresh fault credential, with its credential: `{cred, client}`. */
const isolated = (config = {}) => isolatedClient(server, faults, config);

before(async () => {
  server = await startServer();
  faults = new Faults(server.url);
  client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
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

  it('timeout: per-call timeoutMs on a generated method overrides the configured one', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0, timeoutMs: 30_000 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'GET', route: '/v1/intents/{intent_id}' }, action: { type: 'delay', ms: 3000 } },
    ]);
    const t0 = Date.now();
    await assert.rejects(c.getIntent(randomUUID(), { timeoutMs: 150 }), axme.AxmeTimeoutError);
    await assert.rejects(c.sendIntent(intent(), { timeoutMs: 0 }), /timeout must be a finite number of seconds > 0/);
    assert.ok(Date.now() - t0 < 2500);
  });

  it('timeout: an HTTP 408 is a timeout error that keeps its status', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'GET', route: '/v1/intents/{intent_id}' }, action: { type: 'respond', status: 408 } },
    ]);
    await assert.rejects(c.getIntent(randomUUID()), (e) => {
      assert.ok(e instanceof axme.AxmeTimeoutError);
      assert.equal(e.statusCode, 408);
      assert.equal(typeof e.requestId, 'string');
      return true;
    });
  });

  it('protocol: a status the client cannot act on', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'GET', route: '/v1/intents/{intent_id}' }, action: { type: 'respond', status: 304 } },
    ]);
    await assert.rejects(c.getIntent(randomUUID()), (e) => {
      assert.ok(e instanceof axme.AxmeProtocolError);
      assert.equal(e.kind, 'protocol');
      return true;
    });
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

