'use strict';
// Administration over HTTP against the reference server: organisations, workspaces, service
// accounts and their keys (create, list, rotate, revoke), and who may do what.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const axme = require('..');
const { AxmeClient } = axme;
const { startServer, unique } = require('./helpers.js');

let server;
/** The dev account: an admin. */
let admin;

before(async () => {
  server = await startServer();
  admin = new AxmeClient({ apiKey: server.apiKey, baseUrl: server.url });
});

after(async () => {
  await server?.stop();
});

const keyClient = (apiKey) => new AxmeClient({ apiKey, baseUrl: server.url, maxRetries: 0 });

describe('organisations and workspaces', () => {
  it('create an organisation (with its default workspace), read it by name, add and list workspaces', async () => {
    const name = `acme-${unique()}`;
    const created = await admin.createOrganization({ name, legal_name: 'Acme Inc.', metadata: { tier: 'gold' } });
    const org = created.organization;
    assert.equal(org.name, name);
    assert.equal(org.legal_name, 'Acme Inc.');
    assert.equal(org.workspaces[0].name, 'default');
    assert.equal((await admin.getOrganization(name)).organization.org_id, org.org_id);
    const ws = await admin.createWorkspace(org.org_id, { name: 'prod', environment: 'production', region: 'eu' });
    assert.equal(ws.workspace.name, 'prod');
    assert.equal(ws.workspace.environment, 'production');
    const list = await admin.listWorkspaces(name);
    assert.deepEqual(
      list.workspaces.map((w) => w.name),
      ['default', 'prod'],
    );
    await assert.rejects(admin.createOrganization({ name }), (e) => e instanceof axme.AxmeConflictError);
    await assert.rejects(admin.createWorkspace(name, { name: 'qa', environment: 'moon' }), (e) => e.statusCode === 422);
    await assert.rejects(admin.getOrganization(`nobody-${unique()}`), axme.AxmeNotFoundError);
  });
});

describe('service accounts and keys', () => {
  it('an account gets a key; a second key rotates the first; revoked keys are refused at once', async () => {
    const name = `worker-${unique()}`;
    const created = await admin.createServiceAccount({ org_id: 'dev', workspace_id: 'default', name });
    const id = created.service_account.service_account_id;
    const issued = await admin.createServiceAccountKey(id, {});
    assert.match(issued.api_key, /^axme_sa_/);
    const worker = keyClient(issued.api_key);
    assert.equal((await worker.listIntents()).ok, true, 'the issued key works');

    const got = await admin.getServiceAccount(id);
    assert.equal(got.service_account.agent_address, `agent://dev/default/${name}`);
    assert.equal(got.service_account.admin, false);
    const listed = await admin.listServiceAccounts({ orgId: 'dev', workspaceId: 'default' });
    assert.ok(listed.service_accounts.some((s) => s.name === name));

    const keys = await worker.listServiceAccountKeys(id);
    const firstKey = keys.keys[0].key_id;
    const second = await worker.createServiceAccountKey(id, { name: 'ci' });
    const ci = keyClient(second.api_key);
    const rotated = await ci.rotateServiceAccountKey(id, firstKey);
    assert.equal(rotated.revoked_key_id, firstKey);
    await assert.rejects(worker.listIntents(), (e) => e instanceof axme.AxmeAuthError && e.statusCode === 401);
    const fresh = keyClient(rotated.api_key);
    assert.equal((await fresh.listIntents()).ok, true);
    await assert.rejects(
      fresh.rotateServiceAccountKey(id, firstKey),
      (e) => e instanceof axme.AxmeConflictError && e.code === 'key_already_revoked',
    );
    const revoked = await fresh.revokeServiceAccountKey(id, second.key_id);
    assert.equal(revoked.revoked, true);
    await assert.rejects(ci.listIntents(), axme.AxmeAuthError);
    assert.deepEqual(
      (await admin.listServiceAccountKeys(id)).keys.map((k) => k.status),
      ['revoked', 'revoked', 'active'],
    );
  });

  it('only an admin creates accounts, organisations, or keys of other accounts', async () => {
    const created = await admin.createServiceAccount({ org_id: 'dev', workspace_id: 'default', name: `plain-${unique()}` });
    const plain = keyClient((await admin.createServiceAccountKey(created.service_account.service_account_id, {})).api_key);
    const adminRequired = (e) => e instanceof axme.AxmeAuthError && e.statusCode === 403 && e.code === 'admin_required';
    await assert.rejects(plain.createOrganization({ name: `mine-${unique()}` }), adminRequired);
    await assert.rejects(
      plain.createServiceAccount({ org_id: 'dev', workspace_id: 'default', name: `x-${unique()}` }),
      adminRequired,
    );
    const devId = (await admin.listServiceAccounts({ orgId: 'dev' })).service_accounts.find((s) => s.name === 'dev')
      .service_account_id;
    await assert.rejects(plain.createServiceAccountKey(devId, {}), adminRequired);
  });
});
