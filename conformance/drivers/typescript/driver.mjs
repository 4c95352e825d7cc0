// The TypeScript conformance driver: performs driver-protocol requests with @axme/axme.
//
// Protocol: conformance/docs/driver-protocol.md. JSON lines in on stdin, JSON lines out on
// stdout, free text on stderr. Every request is its own promise with its own AbortController, so
// requests run concurrently and may be answered out of order; `cancel` aborts the target's
// signal, which makes the SDK drop the Rust future (and with it the request or stream).
//
// Run with node 20 after `./dev build-node`: `node conformance/drivers/typescript/driver.mjs`.

import { createInterface } from 'node:readline';

import { DriverMisuse, Unsupported, canceledJson, errorJson } from './errors.mjs';
import { FEATURES, OPERATIONS, SDK_VERSION, Session } from './ops.mjs';

const PROTOCOL_VERSION = 1;

function log(message) {
  process.stderr.write(`typescript driver: ${message}\n`);
}

/** One write per whole line: node queues writes in order, so lines never interleave. */
function writeLine(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const session = new Session();
/** id → {controller, canceled, done} of the requests still running. */
const running = new Map();
const seen = new Set();
let closing = false;

function cancel(target) {
  if (!Number.isInteger(target) || !seen.has(target)) {
    throw new DriverMisuse(`cancel: target ${JSON.stringify(target)} is not the id of an earlier request`);
  }
  const entry = running.get(target);
  if (entry) {
    entry.canceled = true;
    entry.controller.abort();
  }
  return {};
}

async function perform(request, signal) {
  const { op } = request;
  const args = request.args ?? {};
  const options = request.options ?? {};
  if (typeof args !== 'object' || Array.isArray(args) || typeof options !== 'object' || Array.isArray(options)) {
    throw new DriverMisuse('args and options must be JSON objects');
  }
  if (op === 'cancel') return cancel(args.target);
  const handler = typeof op === 'string' && Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
  if (!handler) {
    const known = ['cancel', ...Object.keys(OPERATIONS)].join(', ');
    throw new Unsupported(`unknown op ${JSON.stringify(op)}; this driver knows: ${known}`);
  }
  return handler(session, request.client ?? 'default', args, options, signal);
}

async function serve(id, request) {
  const entry = { controller: new AbortController(), canceled: false };
  running.set(id, entry);
  let answer;
  try {
    const result = await perform(request, entry.controller.signal);
    answer = { id, ok: true, result: result === undefined ? null : result };
  } catch (e) {
    answer = { id, ok: false, error: entry.canceled ? canceledJson() : errorJson(e) };
  } finally {
    running.delete(id);
  }
  if (!closing) writeLine(answer);
}

function accept(line) {
  if (!line.trim()) return;
  let request;
  try {
    request = JSON.parse(line);
  } catch (e) {
    log(`ignored a line that is not JSON (${e.message}): ${line.slice(0, 200)}`);
    return;
  }
  const id = request?.id;
  if (!Number.isInteger(id)) {
    log(`ignored a request without an integer id: ${line.slice(0, 200)}`);
    return;
  }
  seen.add(id);
  serve(id, request).catch((e) => log(`request ${id} failed to answer: ${e?.stack ?? e}`));
}

/** stdin closed: the case is over. Running requests are abandoned (aborted, not answered). */
function shutdown() {
  closing = true;
  for (const entry of running.values()) entry.controller.abort();
  session.clients.clear();
  process.exit(0);
}

writeLine({
  type: 'hello',
  protocol: PROTOCOL_VERSION,
  sdk: 'typescript',
  sdk_version: SDK_VERSION,
  features: FEATURES,
  // JavaScript numbers are IEEE doubles: an integer beyond 2^53 comes back as the nearest one.
  json_numbers: 'double',
});
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', accept);
lines.on('close', shutdown);
