'use strict';
// observe, waitFor and listen against the reference server: event order, the terminal event,
// resumption across a dropped stream, waitFor timeouts, and cancellation (abort signals, break)
// closing the server-side stream.
const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, Faults, until, isolatedClient, intentBody } = require('./helpers.js');

let server;
let faults;
let client;

const intent = intentBody;

/** A client on a fresh fault credential, with its credential: `{cred, client}`. */
const isolated = (config = {}) => isolatedClient(server, faults, config);

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

// Every test must leave no stream open on the server: a timed-out, aborted or abandoned stream
// is closed by the client. Waiting for that here also keeps one test's closing stream from
// skewing the next test's count of open streams.
let streamsBefore = 0;
beforeEach(async () => {
  streamsBefore = await openStreams();
});
afterEach(async () => {
  await until(async () => (await openStreams()) <= streamsBefore, 'the server to see every stream of this test closed', 5000);
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

  it('an abort signal ends a waiting listen with AbortError and closes its stream', async () => {
    const agent = `agent://acme/prod/aborted-${randomUUID().slice(0, 8)}`;
    const base = await openStreams();
    const ac = new AbortController();
    const stream = client.listen(agent, { signal: ac.signal, waitSeconds: 30 });
    const waiting = stream.next();
    await until(async () => (await openStreams()) > base, 'the listen stream to open');
    ac.abort();
    await assert.rejects(waiting, (e) => e.name === 'AbortError');
    await assert.rejects(stream.next(), (e) => e.name === 'AbortError');
    await until(async () => (await openStreams()) === base, 'the server to see the stream closed', 5000);
  });

  it('a malformed address is refused at once, or by the server on the first read', async () => {
    assert.throws(() => client.listen('agent://acme//x'), axme.AxmeInvalidArgumentError);
    const remote = client.listen('agent://a/b/c/d/e');
    await assert.rejects(remote.next(), (e) => e instanceof axme.AxmeValidationError && e.statusCode === 422);
    assert.deepEqual(await remote.next(), { done: true, value: undefined });
  });
});

