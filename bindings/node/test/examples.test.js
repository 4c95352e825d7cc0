'use strict';
// examples/typescript: type-checked with tsc against this package, compiled, and run against the
// reference server; each prints its story and exits 0.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile, execFileSync } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { promisify } = require('node:util');

const { ROOT, startServer } = require('./helpers.js');

const PKG = resolve(__dirname, '..');
const EXAMPLES = join(ROOT, 'examples', 'typescript');
let server;
let work;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'axme-examples-'));
  for (const f of readdirSync(EXAMPLES).filter((f) => f.endsWith('.mts') || f === 'tsconfig.json')) {
    cpSync(join(EXAMPLES, f), join(work, f));
  }
  mkdirSync(join(work, 'node_modules', '@axme'), { recursive: true });
  mkdirSync(join(work, 'node_modules', '@types'), { recursive: true });
  symlinkSync(PKG, join(work, 'node_modules', '@axme', 'axme'), 'dir');
  symlinkSync(join(PKG, 'node_modules', '@types', 'node'), join(work, 'node_modules', '@types', 'node'), 'dir');
  symlinkSync(join(PKG, 'node_modules', 'undici-types'), join(work, 'node_modules', 'undici-types'), 'dir');
  server = await startServer();
});

after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('examples/typescript', () => {
  it('type-check and compile with tsc', () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [PKG] });
    try {
      execFileSync(process.execPath, [tsc, '-p', work], { cwd: work, encoding: 'utf8' });
    } catch (e) {
      assert.fail(`tsc reported errors:\n${e.stdout}${e.stderr}`);
    }
  });

  const runs = [
    ['deployment-approval', [], 0, /approved by alice@acme\.example; deploying/],
    ['deployment-approval', ['--reject'], 1, /not approved \(COMPLETED: not during the freeze\); stopping/],
    ['agent-handoff', [], 0, /crashing mid-task[\s\S]*first worker is gone[\s\S]*COMPLETED; history: .*in_progress → completed/],
    ['order-flow', [], 0, /stock reserved \(res-KB-42\)[\s\S]*paid \(ch_1\)[\s\S]*shipped, tracking 1Z999AA10123456784/],
    ['order-flow', ['--decline'], 1, /payment FAILED \(card_declined\); releasing the stock[\s\S]*inventory\.release\.v1 +#\d+ intent\.completed/],
  ];
  for (const [name, args, code, pattern] of runs) {
    it(`${[name, ...args].join(' ')} runs against the reference server`, async () => {
      let out;
      try {
        out = await promisify(execFile)(process.execPath, [join(work, 'dist', `${name}.mjs`), ...args], {
          cwd: work,
          env: { ...process.env, AXME_BASE_URL: server.url, AXME_API_KEY: server.apiKey },
          timeout: 60_000,
        });
        out.code = 0;
      } catch (e) {
        if (typeof e.code !== 'number') throw e;
        out = e;
      }
      assert.equal(out.code, code, `exit code; output:\n${out.stdout}${out.stderr}`);
      assert.match(out.stdout, pattern);
    });
  }
});
