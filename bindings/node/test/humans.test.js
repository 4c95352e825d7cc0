'use strict';
// The human-facing families against the reference server: human tasks answered with an actor
// token, approval decisions, and owner inboxes (completion delivery to `reply_to`, every thread
// action, the change feed).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, createHuman, unique } = require('./helpers.js');

let server;
let client;

before(async () => {
  server = await startServer();
  client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
});

/** A human of the dev organisation and a client calling with its actor token only. */
function human(prefix) {
  const name = `${prefix}-${unique()}`;
  const token = createHuman(server, name);
  return { name, address: `agent://dev/default/${name}`, client: new AxmeClient({ actorToken: token, baseUrl: server.url }) };
}

const taskIntent = (to, task, extra = {}) => ({
  intent_type: 'ops.deploy.v1',
  to_agent: to,
  payload: { service: 'api' },
  human_task: task,
  ...extra,
});

describe('human tasks', () => {
  it('a human task parks the intent; the assignee lists and answers it with an actor token', async () => {
    const alice = human('alice');
    const agent = `agent://acme/deployer-${unique()}`;
    const created = await client.createIntent(
      taskIntent(agent, { title: 'Ship api v3?', task_type: 'approval', assignees: [alice.name] }),
      { correlationId: randomUUID() },
    );
    assert.equal(created.status, 'WAITING');
    const id = created.intent_id;
    const events = (await client.listIntentEvents(id)).events;
    assert.deepEqual(
      events.map((e) => e.event_type),
      ['intent.created', 'intent.submitted', 'intent.delivered', 'intent.waiting', 'intent.human_task_assigned'],
    );
    assert.equal(events[3].waiting_reason, 'WAITING_FOR_HUMAN');
    assert.deepEqual(events[4].details.allowed_outcomes, ['approved', 'rejected']);

    const open = await alice.client.listMyTasks({ status: 'open' });
    assert.deepEqual(
      open.tasks.map((t) => t.intent_id),
      [id],
    );
    assert.equal(open.tasks[0].task_status, 'open');
    assert.equal(open.actor.address, alice.address);

    const answered = await alice.client.resumeIntent(id, { task_result: { outcome: 'approved', comment: 'go' } });
    assert.equal(answered.intent.status, 'IN_PROGRESS');
    assert.equal(answered.event.event_type, 'intent.in_progress');
    assert.equal(answered.event.actor, alice.address);
    const done = await alice.client.listMyTasks({ status: 'answered', limit: 5 });
    assert.equal(done.tasks[0].intent_id, id);
    assert.equal(done.tasks[0].outcome, 'approved');
    assert.deepEqual((await alice.client.listMyTasks({ status: 'open' })).tasks, []);
    await assert.rejects(
      alice.client.resumeIntent(id, { task_result: { outcome: 'approved' } }),
      (e) => e instanceof axme.AxmeConflictError && e.code === 'no_open_human_task',
    );
  });

  it('answers are checked: the outcome, the assignee, the spec', async () => {
    const alice = human('alice');
    const bob = human('bob');
    const id = await client.sendIntent(
      taskIntent('agent://acme/granter', { title: 't', assignees: [alice.name], required_comment: true }),
    );
    await assert.rejects(alice.client.resumeIntent(id, { task_result: { outcome: 'maybe', comment: 'c' } }), (e) => {
      assert.ok(e instanceof axme.AxmeValidationError);
      assert.equal(e.code, 'outcome_not_allowed');
      assert.equal(e.body.error.details.field, 'task_result.outcome');
      return true;
    });
    await assert.rejects(
      alice.client.resumeIntent(id, { task_result: { outcome: 'approved' } }),
      (e) => e.code === 'comment_required',
    );
    await assert.rejects(
      bob.client.resumeIntent(id, { task_result: { outcome: 'approved', comment: 'c' } }),
      (e) => e instanceof axme.AxmeAuthError && e.statusCode === 403 && e.code === 'not_an_assignee',
    );
    await assert.rejects(
      client.createIntent(taskIntent('agent://x', { title: 't', task_type: 'dance' }), { correlationId: randomUUID() }),
      (e) => e.statusCode === 422 && e.body.error.details.field === 'human_task.task_type',
    );
    const forged = new AxmeClient({ actorToken: 'axme_actor_forged', baseUrl: server.url });
    await assert.rejects(forged.listMyTasks(), (e) => e instanceof axme.AxmeAuthError && e.code === 'invalid_actor_token');
  });

  it('a rejection fails the intent and reaches the reply_to inbox', async () => {
    const alice = human('alice');
    const requester = `agent://acme/requester-${unique()}`;
    const id = await client.sendIntent(
      taskIntent('agent://acme/granter', { title: 't', assignees: [alice.name] }, { reply_to: requester }),
    );
    const refused = await alice.client.resumeIntent(id, { task_result: { outcome: 'rejected', comment: 'no' } });
    assert.equal(refused.intent.status, 'FAILED');
    assert.equal(refused.intent.error.code, 'human_task_rejected');
    assert.equal(refused.completion_delivery.thread_id, id);
    const inbox = await client.listInbox({ ownerAgent: requester });
    assert.equal(inbox.threads[0].timeline[0].event_type, 'intent.failed');
  });
});

