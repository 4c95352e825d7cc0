'use strict';
// The intent family against the reference server: create/send, get, events, resolve, resume,
// cancel, controls and policy, idempotency keys, the SDK's request headers; and the module entries.
// Tests that inspect traffic use their own fault credential (an isolated organisation whose
// requests the server journals).
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

describe('intent operations', () => {
  it('health and capabilities', async () => {
    assert.equal((await client.health()).ok, true);
    assert.equal((await client.healthV1()).ok, true);
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

describe('module', () => {
  it('the ESM entry exports the same objects as the CommonJS one', async () => {
    const esm = await import('../index.mjs');
    assert.equal(esm.AxmeClient, AxmeClient);
    assert.equal(esm.AxmeHttpError, axme.AxmeHttpError);
    assert.equal(esm.default, axme);
    assert.equal(esm.VERSION, require('../package.json').version);
  });
});
