'use strict';
// MCP through the engine's client against the reference server's /mcp: both protocol versions,
// the tool catalogue and its schema checks, argument injection, retries, JSON-RPC errors, and the
// raw mcpRequest / mcpEndSession operations.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, Faults, unique, isolatedClient } = require('./helpers.js');

let server;
let faults;
let client;

before(async () => {
  server = await startServer();
  faults = new Faults(server.url);
  client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
});

/** A client on a fresh fault credential, with its credential: `{cred, client}`. */
const isolated = (config = {}) => isolatedClient(server, faults, config, 'mcp');

const mcpRequests = async (cred) => (await faults.requests(cred.credential_id)).filter((r) => r.route === '/mcp');

describe('initialize and tools/list', () => {
  it('2024-11-05 (the default): no session; tools/list lists the axme.* tools with schemas', async () => {
    const { cred, client: c } = await isolated();
    const init = await c.mcpInitialize();
    assert.equal(init.protocolVersion, '2024-11-05');
    assert.equal(init.capabilities.tools.listChanged, false);
    const listed = await c.mcpListTools();
    const names = listed.tools.map((t) => t.name);
    for (const expected of ['axme.check_nick', 'axme.intents_send', 'axme.whoami', 'axme.status']) {
      assert.ok(names.includes(expected), `${expected} in ${names}`);
    }
    const check = listed.tools.find((t) => t.name === 'axme.check_nick');
    assert.deepEqual(check.inputSchema.required, ['nick']);
    const reqs = await mcpRequests(cred);
    assert.equal(reqs.length, 2, 'no notifications/initialized under 2024-11-05');
    assert.equal(reqs[1].headers['mcp-session-id'], undefined);
  });

  it('2025-11-25: the session id and the protocol version ride on every later request', async () => {
    const { cred, client: c } = await isolated({ mcpProtocolVersion: '2025-11-25' });
    const init = await c.mcpInitialize();
    assert.equal(init.protocolVersion, '2025-11-25');
    await c.mcpListTools();
    const reqs = await mcpRequests(cred);
    assert.equal(reqs.length, 3, 'initialize, notifications/initialized, tools/list');
    const session = reqs[1].headers['mcp-session-id'];
    assert.equal(session.length, 1);
    assert.deepEqual(reqs[2].headers['mcp-session-id'], session);
    assert.deepEqual(reqs[2].headers['mcp-protocol-version'], ['2025-11-25']);
  });

  it('protocolVersion per call; an unknown version is refused before sending', async () => {
    const { cred, client: c } = await isolated();
    assert.equal((await c.mcpInitialize({ protocolVersion: '2025-11-25' })).protocolVersion, '2025-11-25');
    const before = (await mcpRequests(cred)).length;
    await assert.rejects(c.mcpInitialize({ protocolVersion: '1999-01-01' }), axme.AxmeInvalidArgumentError);
    await assert.rejects(c.mcpInitialize({ protocolVersion: 2025 }), /protocolVersion must be a string/);
    assert.equal((await mcpRequests(cred)).length, before);
  });
});

