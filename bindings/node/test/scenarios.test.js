'use strict';
// Scenario bundles against the reference server: the dry run with field paths, apply and its
// idempotency key, and a workflow run to its end by agents listening for their steps.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, unique } = require('./helpers.js');

let server;
let client;

before(async () => {
  server = await startServer();
  client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
});

/** reserve → charge → ship, with `release` when the charge fails; agents under a fresh org name. */
function orderBundle(shop = `shop${unique()}`) {
  return {
    scenario_id: 'shop.order',
    agents: [
      { role: 'inventory', address: `agent://${shop}/inventory`, create_if_missing: true },
      { role: 'payment', address: `agent://${shop}/payment`, delivery_mode: 'stream' },
      { role: 'shipping', address: `${shop}/shipping` },
    ],
    workflow: {
      steps: [
        { step_id: 'reserve', tool_id: 'tool.agent.task.v1', assigned_to: 'inventory', input: { sku: 'A-1', qty: 2 } },
        { step_id: 'charge', tool_id: 'tool.agent.task.v1', assigned_to: 'payment', on_failure: 'release', input: { amount: 42 } },
        { step_id: 'ship', tool_id: 'tool.agent.task.v1', assigned_to: 'shipping' },
        { step_id: 'release', tool_id: 'tool.agent.task.v1', assigned_to: 'inventory' },
      ],
    },
    intent: { type: 'shop.order', payload: { order_id: 'o-7' } },
  };
}

describe('validate', () => {
  it('a valid bundle reports its steps; every problem of a bad one comes with its path', async () => {
    const ok = await client.validateScenario(orderBundle());
    assert.equal(ok.valid, true);
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.intent_type, 'shop.order.v1');
    assert.deepEqual(ok.steps[1], { step_id: 'charge', kind: 'agent' });
    const bad = orderBundle();
    bad.scenario_id = 'Shop Order';
    bad.agents[1].delivery_mode = 'pigeon';
    bad.workflow.steps[2].assigned_to = 'nobody here';
    const resp = await client.validateScenario(bad);
    assert.equal(resp.valid, false);
    const paths = resp.errors.map((e) => e.path);
    for (const expected of ['scenario_id', 'agents[1].delivery_mode', 'workflow.steps[2].assigned_to']) {
      assert.ok(paths.includes(expected), `${expected} in ${paths}`);
    }
  });
});

describe('apply', () => {
  it('idempotencyKey replays the first apply; a changed bundle with it is a conflict', async () => {
    const bundle = orderBundle();
    const key = `order-${unique()}`;
    const first = await client.applyScenario(bundle, { idempotencyKey: key });
    assert.equal(first.idempotent, false);
    assert.equal(first.status, 'IN_PROGRESS');
    assert.equal(first.agents[2].created, true);
    assert.equal(first.agents[2].delivery_mode, 'stream');
    const again = await client.applyScenario(bundle, { idempotencyKey: key });
    assert.equal(again.idempotent, true);
    assert.equal(again.intent_id, first.intent_id);
    const changed = { ...bundle, intent: { type: 'shop.order', payload: { order_id: 'o-8' } } };
    await assert.rejects(
      client.applyScenario(changed, { idempotencyKey: key }),
      (e) => e instanceof axme.AxmeConflictError && e.code === 'idempotency_key_reused',
    );
    const invalid = orderBundle();
    invalid.workflow.steps[0].on_success = 'nowhere';
    await assert.rejects(client.applyScenario(invalid), (e) => {
      assert.ok(e instanceof axme.AxmeValidationError);
      assert.equal(e.code, 'invalid_bundle');
      assert.equal(e.body.error.details.errors[0].path, 'workflow.steps[0].on_success');
      return true;
    });
  });

  it('a workflow runs step by step as its agents complete their sub-intents', async () => {
    const shop = `shop${unique()}`;
    const applied = await client.applyScenario(orderBundle(shop));
    assert.equal(applied.pending_with, `agent://${shop}/inventory`);
    // Each agent takes its step from its listen stream and completes it. Steps run in order while
    // nothing fails, so the compensation step `release` runs last too.
    const steps = [
      ['reserve', 'inventory'],
      ['charge', 'payment'],
      ['ship', 'shipping'],
      ['release', 'inventory'],
    ];
    for (const [stepId, role] of steps) {
      const agent = `agent://${shop}/${role}`;
      const stream = client.listen(agent, { waitSeconds: 5, timeoutMs: 10_000 });
      const { value: step } = await stream.next();
      await stream.return();
      const sub = (await client.getIntent(step.intent_id)).intent;
      assert.equal(sub.to_agent, agent);
      assert.equal(sub.payload.step_id, stepId);
      assert.equal(sub.payload.parent_intent_id, applied.intent_id);
      assert.deepEqual(sub.payload.parent_payload, { order_id: 'o-7' });
      await client.resumeIntent(step.intent_id, { action: 'complete', result: { role } }, { ownerAgent: agent });
    }
    const done = await client.waitFor(applied.intent_id, { timeoutMs: 10_000 });
    assert.equal(done.status, 'COMPLETED');
  });

  it('a bundle without steps sends its intent and provisions its humans', async () => {
    const contact = `erin-${unique()}@example.com`;
    const bundle = {
      scenario_id: 'expense.approval',
      agents: [{ role: 'finance', address: `agent://acme/finance-${unique()}` }],
      humans: [{ role: 'approver', contact, display_name: 'Erin' }],
      intent: {
        type: 'expense.approval.v2',
        payload: { amount: 320 },
        human_task: { title: 'Approve 320 EUR', assignees: [contact] },
      },
    };
    const applied = await client.applyScenario(bundle);
    assert.equal(applied.status, 'WAITING');
    assert.deepEqual(applied.steps, []);
    assert.equal(applied.humans[0].created, true);
    assert.equal((await client.applyScenario(bundle)).humans[0].created, false, 'found by e-mail the second time');
  });
});
