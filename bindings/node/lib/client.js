'use strict';
// AxmeClient: option objects in, plain JSON objects out. Every call crosses into the Rust core's
// waist as JSON text (options as the core's records) and comes back as an envelope
// ({value} | {error} | {done}); retries, idempotency keys, SSE resumption, waiting for a terminal
// event, argument checks and error classification all happen in the core. Only JavaScript types
// are checked here.

const { loadNative } = require('./native.js');
const errors = require('./errors.js');
const { CONFIG_FIELDS } = require('../generated/waist.js');

const native = loadNative();
const VERSION = require('../package.json').version;

function invalid(message) {
  return new errors.AxmeInvalidArgumentError(message);
}

/** The core's ClientConfig record from the public options (durations in milliseconds here). */
function coreConfig(config) {
  if (config === null || typeof config !== 'object') throw invalid('config must be an object');
  const out = { client_language: 'typescript', client_version: VERSION };
  for (const [key, value] of Object.entries(config)) {
    const field = CONFIG_FIELDS[key];
    if (!field) throw invalid(`unknown config option ${JSON.stringify(key)}`);
    if (value === undefined || value === null) continue;
    const [name, factor] = field;
    if (factor !== undefined && typeof value !== 'number') throw invalid(`${key} must be a number`);
    out[name] = factor === undefined ? value : value * factor;
  }
  return out;
}

function seconds(ms, what) {
  if (ms === undefined || ms === null) return undefined;
  if (typeof ms !== 'number') throw invalid(`${what} must be a number of milliseconds`);
  return ms / 1000;
}

function check(value, type, what) {
  if (value !== undefined && value !== null && typeof value !== type) throw invalid(`${what} must be a ${type}`);
  return value ?? undefined;
}

/** A CallOptions record (JSON) from a call's options object. */
function callOptions(o = {}, extra = {}) {
  return JSON.stringify({
    idempotency_key: o.idempotencyKey,
    trace_id: o.traceId,
    owner_agent: o.ownerAgent,
    x_owner_agent: o.xOwnerAgent,
    authorization: o.authorization,
    timeout_seconds: seconds(o.timeoutMs, 'timeoutMs'),
    ...extra,
  });
}

/** A StreamOptions record (JSON); `status` as a list or a comma-separated string. */
function streamOptions(o = {}) {
  const status = typeof o.status === 'string' ? o.status.split(',').map((s) => s.trim()) : o.status;
  return JSON.stringify({
    since: o.since,
    wait_seconds: o.waitSeconds,
    poll_interval_seconds: seconds(o.pollIntervalMs, 'pollIntervalMs'),
    timeout_seconds: seconds(o.timeoutMs, 'timeoutMs'),
    trace_id: o.traceId,
    status,
  });
}

/**
 * The JSON args of the generic call and, for a raw-byte body (a media upload: a Buffer or any
 * Uint8Array), the bytes, which travel beside the JSON rather than inside it.
 */
function callArgs(args) {
  const body = args?.body;
  if (body instanceof Uint8Array) {
    const rest = { ...args };
    delete rest.body;
    return { json: JSON.stringify(rest), content: body };
  }
  return { json: JSON.stringify(args ?? {}), content: undefined };
}

function abortReason(signal) {
  return signal.reason !== undefined ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

function checkSignal(signal) {
  if (signal !== undefined && signal !== null && (typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) {
    throw invalid('signal must be an AbortSignal');
  }
}

/** Unwrap a native envelope: the value, or throw the typed error. */
function unwrap(text) {
  if (typeof text !== 'string') return text; // raw bytes (`callBytes`): a Buffer
  const env = JSON.parse(text);
  if (env.error) throw errors.fromNative(env.error);
  return env.value;
}

/** A synchronous native call; its thrown error (the core's error record as JSON) becomes typed. */
function syncNative(call) {
  try {
    return call();
  } catch (e) {
    let record;
    try {
      record = JSON.parse(e.message);
    } catch {
      throw e;
    }
    throw errors.fromNative(record);
  }
}

/**
 * Run one native call. With a signal, an abort rejects at once with the signal's reason (an
 * AbortError by default, as fetch does) and cancels the call's token in the core, which drops
 * the request.
 */
function run(start, signal) {
  try {
    checkSignal(signal);
    if (!signal) return start(null).then(unwrap);
  } catch (e) {
    return Promise.reject(e);
  }
  if (signal.aborted) return Promise.reject(abortReason(signal));
  const cancel = new native.NativeCancel();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel.cancel();
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (f) => (v) => {
      signal.removeEventListener('abort', onAbort);
      f(v);
    };
    Promise.resolve()
      .then(() => start(cancel))
      .then(unwrap)
      .then(settle(resolve), settle(reject));
  });
}

