'use strict';
// The agent registry (implicit agents, registration, list, get in every address spelling) and the
// delivery bindings: stream (listen), poll, inbox, internal, and http with signed callbacks to a
// receiver in this process.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { createHmac } = require('node:crypto');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, until, unique } = require('./helpers.js');

let server;
let client;
/** The callback receiver: every POST it got, answered with the next status of `statuses`. */
let receiver;

/** An HTTP server on 127.0.0.1:0 that records requests and answers `statuses` in turn (then 204). */
function startReceiver() {
  const hits = [];
  const statuses = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(statuses.shift() ?? 204).end();
    });
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      resolve({ hits, statuses, port, url: `http://127.0.0.1:${port}/hook`, close: () => new Promise((r) => srv.close(r)) });
    });
  });
}

before(async () => {
  receiver = await startReceiver();
  server = await startServer([
    '--allow-callback-host',
    `127.0.0.1:${receiver.port}`,
    '--delivery-retry-schedule',
    '20ms',
  ]);
  client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
  await receiver?.close();
});

const send = (to, extra = {}) => client.sendIntent({ intent_type: 'tests.task.v1', to_agent: to, payload: { job: 'x' }, ...extra });

describe('registry', () => {
  it('an addressed agent appears implicitly; registration updates it and keeps its id', async () => {
    const name = `billing-${unique()}`;
    const address = `agent://dev/default/${name}`;
    await send(address);
    const implicit = await client.getAgent(`dev/default/${name}`);
    assert.equal(implicit.agent.registered, false);
    assert.equal(implicit.agent.delivery_mode, 'stream');
    assert.match(implicit.agent.address_id, /^agt_/);
    const registered = await client.registerAgent({ address, display_name: 'Billing', delivery_mode: 'poll' });
    assert.equal(registered.created, false);
    assert.equal(registered.agent.address_id, implicit.agent.address_id);
    assert.equal(registered.agent.display_name, 'Billing');
    assert.equal(registered.agent.registered, true);
    for (const spelling of [address, `dev/default/${name}`, `DEV/default/${name}`]) {
      assert.equal((await client.getAgent(spelling)).agent.address, address, spelling);
    }
  });

  it('listAgents filters by organisation and workspace and pages with limit', async () => {
    const ws = `ws${unique()}`;
    await client.createWorkspace('dev', { name: ws });
    for (const n of ['a', 'b', 'c']) await send(`agent://dev/${ws}/${n}`);
    const inWs = await client.listAgents({ orgId: 'dev', workspaceId: ws });
    assert.deepEqual(
      inWs.agents.map((a) => a.address),
      ['a', 'b', 'c'].map((n) => `agent://dev/${ws}/${n}`),
    );
    const limited = await client.listAgents({ orgId: 'dev', workspaceId: ws, limit: 2 });
    assert.equal(limited.agents.length, 2);
    await assert.rejects(
      client.listAgents({ orgId: 'someone-else', workspaceId: ws }),
      (e) => e instanceof axme.AxmeNotFoundError && e.code === 'organization_not_found',
    );
    // Out of the spec's range: refused by the engine before any request.
    await assert.rejects(
      client.listAgents({ orgId: 'dev', workspaceId: ws, limit: 0 }),
      (e) => e instanceof axme.AxmeInvalidArgumentError && /limit must be an integer from 1 to 500/.test(e.message),
    );
  });

  it('get answers clearly for unknown and malformed addresses', async () => {
    await assert.rejects(client.getAgent('nobody/here'), (e) => e instanceof axme.AxmeNotFoundError && e.code === 'agent_not_found');
    await assert.rejects(client.getAgent('bad name'), (e) => e.statusCode === 422 && e.code === 'invalid_agent_address');
    await assert.rejects(
      client.registerAgent({ address: 'a', delivery_mode: 'pigeon' }),
      (e) => e instanceof axme.AxmeValidationError && e.code === 'invalid_delivery_mode',
    );
  });
});

describe('delivery bindings', () => {
  it('stream: the intent waits on the listen stream; the agent acks and completes it', async () => {
    const agent = `agent://dev/default/streamer-${unique()}`;
    const id = await send(agent);
    const stream = client.listen(agent, { waitSeconds: 2 });
    const { value } = await stream.next();
    await stream.return();
    assert.equal(value.intent_id, id);
    assert.equal(value.status, 'DELIVERED');
    await client.resumeIntent(id, { action: 'ack' }, { ownerAgent: agent });
    await client.resumeIntent(id, { action: 'complete', result: { ok: 1 } }, { ownerAgent: agent });
    assert.equal((await client.waitFor(id, { timeoutMs: 5000 })).status, 'COMPLETED');
  });

  it('inbox: the intent stays DELIVERED for its owner', async () => {
    const owner = `owner-${unique()}`;
    await client.registerAgent({ address: owner, delivery_mode: 'inbox' });
    const id = await send(`agent://${owner}`);
    assert.equal((await client.getIntent(id)).intent.status, 'DELIVERED');
  });

  it('internal: the server completes the intent itself', async () => {
    const address = `agent://dev/default/clock-${unique()}`;
    const registered = await client.registerAgent({ address, delivery_mode: 'internal' });
    assert.equal(registered.secret, undefined);
    const id = await client.sendIntent({
      intent_type: 'tool.internal.notification.v1',
      to_agent: address,
      payload: { text: 'hi' },
    });
    const seen = [];
    for await (const ev of client.observe(id, { timeoutMs: 10_000 })) seen.push(ev.event_type);
    assert.deepEqual(seen.slice(3), ['intent.acknowledged', 'intent.completed']);
  });

  it('http: signed callbacks, a retry after a failure, then acknowledged', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const address = `hook-${unique()}`;
    const registered = await client.registerAgent({
      address,
      delivery_mode: 'http',
      callback_url: receiver.url,
      secret,
    });
    assert.equal(registered.secret, secret);
    assert.match(registered.agent.secret_hint, /^whsec_MfKQ/);
    const before = receiver.hits.length;
    receiver.statuses.push(502, 204);
    const id = await send(`agent://${address}`);
    await until(() => receiver.hits.length >= before + 2, 'two callback attempts');
    const hit = receiver.hits[before + 1];
    assert.equal(hit.method, 'POST');
    const signedContent = `${hit.headers['webhook-id']}.${hit.headers['webhook-timestamp']}.${hit.body}`;
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(signedContent)
      .digest('base64');
    assert.ok(hit.headers['webhook-signature'].split(' ').includes(`v1,${expected}`), 'the signature verifies');
    assert.equal(JSON.parse(hit.body).intent_id, id);
    const seen = [];
    for await (const ev of client.observe(id, { timeoutMs: 10_000 })) {
      seen.push(ev);
      if (ev.event_type === 'intent.acknowledged') break;
    }
    assert.deepEqual(
      seen.slice(3).map((e) => e.event_type),
      ['intent.delivery_failed', 'intent.acknowledged'],
    );
    assert.equal(seen[4].details.via, 'http');
    assert.equal((await client.getAgent(address)).agent.deliveries.delivered, 1);
    const done = await client.resumeIntent(id, { action: 'complete', result: { ok: 1 } }, { ownerAgent: `agent://${address}` });
    assert.equal(done.intent.status, 'COMPLETED');
  });

  it('http: callback hosts must be allowed', async () => {
    await assert.rejects(
      client.registerAgent({ address: `hook-${unique()}`, delivery_mode: 'http', callback_url: 'http://169.254.169.254/x' }),
      (e) => e instanceof axme.AxmeValidationError,
    );
  });
});
