'use strict';
// Every generated method whose operation the reference server does not serve yet (the spec's
// `x-axme-served: false`, listed in codegen/out/surface.json) is called once: it must reach the
// operation's method and route template (as the server's fault journal records them) and fail
// with the typed 501 the server answers. When the server learns an operation, this sweep stops
// calling it and that family's own test file must cover it (coverage.test.js checks that).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const axme = require('..');
const { AxmeClient } = axme;
const { startServer, Faults } = require('./helpers.js');
const { unservedMethods, argumentsFor } = require('./surface.js');

let server;
let faults;

before(async () => {
  server = await startServer();
  faults = new Faults(server.url);
});

after(async () => {
  await server?.stop();
});

describe('operations the reference server does not serve yet', () => {
  it('each generated method reaches its route and fails with AxmeServerError 501 not_implemented', async () => {
    const sweep = unservedMethods();
    assert.ok(sweep.length > 0, 'surface.json lists unserved operations');
    const cred = await faults.credential('unserved');
    const client = new AxmeClient({ apiKey: cred.api_key, baseUrl: server.url, maxRetries: 0 });
    for (const { client: sub, method } of sweep) {
      const target = sub ? client[sub] : client;
      assert.equal(typeof target[method.name], 'function', `${method.name} is a method`);
      await assert.rejects(target[method.name](...argumentsFor(method)), (e) => {
        assert.ok(e instanceof axme.AxmeServerError, `${method.name}: ${e}`);
        assert.equal(e.statusCode, 501, method.name);
        assert.equal(e.code, 'not_implemented', method.name);
        return true;
      });
    }
    const journal = await faults.requests(cred.credential_id);
    assert.deepEqual(
      journal.map((r) => `${r.method} ${r.route}`),
      sweep.map(({ op }) => `${op.method} ${op.path}`),
    );
  });
});
