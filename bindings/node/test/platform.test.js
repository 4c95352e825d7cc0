'use strict';
// The smaller families against the reference server: invites, media uploads, the schema
// registry, users and nicks, webhook subscriptions and events.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, unique, Faults } = require('./helpers.js');

let server;
let client;

before(async () => {
  server = await startServer();
  client = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
});

describe('invites', () => {
  it('create, read, accept (which registers the nick); accepting twice is refused', async () => {
    const owner = `agent://conformance/owner-${unique()}`;
    const created = await client.createInvite({ owner_agent: owner, recipient_hint: 'Receiver', ttl_seconds: 3600 });
    assert.equal(created.status, 'pending');
    assert.match(created.invite_url, new RegExp(`${created.token}$`));
    const read = await client.getInvite(created.token);
    assert.equal(read.owner_agent, owner);
    const nick = `@Invite.${unique()}`;
    const accepted = await client.acceptInvite(created.token, { nick, display_name: 'Invited' });
    assert.equal(accepted.status, 'accepted');
    assert.equal(accepted.normalized_nick, nick.toLowerCase());
    const profile = await client.getUserProfile(accepted.user.owner_agent);
    assert.equal(profile.display_name, 'Invited');
    assert.equal((await client.getInvite(created.token)).user_id, accepted.user_id);
    await assert.rejects(
      client.acceptInvite(created.token, { nick: `@other_${unique()}` }),
      (e) => e instanceof axme.AxmeHttpError && e.statusCode >= 400 && e.statusCode < 500,
    );
    await assert.rejects(client.createInvite({ owner_agent: 'bad name' }), (e) => e.code === 'invalid_agent_address');
    await assert.rejects(client.getInvite(`inv_${unique()}`), axme.AxmeNotFoundError);
  });
});

describe('media', () => {
  const body = (size) => ({
    owner_agent: 'agent://conformance/owner',
    filename: 'report.txt',
    mime_type: 'text/plain',
    size_bytes: size,
  });

  it('create an upload, read it, finalize it; without content its download answers not found', async () => {
    const created = await client.createMediaUpload(body(12345));
    const id = created.upload_id;
    const meta = await client.getMediaUpload(id);
    assert.equal(meta.upload.status, 'pending');
    assert.ok(meta.upload.upload_url.endsWith(`/v1/media/upload/${id}`));
    await assert.rejects(
      client.finalizeMediaUpload({ upload_id: id, size_bytes: 12 }),
      (e) => e instanceof axme.AxmeValidationError && e.code === 'size_mismatch',
    );
    const ready = await client.finalizeMediaUpload({ upload_id: id, size_bytes: 12345 });
    assert.equal(ready.status, 'ready');
    assert.equal(typeof ready.finalized_at, 'string');
    // One at a time: a second promise created up front could reject before anything awaits it.
    for (const read of [() => client.downloadMedia(id), () => client.previewMedia(id)]) {
      await assert.rejects(read(), (e) => e instanceof axme.AxmeNotFoundError && e.code === 'media_content_missing');
    }
    await assert.rejects(client.createMediaUpload(body(100 * 1024 * 1024 + 1)), (e) => e.statusCode === 413);
    await assert.rejects(client.createMediaUpload({ ...body(10), filename: '../../etc/passwd' }), (e) => e.statusCode === 422);
  });

  it('uploadMediaContent sends the bytes as they are, the same on a retry; download returns them', async () => {
    const { createHash } = require('node:crypto');
    const faults = new Faults(server.url);
    const cred = await faults.credential();
    const c = new AxmeClient({ apiKey: cred.api_key, baseUrl: server.url, retryBackoffMs: 10 });
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

    await c.finalizeMediaUpload({ upload_id: upload.upload_id, size_bytes: content.length });
    const downloaded = await c.downloadMedia(upload.upload_id);
    assert.ok(Buffer.isBuffer(downloaded));
    assert.deepEqual(downloaded, content);
    assert.deepEqual(await c.previewMedia(upload.upload_id), content);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(c.downloadMedia(upload.upload_id, { signal: aborted.signal }), { name: 'AbortError' });
  });
});

