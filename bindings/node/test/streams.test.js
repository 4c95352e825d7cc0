'use strict';
// The SSE streams under disturbance (fault injection, spec/faults.md): every alternative framing
// yields exactly the same events, duplicated events are dropped, and observe, waitFor and listen
// resume across a dropped connection with Last-Event-ID, without gaps or repeats.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, Faults, unique } = require('./helpers.js');

let server;
let faults;

before(async () => {
  server = await startServer();
  faults = new Faults(server.url);
});

after(async () => {
  await server?.stop();
});

const EVENTS_ROUTE = '/v1/intents/{intent_id}/events/stream';
const LISTEN_ROUTE = '/v1/agents/{address}/intents/stream';

async function isolated(rules) {
  const cred = await faults.credential('streams');
  if (rules) await faults.rules(cred.credential_id, rules);
  return { cred, client: new AxmeClient({ apiKey: cred.api_key, baseUrl: server.url, retryBackoffMs: 10 }) };
}

const intent = (to) => ({ intent_type: 'notify.message.v1', to_agent: to, payload: { text: 'x'.repeat(40) } });

/** Observe an intent to its end, completing it once its agent has taken it; the events seen. */
async function observeToEnd(client, id) {
  const seen = [];
  for await (const ev of client.observe(id, { timeoutMs: 10_000 })) {
    seen.push(ev);
    if (ev.event_type === 'intent.acknowledged') await client.resolveIntent(id, { status: 'COMPLETED', result: { a: [1, 2] } });
  }
  return seen;
}

const shape = (events) => events.map((e) => [e.seq, e.event_type, e.status]);

describe('alternative SSE framings', () => {
  const expected = [
    [1, 'intent.created', 'CREATED'],
    [2, 'intent.submitted', 'SUBMITTED'],
    [3, 'intent.delivered', 'DELIVERED'],
    // Taking an intent from the listen stream acknowledges it.
    [4, 'intent.acknowledged', 'ACKNOWLEDGED'],
    [5, 'intent.completed', 'COMPLETED'],
  ];
  for (const framing of ['crlf', 'cr', 'bom', 'comments', 'multiline', 'bytewise']) {
    it(`observe and listen read the "${framing}" framing`, async () => {
      const { cred, client } = await isolated([{ match: {}, action: { type: 'sse', framing } }]);
      const agent = `agent://tests/framed-${unique()}`;
      const id = await client.sendIntent(intent(agent));
      const stream = client.listen(agent, { waitSeconds: 2 });
      const { value: delivery } = await stream.next();
      await stream.return();
      assert.equal(delivery.intent_id, id);
      assert.equal(delivery.payload.text, 'x'.repeat(40));
      const seen = await observeToEnd(client, id);
      assert.deepEqual(shape(seen), expected);
      assert.deepEqual(seen[4].details.result, { a: [1, 2] }, 'the multi-line payload survived the framing');
      const streams = (await faults.requests(cred.credential_id)).filter((r) => r.route === EVENTS_ROUTE);
      assert.equal(streams.length, 1, 'read in one connection: no reconnect was needed');
    });
  }

  it('duplicated events are yielded once', async () => {
    const { client } = await isolated([{ match: {}, action: { type: 'sse', duplicate_events: true } }]);
    const agent = `agent://tests/dup-${unique()}`;
    const ids = [await client.sendIntent(intent(agent)), await client.sendIntent(intent(agent))];
    const got = [];
    for await (const d of client.listen(agent, { waitSeconds: 1, timeoutMs: 5000 })) {
      got.push(d.intent_id);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, ids);
    assert.deepEqual(
      shape(await observeToEnd(client, ids[0])).map(([seq]) => seq),
      [1, 2, 3, 4, 5],
    );
  });
});

describe('dropped connections', () => {
  it('waitFor resumes after a drop right after the headers', async () => {
    const { cred, client } = await isolated([
      { match: { method: 'GET', route: EVENTS_ROUTE, attempt: 1 }, action: { type: 'sse', drop_after_events: 0 } },
    ]);
    const id = await client.sendIntent(intent('agent://tests/drop'));
    const pending = client.waitFor(id, { timeoutMs: 10_000 });
    await client.resolveIntent(id, { status: 'FAILED', error: { code: 'x' } });
    const terminal = await pending;
    assert.equal(terminal.status, 'FAILED');
    const streams = (await faults.requests(cred.credential_id)).filter((r) => r.route === EVENTS_ROUTE);
    assert.ok(streams.length >= 2, 'reconnected');
  });

  it('listen resumes with Last-Event-ID after a drop, without repeating a delivery', async () => {
    const { cred, client } = await isolated([
      { match: { method: 'GET', route: LISTEN_ROUTE, attempt: 1 }, action: { type: 'sse', drop_after_events: 1 } },
    ]);
    const agent = `agent://tests/relisten-${unique()}`;
    const ids = [await client.sendIntent(intent(agent)), await client.sendIntent(intent(agent))];
    const got = [];
    for await (const d of client.listen(agent, { waitSeconds: 2, timeoutMs: 10_000 })) {
      got.push(d);
      if (got.length === 2) break;
    }
    assert.deepEqual(
      got.map((d) => d.intent_id),
      ids,
    );
    const listens = (await faults.requests(cred.credential_id)).filter((r) => r.route === LISTEN_ROUTE);
    assert.ok(listens.length >= 2, 'reconnected');
    assert.deepEqual(listens[1].headers['last-event-id'], [String(got[0].seq)]);
  });
});