describe('tools/call', () => {
  it('runs the HTTP operation a tool names; the result carries structuredContent', async () => {
    const who = await client.mcpCallTool('axme.whoami');
    assert.equal(who.isError, false);
    assert.equal(who.structuredContent.org, 'dev');
    const args = { to_agent: `agent://tests/worker-${unique()}`, intent_type: 'tests.task.v1', payload: { n: 1 } };
    const sent = await client.mcpCallTool('axme.intents_send', { arguments: args, idempotencyKey: `mcp-${unique()}` });
    assert.equal(sent.isError, false);
    const intentId = sent.structuredContent.intent_id;
    assert.equal((await client.getIntent(intentId)).intent.status, 'DELIVERED');
    assert.deepEqual(JSON.parse(sent.content[0].text), sent.structuredContent);
  });

  it('idempotencyKey goes into the arguments and the header; a repeat replays the first answer', async () => {
    const { cred, client: c } = await isolated();
    const key = `mcp-${unique()}`;
    const args = { to_agent: 'agent://tests/replayed', intent_type: 'tests.task.v1', payload: {} };
    const first = await c.mcpCallTool('axme.intents_send', { arguments: args, idempotencyKey: key });
    const second = await c.mcpCallTool('axme.intents_send', { arguments: args, idempotencyKey: key });
    assert.equal(second.structuredContent.intent_id, first.structuredContent.intent_id);
    const reqs = await mcpRequests(cred);
    assert.deepEqual(reqs[0].headers['idempotency-key'], [key]);
  });

  it('arguments are checked against the cached input schema unless validateInputSchema is false', async () => {
    const { cred, client: c } = await isolated();
    await c.mcpListTools();
    const listed = (await mcpRequests(cred)).length;
    await assert.rejects(c.mcpCallTool('axme.check_nick', { arguments: {} }), (e) => {
      assert.ok(e instanceof axme.AxmeInvalidArgumentError);
      assert.equal(e.code, 'invalid_tool_arguments');
      assert.equal(e.body.tool, 'axme.check_nick');
      assert.match(e.message, /nick/);
      return true;
    });
    await assert.rejects(c.mcpCallTool('axme.check_nick', { arguments: { nick: 5 } }), axme.AxmeInvalidArgumentError);
    assert.equal((await mcpRequests(cred)).length, listed, 'nothing was sent');
    // Unchecked, the server's own check answers a tool error (a result, not an exception).
    const unchecked = await c.mcpCallTool('axme.check_nick', { arguments: {}, validateInputSchema: false });
    assert.equal(unchecked.isError, true);
    const ok = await c.mcpCallTool('axme.check_nick', { arguments: { nick: `@n_${unique()}` } });
    assert.equal(ok.isError, false);
  });

  it("ownerAgent (or the client's defaultOwnerAgent) scopes an owner-scoped tool", async () => {
    const agent = `agent://tests/owner-${unique()}`;
    const first = await client.sendIntent({ intent_type: 'tests.task.v1', to_agent: agent, payload: {} });
    const done = await client.mcpCallTool('axme.intents_resume', {
      arguments: { intent_id: first, action: 'complete', result: { by: 'mcp' } },
      ownerAgent: agent,
    });
    assert.equal(done.isError, false, JSON.stringify(done.structuredContent));
    assert.equal((await client.getIntent(first)).intent.status, 'COMPLETED');
    const second = await client.sendIntent({ intent_type: 'tests.task.v1', to_agent: agent, payload: {} });
    const scoped = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url, defaultOwnerAgent: agent });
    await scoped.mcpListTools(); // the injected owner_agent passes the cached schema check
    const byDefault = await scoped.mcpCallTool('axme.intents_resume', {
      arguments: { intent_id: second, action: 'fail', error: { code: 'no' } },
    });
    assert.equal(byDefault.isError, false, JSON.stringify(byDefault.structuredContent));
    assert.equal((await client.getIntent(second)).intent.status, 'FAILED');
  });

  it('tools/call is retried only with an idempotency key or retryable: true', async () => {
    const { cred, client: c } = await isolated({ retryBackoffMs: 1, maxRetries: 1 });
    await faults.rules(cred.credential_id, [
      { match: { method: 'POST', route: '/mcp', attempt: 1 }, action: { type: 'respond', status: 503 } },
      { match: { method: 'POST', route: '/mcp', attempt: 3 }, action: { type: 'respond', status: 503 } },
      { match: { method: 'POST', route: '/mcp', attempt: 5 }, action: { type: 'respond', status: 503 } },
    ]);
    await assert.rejects(c.mcpCallTool('axme.status'), axme.AxmeServerError); // attempt 1, not retried
    assert.equal((await c.mcpCallTool('axme.status', { retryable: true })).isError, false); // 2 ok
    // attempt 3 fails, its retry (4) answers
    assert.equal((await c.mcpCallTool('axme.status', { retryable: true })).isError, false);
    // attempt 5 fails, its retry (6) answers: the key makes the call retry-safe
    assert.equal((await c.mcpCallTool('axme.status', { idempotencyKey: `k-${unique()}` })).isError, false);
    assert.deepEqual(
      (await mcpRequests(cred)).map((r) => r.status),
      [503, 200, 503, 200, 503, 200],
    );
  });

  it('a JSON-RPC error with an HTTP meaning has its kind, with the code and the mapped status', async () => {
    await assert.rejects(client.mcpCallTool('axme.nope', { validateInputSchema: false }), (e) => {
      assert.ok(e instanceof axme.AxmeValidationError);
      assert.equal(e.kind, 'validation');
      assert.equal(e.code, '-32602');
      assert.equal(e.statusCode, 422);
      assert.equal(e.body.code, -32602);
      return true;
    });
    const anonymous = new AxmeClient({ baseUrl: server.url, apiKey: 'axme_sa_nobody_secret' });
    await assert.rejects(anonymous.mcpCallTool('axme.status'), (e) => {
      assert.ok(e instanceof axme.AxmeError);
      assert.equal(e.statusCode, 401);
      return true;
    });
  });

  it('bad tool names and arguments are refused before sending', async () => {
    await assert.rejects(client.mcpCallTool(''), /tool name must not be empty/);
    await assert.rejects(client.mcpCallTool(7), /tool name must be a string/);
    await assert.rejects(client.mcpCallTool('axme.status', { arguments: [1] }), /must be a JSON object/);
    await assert.rejects(client.mcpCallTool('axme.status', { retryable: 'yes' }), /retryable must be a boolean/);
  });

  it('per-call timeoutMs and an abort signal', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [{ match: { route: '/mcp' }, action: { type: 'delay', ms: 3000 } }]);
    const t0 = Date.now();
    await assert.rejects(c.mcpListTools({ timeoutMs: 150 }), axme.AxmeTimeoutError);
    await assert.rejects(c.mcpInitialize({ signal: AbortSignal.timeout(150) }), (e) => e.name === 'TimeoutError');
    assert.ok(Date.now() - t0 < 2500);
  });

  it('an answer without the request id is a protocol error', async () => {
    const { cred, client: c } = await isolated({ maxRetries: 0 });
    await faults.rules(cred.credential_id, [
      {
        match: { route: '/mcp' },
        action: { type: 'respond', status: 200, body: { jsonrpc: '2.0', id: 'someone-else', result: {} } },
      },
    ]);
    await assert.rejects(c.mcpListTools(), (e) => {
      assert.ok(e instanceof axme.AxmeProtocolError);
      assert.equal(e.kind, 'protocol');
      return true;
    });
  });
});

describe('raw JSON-RPC operations', () => {
  it('mcpRequest sends one message or a batch; mcpEndSession ends a 2025-11-25 session', async () => {
    const one = await client.mcpRequest({ jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.deepEqual(one, { jsonrpc: '2.0', id: 1, result: {} });
    const batch = await client.mcpRequest([
      { jsonrpc: '2.0', id: 'a', method: 'ping' },
      { jsonrpc: '2.0', id: 'b', method: 'tools/list' },
    ]);
    assert.deepEqual(
      batch.map((a) => a.id),
      ['a', 'b'],
    );
    const { cred, client: c } = await isolated({ mcpProtocolVersion: '2025-11-25' });
    await c.mcpInitialize();
    const session = (await mcpRequests(cred))[1].headers['mcp-session-id'][0];
    const ended = await c.mcpEndSession(session);
    assert.equal(ended.ok, true);
    await assert.rejects(c.mcpEndSession(session), axme.AxmeNotFoundError);
  });
});