describe('schemas', () => {
  const dateSchema = { type: 'object', required: ['date'], properties: { date: { type: 'string' } } };

  it('upsert stores a schema once; backward mode versions compatible changes and refuses breaking ones', async () => {
    const semanticType = `tests.s${unique()}.v1`;
    const upsert = (schema, mode = 'backward') =>
      client.upsertSchema({ semantic_type: semanticType, schema_json: schema, compatibility_mode: mode });
    const stored = await upsert(dateSchema);
    assert.equal(stored.schema.version, 1);
    assert.equal(stored.changed, true);
    const again = await upsert(dateSchema);
    assert.equal(again.changed, false);
    assert.equal(again.schema.version, 1);
    const read = await client.getSchema(semanticType);
    assert.deepEqual(read.schema.schema_json, dateSchema);
    assert.equal(read.schema.schema_hash, stored.schema.schema_hash);
    const compatible = { ...dateSchema, properties: { ...dateSchema.properties, note: { type: 'string' } } };
    assert.equal((await upsert(compatible)).schema.version, 2);
    await assert.rejects(upsert({ ...compatible, required: ['date', 'note'] }), (e) => {
      assert.ok(e instanceof axme.AxmeConflictError);
      assert.equal(e.code, 'schema_incompatible');
      assert.ok(e.body.error.details.breaks.length > 0);
      return true;
    });
    const strictType = `tests.strict${unique()}.v1`;
    await client.upsertSchema({ semantic_type: strictType, schema_json: dateSchema, compatibility_mode: 'strict' });
    await assert.rejects(
      client.upsertSchema({ semantic_type: strictType, schema_json: { type: 'object' }, compatibility_mode: 'strict' }),
      (e) => e instanceof axme.AxmeConflictError && e.code === 'schema_incompatible',
    );
    await assert.rejects(client.getSchema(`tests.none${unique()}.v1`), axme.AxmeNotFoundError);
  });
});

describe('users and nicks', () => {
  it('check, register, resolve, rename, read and update a profile', async () => {
    const base = `u${unique()}`;
    const check = await client.checkNick(`@${base}`);
    assert.equal(check.normalized_nick, `@${base}`);
    assert.equal(check.available, true);
    const registered = await client.registerNick({ nick: `@${base}`, display_name: 'Alice', email: 'a@example.com' });
    const owner = registered.owner_agent;
    assert.equal((await client.checkNick(base)).available, false);
    const resolved = await client.resolveNick({ nick: base.toUpperCase() });
    assert.equal(resolved.resolved, true);
    assert.equal(resolved.owner_agent, owner);
    assert.equal((await client.resolveNick({ nick: `nobody${unique()}` })).resolved, false);
    const renamed = await client.renameNick({ owner_agent: owner, nick: `@${base}_2` });
    assert.equal(renamed.previous_nick, `@${base}`);
    assert.equal(renamed.user_id, registered.user_id);
    const profile = await client.getUserProfile(owner);
    assert.equal(profile.normalized_nick, `@${base}_2`);
    assert.equal(profile.email, 'a@example.com');
    const updated = await client.updateUserProfile({ owner_agent: owner, display_name: 'Alice B', phone: '+1 555 0100' });
    assert.equal(updated.display_name, 'Alice B');
    await assert.rejects(client.registerNick({ nick: `@${base}_2` }), (e) => e instanceof axme.AxmeConflictError);
  });
});

describe('webhooks', () => {
  it('subscribe, update, list, publish, replay and delete', async () => {
    const body = { callback_url: 'https://hooks.example/a', event_types: ['invite.accepted'] };
    const created = await client.upsertWebhookSubscription(body);
    const id = created.subscription.subscription_id;
    assert.match(created.secret, /^whsec_/);
    const updated = await client.upsertWebhookSubscription({ ...body, event_types: ['invite.accepted', 'inbox.thread_created'] });
    assert.equal(updated.created, false);
    assert.equal(updated.subscription.subscription_id, id);
    const listed = await client.listWebhookSubscriptions();
    assert.ok(listed.subscriptions.some((s) => s.subscription_id === id));

    const published = await client.publishWebhookEvent({ event_type: 'invite.accepted', source: 'node-test', payload: { n: 1 } });
    assert.equal(typeof published.event_id, 'string');
    // hooks.example is not an allowed callback host: the delivery is dead-lettered, never sent.
    const replayed = await client.replayWebhookEvent(published.event_id);
    assert.equal(replayed.event_id, published.event_id);
    assert.equal(typeof replayed.replayed_at, 'string');

    const deleted = await client.deleteWebhookSubscription(id);
    assert.equal(typeof deleted.revoked_at, 'string');
    assert.equal((await client.listWebhookSubscriptions()).subscriptions.some((s) => s.subscription_id === id), false);
    await assert.rejects(
      client.upsertWebhookSubscription({ callback_url: 'ftp://x.example/h', event_types: ['invite.accepted'] }),
      (e) => e.statusCode === 422,
    );
    await assert.rejects(client.replayWebhookEvent('00000000-0000-4000-8000-000000000000'), axme.AxmeNotFoundError);
  });
});
