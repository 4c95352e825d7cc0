'use strict';
// client.mesh against the reference server: heartbeats and the metrics buffer, the background
// heartbeat, health listing, the kill switch (admin only, never retried), policies and events.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, Faults, until, unique, isolatedClient } = require('./helpers.js');

let server;
let faults;
/** The dev account: an admin (kill switch, policies, service accounts). */
let admin;

before(async () => {
  server = await startServer();
  faults = new Faults(server.url);
  admin = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
});

/** A new service account of the dev organisation and a client with its key. */
async function worker(name = `worker-${unique()}`) {
  const created = await admin.createServiceAccount({ org_id: 'dev', workspace_id: 'default', name });
  const id = created.service_account.service_account_id;
  const key = await admin.createServiceAccountKey(id, {});
  return { name, address: `agent://dev/default/${name}`, client: new AxmeClient({ apiKey: key.api_key, baseUrl: server.url }) };
}

/** A client on a fresh fault credential (its own organisation; not an admin). */
/** A client on a fresh fault credential, with its credential: `{cred, client}`. */
const isolated = (config = {}) => isolatedClient(server, faults, config, 'mesh');

const heartbeats = async (cred) =>
  (await faults.requests(cred.credential_id)).filter((r) => r.route === '/v1/mesh/heartbeat');

describe('heartbeats and metrics', () => {
  it('a heartbeat marks the calling agent healthy; metrics add to its usage', async () => {
    const w = await worker();
    const beat = await w.client.mesh.heartbeat();
    assert.equal(beat.address, w.address);
    assert.equal(beat.health_status, 'healthy');
    assert.match(beat.address_id, /^agt_/);
    const metrics = { intents_total: 3, intents_succeeded: 2, intents_failed: 1, avg_latency_ms: 12.5, cost_usd: 0.25 };
    await w.client.mesh.heartbeat({ metrics });
    const one = await admin.mesh.getAgent(beat.address_id);
    assert.equal(one.address_id, beat.address_id);
    assert.equal(one.intents_period.reported, 3);
    assert.equal(one.cost_period.cost_usd, 0.25);
    assert.equal(one.metadata.avg_latency_ms, 12.5);
    assert.equal(one.recent_events[0].event_type, 'agent.online');
  });

  it('reportMetric buffers counts, the average latency and the summed cost; flushMetrics sends them once', async () => {
    const w = await worker();
    assert.equal(w.client.mesh.bufferedMetrics, null);
    w.client.mesh.reportMetric({ success: true, latencyMs: 10, costUsd: 0.5 });
    w.client.mesh.reportMetric({ success: false, latencyMs: 30 });
    w.client.mesh.reportMetric({ costUsd: 0.25 });
    assert.deepEqual(w.client.mesh.bufferedMetrics, {
      intents_total: 3,
      intents_succeeded: 2,
      intents_failed: 1,
      avg_latency_ms: 20,
      cost_usd: 0.75,
    });
    const beat = await w.client.mesh.flushMetrics();
    assert.equal(beat.health_status, 'healthy');
    assert.equal(w.client.mesh.bufferedMetrics, null, 'the buffer is emptied by a delivered heartbeat');
    const one = await admin.mesh.getAgent(w.address);
    assert.equal(one.intents_period.reported, 3);
    assert.equal(one.cost_period.cost_usd, 0.75);
    // Nothing buffered: the flush is a bare heartbeat and reports nothing more.
    await w.client.mesh.flushMetrics();
    assert.equal((await admin.mesh.getAgent(w.address)).intents_period.reported, 3);
  });

  it('a failed flush keeps the metrics for the next heartbeat', async () => {
    const { cred, client } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'POST', route: '/v1/mesh/heartbeat', attempt: 1 }, action: { type: 'respond', status: 503 } },
    ]);
    client.mesh.reportMetric({ success: true, latencyMs: 5 });
    await assert.rejects(client.mesh.flushMetrics(), axme.AxmeServerError);
    assert.deepEqual(client.mesh.bufferedMetrics, {
      intents_total: 1,
      intents_succeeded: 1,
      intents_failed: 0,
      avg_latency_ms: 5,
    });
    await client.mesh.flushMetrics();
    assert.equal(client.mesh.bufferedMetrics, null);
    const sent = await heartbeats(cred);
    assert.deepEqual(
      sent.map((r) => r.status),
      [503, 200],
    );
    assert.equal(sent[0].body_sha256, sent[1].body_sha256, 'the same metrics were sent again');
  });

  it('bad metrics are refused before anything is sent', async () => {
    const { cred, client } = await isolated();
    assert.throws(() => client.mesh.reportMetric({ latencyMs: -1 }), (e) => {
      assert.ok(e instanceof axme.AxmeInvalidArgumentError);
      assert.match(e.message, /latency_ms must be a finite number >= 0/);
      return true;
    });
    assert.throws(() => client.mesh.reportMetric({ costUsd: 'lots' }), /costUsd must be a number/);
    assert.throws(() => client.mesh.reportMetric({ success: 'yes' }), /success must be a boolean/);
    await assert.rejects(client.mesh.listAgents({ limit: 0 }), (e) => {
      assert.ok(e instanceof axme.AxmeInvalidArgumentError);
      assert.match(e.message, /limit must be an integer from 1 to 1000/);
      return true;
    });
    await assert.rejects(client.mesh.listEvents({ limit: 5000 }), axme.AxmeInvalidArgumentError);
    await assert.rejects(client.mesh.getAgent(' '), /address_id must not be blank/);
    assert.equal(client.mesh.bufferedMetrics, null);
    assert.deepEqual(await faults.requests(cred.credential_id), []);
    // The fields inside a body are the server's to judge, as for every generated operation.
    await assert.rejects(client.mesh.heartbeat({ metrics: [1] }), (e) => {
      assert.ok(e instanceof axme.AxmeValidationError);
      assert.match(e.message, /metrics/);
      return true;
    });
  });

  it('the server checks metric fields it receives', async () => {
    const w = await worker();
    await assert.rejects(w.client.mesh.heartbeat({ metrics: { intents_total: 1.5 } }), (e) => {
      assert.ok(e instanceof axme.AxmeValidationError);
      assert.equal(e.statusCode, 422);
      return true;
    });
  });
});

