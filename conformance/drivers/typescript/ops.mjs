// What each driver-protocol operation does with the TypeScript SDK (@axme/axme).
//
// Protocol arguments use the core's snake_case names; they become the SDK's camelCase option
// objects here (`timeout_ms` → `timeoutMs`, `intent_id` → the `intentId` argument). Per-call
// options are checked against what the SDK method actually reads: an option it does not take is
// answered `unsupported`, never dropped silently. Every call gets the request's AbortSignal.

import { randomUUID } from 'node:crypto';

import { AxmeClient, VERSION } from '../../../bindings/node/index.mjs';
import { DriverMisuse, Unsupported } from './errors.mjs';

export const SDK_VERSION = VERSION;

/** Protocol option → SDK option. */
const OPTION_NAMES = {
  idempotency_key: 'idempotencyKey',
  trace_id: 'traceId',
  owner_agent: 'ownerAgent',
  timeout_ms: 'timeoutMs',
};

/** Options of the hand-written methods (index.d.ts); the generated ones are read from their source. */
const COMMON_OPTIONS = ['idempotencyKey', 'traceId', 'ownerAgent', 'xOwnerAgent', 'authorization', 'timeoutMs'];
const HAND_WRITTEN_OPTIONS = {
  mcpInitialize: ['protocolVersion', ...COMMON_OPTIONS],
  mcpListTools: COMMON_OPTIONS,
  mcpCallTool: ['arguments', 'validateInputSchema', 'retryable', ...COMMON_OPTIONS],
  heartbeat: ['metrics', ...COMMON_OPTIONS],
  flushMetrics: COMMON_OPTIONS,
  reportMetric: ['success', 'latencyMs', 'costUsd'],
  kill: COMMON_OPTIONS,
  resume: COMMON_OPTIONS,
  // The mesh reads the SDK writes by hand (over the engine's mesh calls), like the generated ones.
  listAgents: ['limit', 'health', ...COMMON_OPTIONS],
  getAgent: COMMON_OPTIONS,
  listEvents: ['limit', 'eventType', ...COMMON_OPTIONS],
  sendIntent: ['correlationId', 'idempotencyKey', 'traceId', 'timeoutMs'],
  cancelIntent: ['reason', 'ownerAgent', 'xOwnerAgent', 'authorization', 'idempotencyKey', 'traceId', 'timeoutMs'],
  observe: ['since', 'waitSeconds', 'pollIntervalMs', 'timeoutMs', 'traceId'],
  waitFor: ['since', 'waitSeconds', 'pollIntervalMs', 'timeoutMs', 'traceId'],
  listen: ['since', 'waitSeconds', 'status', 'timeoutMs', 'traceId'],
};

/** Core config field → [SDK config option, scale] (the SDK takes milliseconds where the core takes seconds). */
const CONFIG_NAMES = {
  base_url: ['baseUrl'],
  api_key: ['apiKey'],
  actor_token: ['actorToken'],
  timeout_seconds: ['timeoutMs', 1000],
  max_retries: ['maxRetries'],
  retry_backoff_seconds: ['retryBackoffMs', 1000],
  retry_backoff_cap_seconds: ['retryBackoffCapMs', 1000],
  auto_trace_id: ['autoTraceId'],
  auto_idempotency_key: ['autoIdempotencyKey'],
  default_owner_agent: ['defaultOwnerAgent'],
  mcp_protocol_version: ['mcpProtocolVersion'],
  retry_budget: ['retryBudget'],
};

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The option names `fn` reads: the generated methods read `options.<name>` and nothing else. */
function optionNames(fn) {
  const known = HAND_WRITTEN_OPTIONS[fn.name];
  if (known) return new Set(known);
  // A generated method hands its whole options object to `_call`, which reads `timeoutMs`.
  return new Set(['timeoutMs', ...[...fn.toString().matchAll(/\boptions\.(\w+)/g)].map((m) => m[1])]);
}

/** The positional parameters of a generated method, before its `options` object. */
function positionalNames(fn) {
  // `function name(a, options = {})` (generated) or `name(a, options = {})` (a class method).
  const header = /^(?:async\s+)?(?:function\s*)?\w*\s*\(([^)]*)\)/.exec(fn.toString());
  if (!header) return [];
  return header[1]
    .split(',')
    .map((p) => p.split('=')[0].trim())
    .filter((p) => p && p !== 'options');
}

