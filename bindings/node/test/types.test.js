'use strict';
// The hand-written index.d.ts, with the generated declarations merged in, type-checks the way
// users write against it (ESM and CommonJS TypeScript), and misuse stays an error.

const { it } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

it('index.d.ts type-checks with tsc (strict, nodenext)', () => {
  const pkg = join(__dirname, '..');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [pkg] });
  try {
    execFileSync(process.execPath, [tsc, '-p', join(__dirname, 'types', 'tsconfig.json')], { cwd: pkg, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`tsc reported errors:\n${e.stdout}${e.stderr}`);
  }
});