describe('background heartbeat', () => {
  it('sends one at once and then every intervalMs, carrying the buffer, until stopped', async () => {
    const { cred, client } = await isolated();
    client.mesh.reportMetric({ success: true, costUsd: 0.1 });
    assert.equal(client.mesh.heartbeatRunning, false);
    client.mesh.startHeartbeat({ intervalMs: 50 });
    assert.equal(client.mesh.heartbeatRunning, true);
    client.mesh.startHeartbeat({ intervalMs: 50 }); // a second start keeps the running task
    assert.equal(client.mesh.heartbeatRunning, true);
    await until(async () => (await heartbeats(cred)).length >= 3, 'three background heartbeats');
    await client.mesh.stopHeartbeat();
    assert.equal(client.mesh.heartbeatRunning, false);
    const sent = await heartbeats(cred);
    assert.ok(sent.every((r) => r.status === 200));
    assert.notEqual(sent[0].body_sha256, null, 'the first heartbeat carried the buffered metrics');
    assert.equal(sent[1].body_sha256, null, 'later ones had nothing to carry');
    assert.equal(client.mesh.bufferedMetrics, null);
    await client.mesh.stopHeartbeat(); // stopping twice is fine
  });

  it('includeMetrics: false leaves the buffer alone; bad intervals are refused', async () => {
    const { cred, client } = await isolated();
    client.mesh.reportMetric({ success: false });
    client.mesh.startHeartbeat({ intervalMs: 1000, includeMetrics: false });
    await until(async () => (await heartbeats(cred)).length >= 1, 'the first background heartbeat');
    await client.mesh.stopHeartbeat();
    assert.equal((await heartbeats(cred))[0].body_sha256, null);
    assert.equal(client.mesh.bufferedMetrics.intents_failed, 1);
    assert.throws(() => client.mesh.startHeartbeat({ intervalMs: 0 }), axme.AxmeInvalidArgumentError);
    assert.throws(() => client.mesh.startHeartbeat({ intervalMs: '5s' }), /intervalMs must be a number/);
    assert.throws(() => client.mesh.startHeartbeat({ includeMetrics: 1 }), /includeMetrics must be a boolean/);
    assert.equal(client.mesh.heartbeatRunning, false);
  });
});