/** The SDK option object for `fn`: `fields` (SDK names) plus the request's protocol options. */
function sdkOptions(fn, fields, options, signal) {
  const accepted = optionNames(fn);
  const refuse = (name) =>
    new Unsupported(`${fn.name} of the TypeScript SDK takes no ${name} option (it reads: ${[...accepted].join(', ')})`);
  const out = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (!accepted.has(name)) throw refuse(name);
    out[name] = value;
  }
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === null) continue;
    const sdkName = OPTION_NAMES[name];
    if (!sdkName || !accepted.has(sdkName)) throw refuse(name);
    out[sdkName] = value;
  }
  out.signal = signal;
  return out;
}

function required(args, name, op) {
  if (args[name] === undefined || args[name] === null) throw new DriverMisuse(`${op}: argument ${name} is required`);
  return args[name];
}

function only(args, op, ...accepted) {
  const unknown = Object.keys(args).filter((k) => !accepted.includes(k));
  if (unknown.length > 0) {
    throw new DriverMisuse(`${op}: unknown argument(s) ${unknown.join(', ')}; accepted: ${accepted.join(', ')}`);
  }
}

/** Whether `fn` is one of the generated operation methods (plain functions, not class methods). */
function isGenerated(fn) {
  return typeof fn === 'function' && /^function\s/.test(Function.prototype.toString.call(fn));
}

/** Every item the SDK's async iterator yields, until it ends or `maxEvents` arrived. */
async function collect(stream, maxEvents) {
  const events = [];
  if (maxEvents === undefined || maxEvents === null || maxEvents > 0) {
    // `break` closes the stream (AxmeStream.return); an abort rejects the pending next().
    for await (const item of stream) {
      events.push(item);
      if (typeof maxEvents === 'number' && events.length >= maxEvents) break;
    }
  }
  return { events };
}

/** The clients created by `client.new`, by name. */
export class Session {
  constructor() {
    this.clients = new Map();
  }

  client(name) {
    const client = this.clients.get(name);
    if (!client) {
      const known = [...this.clients.keys()].join(', ') || 'none';
      throw new DriverMisuse(`no client named ${JSON.stringify(name)} (created so far: ${known})`);
    }
    return client;
  }
}

function clientNew(session, _client, args) {
  only(args, 'client.new', 'name', 'config');
  const config = {};
  for (const [name, value] of Object.entries(args.config ?? {})) {
    const [sdkName, scale] = CONFIG_NAMES[name] ?? [camel(name)];
    // Non-numbers are passed on unscaled for the SDK to reject; unknown names it rejects too.
    config[sdkName] = scale !== undefined && typeof value === 'number' ? value * scale : value;
  }
  session.clients.set(args.name ?? 'default', new AxmeClient(config));
  return {};
}

function clientClose(session, _client, args) {
  only(args, 'client.close', 'name');
  const name = args.name ?? 'default';
  session.client(name);
  // AxmeClient has no close(): an application drops it (its streams end with their signals).
  session.clients.delete(name);
  return {};
}

async function createIntent(c, args, options, signal) {
  only(args, 'create_intent', 'intent');
  const intent = required(args, 'intent', 'create_intent');
  // `correlationId` is a required option of createIntent's types; an application without one of
  // its own passes a fresh UUID (the same value sendIntent mints).
  const correlationId = typeof intent === 'object' && intent.correlation_id ? intent.correlation_id : randomUUID();
  return c.createIntent(intent, sdkOptions(c.createIntent, { correlationId }, options, signal));
}

async function sendIntent(c, args, options, signal) {
  only(args, 'send_intent', 'intent');
  const intent = required(args, 'intent', 'send_intent');
  const intentId = await c.sendIntent(intent, sdkOptions(c.sendIntent, {}, options, signal));
  return { intent_id: intentId };
}

async function cancelIntent(c, args, options, signal) {
  only(args, 'cancel_intent', 'intent_id', 'body');
  const { reason, ...rest } = args.body ?? {};
  if (Object.keys(rest).length > 0) {
    const extra = Object.keys(rest).join(', ');
    throw new Unsupported(`cancelIntent of the TypeScript SDK takes only a reason, not ${extra}`);
  }
  const opts = sdkOptions(c.cancelIntent, { reason }, options, signal);
  return c.cancelIntent(required(args, 'intent_id', 'cancel_intent'), opts);
}

