'use strict';
// Every public member of AxmeClient and of client.mesh (hand-written and generated) must be used
// by a test: a call site in one of the test files (`client.getIntent(`, `x.mesh.kill(`), the
// unserved-operations sweep of unserved.test.js, or a `todo` test naming it (reported as todo). A method added without a test fails here, so
// coverage cannot regress silently.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const { AxmeClient } = require('..');
const { sweptMethodNames } = require('./surface.js');

/** Public members (methods and getters) a prototype defines, own or inherited below Object. */
function publicMembers(proto) {
  const names = new Set();
  for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (typeof d.value === 'function' || d.get) names.add(name);
    }
  }
  return [...names].sort();
}

/** The test sources without comments (so a method named in a comment does not count). */
function testSources() {
  return readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f !== 'coverage.test.js')
    .map((f) => readFileSync(join(__dirname, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''));
}

/** Names used as `.name(` (not after `.mesh`) and as `.mesh.name` in the sources. */
function usedNames(sources) {
  const client = new Set();
  const mesh = new Set();
  for (const src of sources) {
    for (const m of src.matchAll(/(?<!\bmesh)\.([A-Za-z_$][\w$]*)\s*\(/g)) client.add(m[1]);
    for (const m of src.matchAll(/\.mesh\.([A-Za-z_$][\w$]*)/g)) mesh.add(m[1]);
    if (/\.mesh\b/.test(src)) client.add('mesh');
  }
  return { client, mesh };
}

/** Names mentioned in the titles of `todo` tests (`it.todo('uploadMediaContent …')`). */
function todoNames(sources) {
  const names = new Set();
  for (const src of sources) {
    for (const m of src.matchAll(/\.todo\(\s*(['"`])(.*?)\1/g)) {
      for (const word of m[2].match(/[A-Za-z_$][\w$]*/g) ?? []) names.add(word);
    }
  }
  return names;
}

describe('test coverage of the public surface', () => {
  it('every public method of AxmeClient and client.mesh is called by some test', () => {
    const offline = new AxmeClient({ apiKey: 'axme_sa_x_y', baseUrl: 'http://127.0.0.1:9' });
    const clientMembers = publicMembers(AxmeClient.prototype);
    const meshMembers = publicMembers(Object.getPrototypeOf(offline.mesh));
    assert.ok(clientMembers.length > 100, `the generated methods are installed (${clientMembers.length})`);
    assert.ok(meshMembers.includes('startHeartbeat') && meshMembers.includes('setPolicy'));

    const sources = testSources();
    const used = usedNames(sources);
    const swept = new Set(sweptMethodNames());
    const todo = todoNames(sources);
    const missing = [
      ...clientMembers.filter((n) => !used.client.has(n) && !swept.has(n) && !todo.has(n)),
      ...meshMembers.filter((n) => !used.mesh.has(n) && !swept.has(`mesh.${n}`)).map((n) => `mesh.${n}`),
    ];
    assert.deepEqual(missing, [], `public members no test calls: ${missing.join(', ')}`);
  });

  it('the scanner tells client calls, mesh calls, comments and todo titles apart', () => {
    const src = [
      'await client.getIntent(id);\nawait admin.mesh.kill(x);\n// client.listInbox(\nit.todo(\'uploadMediaContent later\');',
    ].map((t) => t.replace(/^\s*\/\/.*$/gm, ''));
    const used = usedNames(src);
    assert.ok(used.client.has('getIntent'));
    assert.ok(used.mesh.has('kill'));
    assert.ok(!used.client.has('kill'), 'a mesh call is not a client call');
    assert.ok(!used.client.has('listInbox'), 'a commented-out call does not count');
    assert.ok(todoNames(src).has('uploadMediaContent'));
  });
});