describe('approvals', () => {
  it('a free-standing decision is recorded once; flipping it is a conflict', async () => {
    const approvalId = randomUUID();
    const decided = await client.decideApproval(approvalId, { decision: 'approve', comment: 'by test' });
    assert.equal(decided.approval.approval_id, approvalId);
    assert.equal(decided.approval.decision, 'approve');
    assert.equal(decided.approval.intent_id, null);
    const again = await client.decideApproval(approvalId, { decision: 'approve' });
    assert.deepEqual(again.approval, decided.approval);
    await assert.rejects(
      client.decideApproval(approvalId, { decision: 'reject' }),
      (e) => e instanceof axme.AxmeConflictError && e.code === 'approval_already_decided',
    );
  });

  it('a decision by the assignee answers the human task of an intent', async () => {
    const alice = human('alice');
    const id = await client.sendIntent(taskIntent('agent://acme/deployer', { title: 't', assignees: [alice.name] }));
    const decided = await alice.client.decideApproval(id, { decision: 'approve', comment: 'go' });
    assert.equal(decided.approval.intent_id, id);
    assert.equal(decided.approval.intent_status, 'IN_PROGRESS');
    assert.equal(decided.approval.decided_by, alice.address);
    assert.deepEqual((await client.getIntent(id)).intent.task_result, { outcome: 'approved', comment: 'go' });
    const plain = await client.sendIntent({ intent_type: 'notify.message.v1', to_agent: 'agent://x', payload: {} });
    await assert.rejects(client.decideApproval(plain, { decision: 'approve' }), (e) => e.code === 'approval_not_pending');
  });
});

describe('inbox', () => {
  /** An intent with reply_to, completed: its thread lands in the owner's inbox. */
  async function completedTo(owner) {
    const id = await client.sendIntent({
      intent_type: 'notify.message.v1',
      to_agent: 'agent://conformance/receiver',
      payload: {},
      reply_to: owner,
    });
    const resolved = await client.resolveIntent(id, { status: 'COMPLETED', result: { ok: true } });
    assert.equal(resolved.completion_delivery.delivered, true);
    return id;
  }

  it('a completion lands in the reply_to inbox; read, reply, delegate, approve, delete', async () => {
    const owner = `agent://conformance/owner-${unique()}`;
    const delegate = `agent://conformance/delegate-${unique()}`;
    const id = await completedTo(owner);
    const inbox = await client.listInbox({ ownerAgent: owner });
    assert.equal(inbox.threads[0].thread_id, id);
    assert.equal(inbox.threads[0].unread, true);
    assert.equal(inbox.threads[0].status, 'pending');

    const thread = await client.getInboxThread(id, { ownerAgent: owner });
    assert.equal(thread.thread.thread_id, id);
    assert.equal(thread.thread.timeline[0].event_type, 'intent.completed');

    const read = await client.markInboxThreadRead(id, { ownerAgent: owner });
    assert.equal(read.thread.unread, false);
    const replied = await client.replyInboxThread(id, { message: 'ack from the owner', ownerAgent: owner });
    assert.equal(replied.thread.status, 'active');
    assert.equal(replied.thread.timeline[1].details.message, 'ack from the owner');
    const delegated = await client.delegateInboxThread(id, { delegate_to: delegate, note: 'handoff' }, { ownerAgent: owner });
    assert.deepEqual(delegated.thread.participants, [owner, delegate]);
    assert.equal((await client.listInbox({ ownerAgent: delegate })).threads[0].thread_id, id);

    const approved = await client.approveInboxThread(id, { comment: 'looks good' }, { ownerAgent: owner });
    assert.equal(approved.thread.status, 'done');
    assert.equal(approved.thread.decision.decision, 'approve');
    await assert.rejects(
      client.rejectInboxThread(id, { comment: 'no' }, { ownerAgent: owner }),
      (e) => e instanceof axme.AxmeConflictError && e.code === 'thread_already_decided',
    );
    const deleted = await client.deleteInboxMessages(id, { mode: 'self', limit: 1 }, { ownerAgent: owner });
    assert.equal(deleted.mode, 'self');
    assert.equal(deleted.deleted_count, 1);
    await assert.rejects(client.replyInboxThread(id, { message: 7, ownerAgent: owner }), (e) => e.statusCode === 422);
    await assert.rejects(
      client.getInboxThread(randomUUID(), { ownerAgent: owner }),
      (e) => e instanceof axme.AxmeNotFoundError,
    );
  });

  it('rejectInboxThread decides an undecided thread', async () => {
    const owner = `agent://conformance/owner-${unique()}`;
    const id = await completedTo(owner);
    const rejected = await client.rejectInboxThread(id, { comment: 'not now' }, { ownerAgent: owner });
    assert.equal(rejected.thread.decision.decision, 'reject');
  });

  it('the change feed pages with cursors', async () => {
    const owner = `agent://conformance/feed-${unique()}`;
    const ids = [await completedTo(owner), await completedTo(owner), await completedTo(owner)];
    const page = await client.listInboxChanges({ ownerAgent: owner, limit: 2 });
    assert.equal(page.has_more, true);
    assert.deepEqual(
      page.changes.map((c) => c.thread.thread_id),
      ids.slice(0, 2),
    );
    const rest = await client.listInboxChanges({ ownerAgent: owner, cursor: page.next_cursor });
    assert.equal(rest.has_more, false);
    assert.deepEqual(
      rest.changes.map((c) => c.thread.thread_id),
      [ids[2]],
    );
  });
});
