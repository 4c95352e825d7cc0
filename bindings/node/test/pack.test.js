'use strict';
// `npm pack` carries the native binary of this platform, and the tarball installs into a fresh
// project (no registry needed: the package has no dependencies) that runs the README quickstart,
// as an ES module and through require().

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile, execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { promisify } = require('node:util');

const { startServer } = require('./helpers.js');
const { platformTriple } = require('../lib/native.js');

const PKG = resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let server;
let work;
let tarball;
let files;

/** The first ```js block after the README's "## Quickstart" heading. */
function quickstart() {
  const readme = readFileSync(join(PKG, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quickstart'));
  const m = section.match(/```js\n([\s\S]*?)```/);
  assert.ok(m, 'README.md has a ```js quickstart block');
  return m[1];
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'axme-pack-'));
  const out = execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: PKG, encoding: 'utf8' });
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path);
  server = await startServer();
});

after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('the tarball holds the JS entries, the declarations, the generated operations and this platform’s binary', () => {
    assert.match(tarball, /axme-axme-0\.3\.0\.tgz$/);
    for (const f of [
      'package.json',
      'README.md',
      'index.js',
      'index.mjs',
      'index.d.ts',
      'lib/client.js',
      'lib/errors.js',
      'lib/native.js',
      'generated/operations.js',
      'generated/operations.d.ts',
      `axme.${platformTriple()}.node`,
    ]) {
      assert.ok(files.includes(f), `${f} is packed (got ${files.join(', ')})`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f === 'Cargo.toml'));
  });

  it('installs into a fresh project and runs the README quickstart (ESM and CommonJS)', async () => {
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: app, stdio: 'pipe' });
    writeFileSync(join(app, 'quickstart.mjs'), quickstart());
    writeFileSync(
      join(app, 'check.cjs'),
      "const { AxmeClient, AxmeHttpError } = require('@axme/axme');\n" +
        "console.log(typeof AxmeClient, typeof AxmeHttpError, require.resolve('@axme/axme'));\n",
    );
    const env = { ...process.env, AXME_BASE_URL: server.url, AXME_API_KEY: server.apiKey };
    const run = (file) => promisify(execFile)(process.execPath, [file], { cwd: app, env, timeout: 60_000 });
    const { stdout } = await run('quickstart.mjs');
    assert.match(stdout, /COMPLETED/);
    const cjs = await run('check.cjs');
    assert.match(cjs.stdout, /^function function .*node_modules[\\/]@axme[\\/]axme[\\/]index\.js/);
  });
});