describe('health, kill switch, policies, events', () => {
  it('listAgents summarises health and filters; getAgent takes the id or the address', async () => {
    const w = await worker();
    const beat = await w.client.mesh.heartbeat();
    const list = await admin.mesh.listAgents();
    assert.equal(list.ok, true);
    assert.ok(list.agents.some((a) => a.address_id === beat.address_id));
    assert.ok(list.summary.healthy >= 1);
    const healthy = await admin.mesh.listAgents({ health: 'healthy', limit: 1 });
    assert.equal(healthy.agents.length, 1);
    assert.equal(healthy.agents[0].health_status, 'healthy');
    assert.equal((await admin.mesh.getAgent(w.address)).address_id, beat.address_id);
    await assert.rejects(admin.mesh.getAgent('agt_0000000000000000'), (e) => {
      assert.ok(e instanceof axme.AxmeNotFoundError);
      assert.equal(e.code, 'agent_not_found');
      return true;
    });
  });

  it('kill blocks intents to the agent, resume lifts it; both are recorded as mesh events', async () => {
    const w = await worker();
    const beat = await w.client.mesh.heartbeat();
    const killed = await admin.mesh.kill(beat.address_id);
    assert.equal(killed.ok, true);
    await assert.rejects(
      admin.sendIntent({ intent_type: 'notify.message.v1', to_agent: w.address, payload: {} }),
      (e) => e instanceof axme.AxmeAuthError && e.statusCode === 403 && e.code === 'agent_killed',
    );
    assert.equal((await admin.mesh.listAgents({ health: 'killed' })).agents.some((a) => a.address === w.address), true);
    await admin.mesh.resume(w.address);
    assert.ok(await admin.sendIntent({ intent_type: 'notify.message.v1', to_agent: w.address, payload: {} }));
    const events = await admin.mesh.listEvents({ eventType: 'agent.killed', limit: 10 });
    assert.ok(events.events.every((e) => e.event_type === 'agent.killed'));
    assert.ok(events.events.some((e) => e.address === w.address || e.address_id === beat.address_id));
    assert.equal((await admin.mesh.listEvents({ limit: 1 })).events.length, 1);
  });

  it('kill and resume need an admin credential', async () => {
    const w = await worker();
    await assert.rejects(w.client.mesh.kill(w.address), (e) => {
      assert.ok(e instanceof axme.AxmeAuthError);
      assert.equal(e.code, 'admin_required');
      return true;
    });
  });

  it('kill is never retried, reads are', async () => {
    const { cred, client } = await isolated({ maxRetries: 2, retryBackoffMs: 1 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'POST', route: '/v1/mesh/agents/{address_id}/kill' }, action: { type: 'respond', status: 503 } },
      { match: { method: 'POST', route: '/v1/mesh/agents/{address_id}/resume' }, action: { type: 'respond', status: 503 } },
      { match: { method: 'GET', route: '/v1/mesh/events', attempt: 1 }, action: { type: 'respond', status: 503 } },
    ]);
    await assert.rejects(client.mesh.kill('agt_0000000000000000'), axme.AxmeServerError);
    await assert.rejects(client.mesh.resume('agt_0000000000000000'), axme.AxmeServerError);
    assert.equal((await client.mesh.listEvents()).ok, true);
    const routes = (await faults.requests(cred.credential_id)).map((r) => `${r.method} ${r.route} ${r.status}`);
    assert.deepEqual(routes, [
      'POST /v1/mesh/agents/{address_id}/kill 503',
      'POST /v1/mesh/agents/{address_id}/resume 503',
      'GET /v1/mesh/events 503',
      'GET /v1/mesh/events 200',
    ]);
  });

  it('setPolicy and getPolicy: a policy refuses intent types outside it', async () => {
    const w = await worker();
    await w.client.mesh.heartbeat();
    const set = await admin.mesh.setPolicy(w.address, { allowed_receive_types: ['billing.*'] });
    assert.deepEqual(set.policy.allowed_receive_types, ['billing.*']);
    assert.deepEqual((await admin.mesh.getPolicy(w.address)).policy.allowed_receive_types, ['billing.*']);
    assert.ok(await admin.sendIntent({ intent_type: 'billing.charge.v1', to_agent: w.address, payload: {} }));
    await assert.rejects(
      admin.sendIntent({ intent_type: 'deploy.run.v1', to_agent: w.address, payload: {} }),
      (e) => e instanceof axme.AxmeAuthError && e.code === 'intent_type_not_allowed',
    );
  });

  it('per-call timeoutMs and signal apply to mesh calls', async () => {
    const { cred, client } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'GET', route: '/v1/mesh/agents' }, action: { type: 'delay', ms: 3000 } },
    ]);
    const t0 = Date.now();
    await assert.rejects(client.mesh.listAgents({ timeoutMs: 150 }), axme.AxmeTimeoutError);
    await assert.rejects(client.mesh.listAgents({ signal: AbortSignal.timeout(150) }), (e) => e.name === 'TimeoutError');
    assert.ok(Date.now() - t0 < 2500, 'neither waited for the delayed answer');
  });
});