/**
 * An async iterator over a native stream (observe/listen). `return()` (what `break` in a
 * `for await` calls) closes the stream at once, even while a `next()` is waiting; aborting the
 * signal does too, and the pending `next()` rejects with its reason.
 */
class AxmeStream {
  constructor(handle, signal) {
    this._handle = handle;
    this._signal = signal ?? null;
    this._done = false;
    this._onAbort = () => this._finish();
    this._signal?.addEventListener('abort', this._onAbort, { once: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  _finish() {
    if (this._done) return;
    this._done = true;
    this._handle.close();
    this._signal?.removeEventListener('abort', this._onAbort);
  }

  next() {
    if (this._signal?.aborted) {
      this._finish();
      return Promise.reject(abortReason(this._signal));
    }
    if (this._done) return Promise.resolve({ done: true, value: undefined });
    const step = this._handle.next().then((text) => {
      const env = JSON.parse(text);
      if (env.error || env.done) this._finish();
      if (env.error) throw errors.fromNative(env.error);
      return env.done ? { done: true, value: undefined } : { done: false, value: env.value };
    });
    const signal = this._signal;
    if (!signal) return step;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      step.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
    });
  }

  /** Stop iterating and close the connection. */
  return(value) {
    this._finish();
    return Promise.resolve({ done: true, value });
  }

  throw(error) {
    this._finish();
    return Promise.reject(error);
  }

  /** Same as `return()`. */
  async close() {
    this._finish();
  }

  async [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() {
    this._finish();
  }
}

/**
 * `client.mesh`: the background heartbeat and the metrics buffer (the engine's), plus the
 * generated operations (heartbeat, listing, kill switch, policies). The heartbeat runs on the
 * engine's threads, so it never keeps Node.js alive (like an unref'd timer).
 */
class AxmeMesh {
  constructor(client) {
    Object.defineProperty(this, '_client', { value: client });
  }

  get _native() {
    return this._client._native;
  }

  _call(operationId, args, options) {
    return this._client._call(operationId, args, options);
  }

  /** One heartbeat carrying the buffered metrics; on failure they stay buffered. */
  flushMetrics(options = {}) {
    return run((cancel) => this._native.meshFlushMetrics(callOptions(options), cancel), options.signal);
  }

  /** Buffer one observation (counts, average latency, summed cost) for the next heartbeat. */
  reportMetric(options = {}) {
    const metric = {
      success: check(options.success, 'boolean', 'success'),
      latency_ms: check(options.latencyMs, 'number', 'latencyMs'),
      cost_usd: check(options.costUsd, 'number', 'costUsd'),
    };
    syncNative(() => this._native.meshReportMetric(JSON.stringify(metric)));
  }

  /** The metrics the next heartbeat would carry, or null. */
  get bufferedMetrics() {
    const text = this._native.meshBufferedMetrics();
    return text === null || text === undefined ? null : JSON.parse(text);
  }

  /** Whether the background heartbeat runs. */
  get heartbeatRunning() {
    return this._native.meshHeartbeatRunning();
  }

  /**
   * Start the background heartbeat: one at once, then one every `intervalMs` (default 30000),
   * carrying the buffered metrics unless `includeMetrics` is false. Failures are swallowed. A
   * second call while it runs keeps the running one.
   */
  startHeartbeat(options = {}) {
    const opts = {
      interval_seconds: seconds(options.intervalMs ?? 30_000, 'intervalMs'),
      include_metrics: check(options.includeMetrics, 'boolean', 'includeMetrics'),
    };
    syncNative(() => this._native.meshStartHeartbeat(JSON.stringify(opts)));
  }

  /** Stop the background heartbeat; resolves once it has exited (at most 5 s for one in flight). */
  async stopHeartbeat() {
    unwrap(await this._native.meshStopHeartbeat());
  }
}

class AxmeClient {
  /** @param {object} [config] see `AxmeClientConfig` (generated/waist.d.ts). */
  constructor(config = {}) {
    const json = JSON.stringify(coreConfig(config));
    this._native = syncNative(() => new native.NativeClient(json));
  }

  /** The agent-mesh operations (`client.mesh.listAgents()`, ...). */
  get mesh() {
    const mesh = new AxmeMesh(this);
    Object.defineProperty(this, 'mesh', { value: mesh, enumerable: false });
    return mesh;
  }

  /** Close the client: calls in flight reject (kind `canceled`), streams end, the heartbeat stops. */
  close() {
    this._native.close();
  }

  /**
   * Call an operation by its id with snake_case arguments (path, query and header parameters,
   * `body`, `idempotency_key`, `trace_id`); `options` carries the per-call `signal` and
   * `timeoutMs`. The generated methods use it.
   */
  _call(operationId, args, options = {}) {
    return run((cancel) => {
      // A Uint8Array/Buffer body travels as raw bytes beside the JSON arguments (media uploads).
      const { json, content } = callArgs(args);
      return this._native.call(operationId, json, callOptions({ timeoutMs: options?.timeoutMs }), cancel, content);
    }, options?.signal);
  }

  /** `_call` for an operation that answers raw bytes (a media download): resolves to a `Buffer`. */
  _callBytes(operationId, args, options = {}) {
    return run(
      (cancel) => this._native.callBytes(operationId, callArgs(args).json, callOptions({ timeoutMs: options?.timeoutMs }), cancel),
      options?.signal,
    );
  }

  /** MCP `initialize` (protocol version from the config unless `protocolVersion`); the JSON-RPC result. */
  mcpInitialize(options = {}) {
    return run((cancel) => {
      const version = check(options.protocolVersion, 'string', 'protocolVersion') ?? null;
      return this._native.mcpInitialize(version, callOptions(options), cancel);
    }, options.signal);
  }

  /** MCP `tools/list`; caches each tool's input schema for `mcpCallTool`'s checks. */
  mcpListTools(options = {}) {
    return run((cancel) => this._native.mcpListTools(callOptions(options), cancel), options.signal);
  }

  /**
   * MCP `tools/call`: `ownerAgent` (or the config default) and `idempotencyKey` go into the
   * arguments when missing, the arguments are checked against the cached input schema unless
   * `validateInputSchema` is false, and the call is retried only with an idempotency key or
   * `retryable: true`. A tool failure is a result with `isError: true`; JSON-RPC errors throw.
   */
  mcpCallTool(name, options = {}) {
    return run((cancel) => {
      check(name, 'string', 'tool name');
      const opts = callOptions(options, {
        validate_input_schema: check(options.validateInputSchema, 'boolean', 'validateInputSchema'),
        retryable: check(options.retryable, 'boolean', 'retryable'),
      });
      return this._native.mcpCallTool(name, JSON.stringify(options.arguments ?? null), opts, cancel);
    }, options.signal);
  }

  /** Create an intent and return its id; `correlationId` is minted when absent. */
  sendIntent(payload, options = {}) {
    return run((cancel) => {
      const body = JSON.stringify(withCorrelation(payload, options.correlationId));
      return this._native.sendIntent(body, callOptions(options), cancel);
    }, options.signal);
  }

  /** Wait until the intent reaches a terminal status and return that event. */
  waitFor(intentId, options = {}) {
    return run((cancel) => this._native.waitFor(String(intentId), streamOptions(options), cancel), options.signal);
  }

  /** The intent's lifecycle events (`seq > since`), ending after the terminal one. */
  observe(intentId, options = {}) {
    checkSignal(options.signal);
    const handle = syncNative(() => this._native.observe(String(intentId), streamOptions(options)));
    return new AxmeStream(handle, options.signal);
  }

  /** The intents delivered to an agent address; never ends on its own (break, or `timeoutMs`). */
  listen(address, options = {}) {
    checkSignal(options.signal);
    const handle = syncNative(() => this._native.listen(String(address), streamOptions(options)));
    return new AxmeStream(handle, options.signal);
  }

  /** Cancel an intent: resolve it with status CANCELED (and `reason`). */
  cancelIntent(intentId, options = {}) {
    return run((cancel) => {
      const reason = check(options.reason, 'string', 'reason') ?? null;
      return this._native.cancelIntent(String(intentId), reason, callOptions(options), cancel);
    }, options.signal);
  }
}

function withCorrelation(payload, correlationId) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalid('payload must be an object');
  }
  if (correlationId === undefined || correlationId === null) return payload;
  const own = payload.correlation_id;
  if (typeof own === 'string' && own !== correlationId) {
    throw invalid('payload correlation_id must match options.correlationId');
  }
  return { ...payload, correlation_id: correlationId };
}

module.exports = { AxmeClient, AxmeMesh, AxmeStream, VERSION, _coreConfig: coreConfig };
