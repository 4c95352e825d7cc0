'use strict';
// Test support: the reference server as a child process on port 0, and its fault-injection API.

const { spawn, execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const ROOT = resolve(__dirname, '..', '..', '..');
const DEBUG_SERVER = join(ROOT, 'target', 'debug', process.platform === 'win32' ? 'axme-server.exe' : 'axme-server');

/** The server binary: AXME_SERVER_BIN, else target/debug/axme-server (built when missing). */
function serverBinary() {
  if (process.env.AXME_SERVER_BIN) return process.env.AXME_SERVER_BIN;
  if (!existsSync(DEBUG_SERVER)) {
    execFileSync('cargo', ['build', '-p', 'axme-server', '--bin', 'axme-server'], { cwd: ROOT, stdio: 'inherit' });
  }
  return DEBUG_SERVER;
}

function readIfComplete(path) {
  try {
    const text = readFileSync(path, 'utf8');
    return text.endsWith('\n') ? text.trim() : null;
  } catch {
    return null;
  }
}

/**
 * Start `axme-server --data-dir TMP --listen 127.0.0.1:0 --faults` (plus `extraArgs`); resolves
 * once it wrote `server-addr`. Returns `{url, apiKey, dataDir, stop()}`; `stop()` sends SIGTERM
 * and waits.
 */
async function startServer(extraArgs = []) {
  const bin = serverBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'axme-node-test-'));
  const args = ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--faults', '--log', 'warn', ...extraArgs];
  const child = spawn(bin, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let exited = null;
  const exit = new Promise((res) => child.once('exit', (code, sig) => res((exited = { code, sig }))));
  // If this test process dies before stop() (a signal, a broken pipe), take the server along.
  const reap = () => exited || child.kill('SIGKILL');
  process.once('exit', reap);
  const addrFile = join(dataDir, 'server-addr');
  const deadline = Date.now() + 30_000;
  let url = null;
  // Bounded poll for the file the server writes once it is listening.
  while (!(url = readIfComplete(addrFile))) {
    if (exited) throw new Error(`axme-server exited (${JSON.stringify(exited)}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`axme-server did not write ${addrFile} within 30 s: ${stderr}`);
    }
    await sleep(20);
  }
  const apiKey = readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim();
  let stopped = false;
  return {
    url,
    apiKey,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!exited) child.kill('SIGTERM');
      await exit;
      process.removeListener('exit', reap);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The fault-injection control API of one server (spec/faults.md). */
class Faults {
  constructor(url) {
    this.url = url;
  }

  async _req(method, path, body) {
    const resp = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await resp.json();
    if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** A fresh isolated credential: `{credential_id, api_key, org_id, workspace_id}`. */
  credential(name = 'node-test') {
    return this._req('POST', '/_faults/credentials', { name });
  }

  rules(credentialId, rules) {
    return this._req('POST', `/_faults/credentials/${credentialId}/rules`, { rules });
  }

  async requests(credentialId) {
    return (await this._req('GET', `/_faults/credentials/${credentialId}/requests`)).requests;
  }
}

/** An intent body for the tests; `to` and any other field can be overridden. */
function intentBody(to = 'agent://acme/prod/billing', extra = {}) {
  return { intent_type: 'notify.message.v1', to_agent: to, payload: { text: 'hello' }, ...extra };
}

/**
 * A client on a fresh fault credential (an isolated organisation whose requests the server
 * journals), with that credential: `{cred, client}`.
 */
async function isolatedClient(server, faults, config = {}, name = undefined) {
  const { AxmeClient } = require('..');
  const cred = await faults.credential(name);
  return { cred, client: new AxmeClient({ apiKey: cred.api_key, baseUrl: server.url, ...config }) };
}

/** Poll `fn` until it returns a truthy value (bounded); for state that another process changes. */
async function until(fn, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * A human user of the server's `dev` organisation (`axme-server admin users create`, which works
 * while the server runs); returns its actor token.
 */
function createHuman(server, name, email) {
  const args = ['--data-dir', server.dataDir, 'admin', 'users', 'create', '--org', 'dev', '--name', name];
  if (email) args.push('--email', email);
  const token = execFileSync(serverBinary(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  if (!token.startsWith('axme_actor_')) throw new Error(`unexpected actor token for ${name}: ${token}`);
  return token;
}

/** A short unique suffix for names and addresses, so tests sharing a server never collide. */
function unique() {
  return require('node:crypto').randomUUID().slice(0, 8);
}

module.exports = { ROOT, startServer, Faults, until, createHuman, unique, serverBinary, intentBody, isolatedClient };