/** The observe/waitFor/listen options; `timeout_ms` may come as an argument or a per-call option. */
function streamFields(args, options) {
  return {
    fields: {
      since: args.since,
      waitSeconds: args.wait_seconds,
      pollIntervalMs: args.poll_interval_ms,
      status: args.status,
      timeoutMs: args.timeout_ms ?? options.timeout_ms,
    },
    options: { ...options, timeout_ms: undefined },
  };
}

async function observe(c, args, options, signal) {
  only(args, 'observe', 'intent_id', 'since', 'wait_seconds', 'poll_interval_ms', 'timeout_ms', 'max_events');
  const s = streamFields(args, options);
  const stream = c.observe(required(args, 'intent_id', 'observe'), sdkOptions(c.observe, s.fields, s.options, signal));
  return collect(stream, args.max_events);
}

async function waitFor(c, args, options, signal) {
  only(args, 'wait_for', 'intent_id', 'since', 'wait_seconds', 'timeout_ms');
  const s = streamFields(args, options);
  return c.waitFor(required(args, 'intent_id', 'wait_for'), sdkOptions(c.waitFor, s.fields, s.options, signal));
}

async function listen(c, args, options, signal) {
  only(args, 'listen', 'address', 'since', 'wait_seconds', 'status', 'timeout_ms', 'max_events');
  const s = streamFields(args, options);
  const stream = c.listen(required(args, 'address', 'listen'), sdkOptions(c.listen, s.fields, s.options, signal));
  return collect(stream, required(args, 'max_events', 'listen'));
}

async function meshHeartbeat(c, args, options, signal) {
  only(args, 'mesh.heartbeat', 'address', 'metrics');
  if (args.address !== undefined && args.address !== null) {
    throw new Unsupported("mesh.heartbeat of the TypeScript SDK takes no address: it beats for the credential's agent");
  }
  return c.mesh.heartbeat(sdkOptions(c.mesh.heartbeat, { metrics: args.metrics }, options, signal));
}

/** `{"$bytes": "<base64>"}` → a Buffer (driver-protocol.md, Bytes), anywhere in `value`. */
function fromProtocol(value) {
  if (Array.isArray(value)) return value.map(fromProtocol);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$bytes' && typeof value.$bytes === 'string') {
    return Buffer.from(value.$bytes, 'base64');
  }
  return Object.fromEntries(keys.map((k) => [k, fromProtocol(value[k])]));
}

/** A byte result (Buffer, any Uint8Array) → `{"$bytes": "<base64>"}`. */
function toProtocol(value) {
  return value instanceof Uint8Array ? { $bytes: Buffer.from(value).toString('base64') } : value;
}

/** A generated operation by its SDK method name in snake_case (`list_inbox`, `mesh.list_agents`). */
async function call(c, args, options, signal) {
  only(args, 'call', 'method', 'args');
  const method = required(args, 'method', 'call');
  const [owner, name] = method.startsWith('mesh.') ? [c.mesh, camel(method.slice(5))] : [c, camel(method)];
  const fn = owner[name];
  // The spec's operations: generated, or the mesh reads the SDK writes by hand. The other
  // hand-written methods (observe, waitFor, mcpCallTool, ...) have ops of their own.
  if (!isGenerated(fn) && !HAND_WRITTEN_CALLABLE.has(method)) {
    throw new Unsupported(`the TypeScript SDK has no operation method ${name}`);
  }
  const given = fromProtocol({ ...(args.args ?? {}) });
  const positional = positionalNames(fn).map((p) => {
    const value = given[snake(p)];
    delete given[snake(p)];
    return value;
  });
  const fields = Object.fromEntries(Object.entries(given).map(([k, v]) => [camel(k), v]));
  return toProtocol(await fn.call(owner, ...positional, sdkOptions(fn, fields, options, signal)));
}

/** Hand-written methods that are plain spec operations, callable through `call`. */
const HAND_WRITTEN_CALLABLE = new Set(['mesh.list_agents', 'mesh.get_agent', 'mesh.list_events']);

/** The handlers that need a client: (client, args, options, signal) → result. */
const CLIENT_OPS = {
  health: (c, args, options, signal) => {
    only(args, 'health');
    return c.health(sdkOptions(c.health, {}, options, signal));
  },
  create_intent: createIntent,
  send_intent: sendIntent,
  get_intent: (c, args, options, signal) => {
    only(args, 'get_intent', 'intent_id');
    return c.getIntent(required(args, 'intent_id', 'get_intent'), sdkOptions(c.getIntent, {}, options, signal));
  },
  list_intent_events: (c, args, options, signal) => {
    only(args, 'list_intent_events', 'intent_id', 'since');
    const opts = sdkOptions(c.listIntentEvents, { since: args.since }, options, signal);
    return c.listIntentEvents(required(args, 'intent_id', 'list_intent_events'), opts);
  },
  resolve_intent: (c, args, options, signal) => {
    only(args, 'resolve_intent', 'intent_id', 'body');
    const opts = sdkOptions(c.resolveIntent, {}, options, signal);
    const body = required(args, 'body', 'resolve_intent');
    return c.resolveIntent(required(args, 'intent_id', 'resolve_intent'), body, opts);
  },
  resume_intent: (c, args, options, signal) => {
    only(args, 'resume_intent', 'intent_id', 'body');
    const opts = sdkOptions(c.resumeIntent, {}, options, signal);
    const body = required(args, 'body', 'resume_intent');
    return c.resumeIntent(required(args, 'intent_id', 'resume_intent'), body, opts);
  },
  cancel_intent: cancelIntent,
  observe,
  wait_for: waitFor,
  listen,
  mcp_initialize: (c, args, options, signal) => {
    only(args, 'mcp_initialize', 'protocol_version');
    const opts = sdkOptions(c.mcpInitialize, { protocolVersion: args.protocol_version }, options, signal);
    return c.mcpInitialize(opts);
  },
  mcp_list_tools: (c, args, options, signal) => {
    only(args, 'mcp_list_tools');
    return c.mcpListTools(sdkOptions(c.mcpListTools, {}, options, signal));
  },
  mcp_call_tool: (c, args, options, signal) => {
    only(args, 'mcp_call_tool', 'name', 'arguments');
    const opts = sdkOptions(c.mcpCallTool, { arguments: args.arguments }, options, signal);
    return c.mcpCallTool(required(args, 'name', 'mcp_call_tool'), opts);
  },
  'mesh.heartbeat': meshHeartbeat,
  'mesh.report_metric': (c, args, options, signal) => {
    only(args, 'mesh.report_metric', 'success', 'latency_ms', 'cost_usd');
    const fields = { success: args.success, latencyMs: args.latency_ms, costUsd: args.cost_usd };
    // Synchronous: it only buffers; the signal has nothing to stop.
    c.mesh.reportMetric(sdkOptions(c.mesh.reportMetric, fields, options, signal));
    return {};
  },
  'mesh.flush_metrics': (c, args, options, signal) => {
    only(args, 'mesh.flush_metrics');
    return c.mesh.flushMetrics(sdkOptions(c.mesh.flushMetrics, {}, options, signal));
  },
  'mesh.kill': (c, args, options, signal) => {
    only(args, 'mesh.kill', 'address_id');
    return c.mesh.kill(required(args, 'address_id', 'mesh.kill'), sdkOptions(c.mesh.kill, {}, options, signal));
  },
  'mesh.resume': (c, args, options, signal) => {
    only(args, 'mesh.resume', 'address_id');
    return c.mesh.resume(required(args, 'address_id', 'mesh.resume'), sdkOptions(c.mesh.resume, {}, options, signal));
  },
  call,
};

/** op → handler(session, client name, args, options, signal). */
export const OPERATIONS = {
  'client.new': clientNew,
  'client.close': clientClose,
  ...Object.fromEntries(
    Object.entries(CLIENT_OPS).map(([op, handler]) => [
      op,
      (session, name, args, options, signal) => handler(session.client(name), args, options, signal),
    ]),
  ),
};

/** What this driver can do with the TypeScript SDK (driver-protocol.md, Features). */
export const FEATURES = [
  'intents', 'observe', 'wait_for', 'listen', 'cancel', 'mcp', 'mesh', 'generic_call', 'config.retry_budget',
];
