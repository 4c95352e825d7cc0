'use strict';
// AxmeClient: option objects in, plain JSON objects out. Every call crosses into the Rust core as a
// JSON string and comes back as an envelope ({value} | {error} | {done}); retries, idempotency
// keys, SSE resumption and error classification all happen in the core.

const { loadNative } = require('./native.js');
const errors = require('./errors.js');

const native = loadNative();
const VERSION = require('../package.json').version;

/** camelCase config key → [core key, scale] (milliseconds become seconds). */
const CONFIG_KEYS = {
  baseUrl: ['base_url'],
  apiKey: ['api_key'],
  actorToken: ['actor_token'],
  bearerToken: ['bearer_token'],
  timeoutMs: ['timeout_seconds', 1e-3],
  maxRetries: ['max_retries'],
  retryBackoffMs: ['retry_backoff_seconds', 1e-3],
  retryBackoffCapMs: ['retry_backoff_cap_seconds', 1e-3],
  autoTraceId: ['auto_trace_id'],
  autoIdempotencyKey: ['auto_idempotency_key'],
  defaultOwnerAgent: ['default_owner_agent'],
  mcpEndpointPath: ['mcp_endpoint_path'],
  mcpProtocolVersion: ['mcp_protocol_version'],
  retryBudget: ['retry_budget'],
};

function invalid(message) {
  return new errors.AxmeInvalidArgumentError(message);
}

function coreConfig(config) {
  if (config === null || typeof config !== 'object') throw invalid('config must be an object');
  const out = { client_language: 'typescript', client_version: VERSION };
  for (const [key, value] of Object.entries(config)) {
    const spec = CONFIG_KEYS[key];
    if (!spec) throw invalid(`unknown config option ${JSON.stringify(key)}`);
    if (value === undefined || value === null) continue;
    const [name, scale] = spec;
    if (scale !== undefined && typeof value !== 'number') throw invalid(`${key} must be a number`);
    out[name] = scale === undefined ? value : value * scale;
  }
  return out;
}

function ms(value, what) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !(value > 0)) throw invalid(`${what} must be a number of milliseconds > 0`);
  return value / 1000;
}

/** Per-call options of a single request (snake_case for the core). */
function callOptions(o = {}) {
  return {
    idempotency_key: o.idempotencyKey,
    trace_id: o.traceId,
    owner_agent: o.ownerAgent,
    x_owner_agent: o.xOwnerAgent,
    authorization: o.authorization,
    timeout: ms(o.timeoutMs, 'timeoutMs'),
  };
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

function observeOptions(o = {}) {
  let poll;
  if (o.pollIntervalMs !== undefined && o.pollIntervalMs !== null) {
    if (typeof o.pollIntervalMs !== 'number' || o.pollIntervalMs < 0) throw invalid('pollIntervalMs must be >= 0');
    poll = o.pollIntervalMs / 1000;
  }
  return {
    since: o.since,
    wait_seconds: o.waitSeconds,
    poll_interval: poll,
    timeout: ms(o.timeoutMs, 'timeoutMs'),
    trace_id: o.traceId,
  };
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

/**
 * Run one native call. With a signal, an abort rejects at once with the signal's reason (an
 * AbortError by default, as fetch does) and cancels the native future, which drops the request.
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
    let pending;
    try {
      pending = start(cancel);
    } catch (e) {
      signal.removeEventListener('abort', onAbort);
      reject(e);
      return;
    }
    pending.then(
      (text) => {
        signal.removeEventListener('abort', onAbort);
        try {
          resolve(unwrap(text));
        } catch (e) {
          reject(e);
        }
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * An async iterator over a native stream (observe/listen). `return()` (what `break` in a
 * `for await` calls) closes the stream at once, even while a `next()` is waiting.
 */
class AxmeStream {
  constructor(handle, signal) {
    this._handle = handle;
    this._signal = signal ?? null;
    this._done = false;
    this._onAbort = null;
    if (this._signal) {
      this._onAbort = () => this._finish();
      this._signal.addEventListener('abort', this._onAbort, { once: true });
    }
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  _finish() {
    if (this._done) return;
    this._done = true;
    this._handle.close();
    if (this._signal && this._onAbort) this._signal.removeEventListener('abort', this._onAbort);
  }

  next() {
    if (this._signal?.aborted) {
      this._finish();
      return Promise.reject(abortReason(this._signal));
    }
    if (this._done) return Promise.resolve({ done: true, value: undefined });
    const step = this._handle.next().then((text) => {
      const env = JSON.parse(text);
      if (env.error) {
        this._finish();
        throw errors.fromNative(env.error);
      }
      if (env.done) {
        this._finish();
        return { done: true, value: undefined };
      }
      return { done: false, value: env.value };
    });
    if (!this._signal) return step;
    const signal = this._signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      step.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
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

/** Run a synchronous native call; its thrown error (the core error as JSON) becomes typed. */
function syncNative(call) {
  try {
    return call();
  } catch (e) {
    let parsed;
    try {
      parsed = JSON.parse(e.message);
    } catch {
      throw e;
    }
    throw errors.fromNative(parsed);
  }
}

function optionalNumber(value, what) {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') throw invalid(`${what} must be a number`);
  return value;
}

function optionalBoolean(value, what, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalid(`${what} must be a boolean`);
  return value;
}

/**
 * `client.mesh`: agent-mesh heartbeats, buffered metrics, the background heartbeat, health listing
 * and the kill switch (the engine's `Mesh`), plus the generated policy operations. The background
 * heartbeat runs on the engine's threads, so it never keeps Node.js alive (like an unref'd timer).
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

  _callBytes(operationId, args, options) {
    return this._client._callBytes(operationId, args, options);
  }

  /** One heartbeat; `metrics` (an object) is sent as `{metrics}`, none sends no body. */
  heartbeat(options = {}) {
    return run((cancel) => {
      const metrics = options.metrics ?? null;
      if (metrics !== null && (typeof metrics !== 'object' || Array.isArray(metrics))) {
        throw invalid('metrics must be an object');
      }
      return this._native.meshHeartbeat(JSON.stringify(metrics), JSON.stringify(callOptions(options)), cancel);
    }, options.signal);
  }

  /** One heartbeat carrying the buffered metrics; on failure they stay buffered. */
  flushMetrics(options = {}) {
    return run(
      (cancel) => this._native.meshFlushMetrics(JSON.stringify(callOptions(options)), cancel),
      options.signal,
    );
  }

  /** Buffer one observation (counts, average latency, summed cost) for the next heartbeat. */
  reportMetric(options = {}) {
    const success = optionalBoolean(options.success, 'success', true);
    const latency = optionalNumber(options.latencyMs, 'latencyMs');
    const cost = optionalNumber(options.costUsd, 'costUsd');
    syncNative(() => this._native.meshReportMetric(success, latency, cost));
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
    const every = options.intervalMs ?? 30_000;
    if (typeof every !== 'number') throw invalid('intervalMs must be a number of milliseconds');
    const include = optionalBoolean(options.includeMetrics, 'includeMetrics', true);
    syncNative(() => this._native.meshStartHeartbeat(every, include));
  }

  /** Stop the background heartbeat; resolves once it has exited (at most 5 s for one in flight). */
  async stopHeartbeat() {
    unwrap(await this._native.meshStopHeartbeat());
  }

  /** `{ok, agents, summary}`: the organisation's agents (limit default 100, at most 1000). */
  listAgents(options = {}) {
    return run((cancel) => {
      const query = JSON.stringify({ limit: options.limit, health: options.health });
      return this._native.meshListAgents(query, JSON.stringify(callOptions(options)), cancel);
    }, options.signal);
  }

  /** One agent's health (`agt_…` id or agent address). */
  getAgent(addressId, options = {}) {
    return run(
      (cancel) => this._native.meshGetAgent(String(addressId), JSON.stringify(callOptions(options)), cancel),
      options.signal,
    );
  }

  /** Kill an agent: block every intent to and from it. Never retried. */
  kill(addressId, options = {}) {
    return run(
      (cancel) => this._native.meshKill(String(addressId), JSON.stringify(callOptions(options)), cancel),
      options.signal,
    );
  }

  /** Lift a kill. Never retried. */
  resume(addressId, options = {}) {
    return run(
      (cancel) => this._native.meshResume(String(addressId), JSON.stringify(callOptions(options)), cancel),
      options.signal,
    );
  }

  /** Mesh events, newest first (limit default 50, at most 1000; `eventType` filters). */
  listEvents(options = {}) {
    return run((cancel) => {
      const query = JSON.stringify({ limit: options.limit, event_type: options.eventType });
      return this._native.meshListEvents(query, JSON.stringify(callOptions(options)), cancel);
    }, options.signal);
  }
}

class AxmeClient {
  /**
   * @param {object} [config] `{ apiKey, baseUrl, actorToken, bearerToken, timeoutMs, maxRetries,
   *   retryBackoffMs, retryBackoffCapMs, autoTraceId, autoIdempotencyKey, defaultOwnerAgent,
   *   mcpEndpointPath, mcpProtocolVersion }`; `apiKey` and `baseUrl` fall back to AXME_API_KEY
   *   and AXME_BASE_URL.
   */
  constructor(config = {}) {
    const json = JSON.stringify(coreConfig(config));
    try {
      this._native = new native.NativeClient(json);
    } catch (e) {
      let parsed;
      try {
        parsed = JSON.parse(e.message);
      } catch {
        throw e;
      }
      throw errors.fromNative(parsed);
    }
  }

  /** The agent-mesh operations (`client.mesh.listAgents()`, ...). */
  get mesh() {
    const mesh = new AxmeMesh(this);
    Object.defineProperty(this, 'mesh', { value: mesh, enumerable: false });
    return mesh;
  }

  /**
   * Call an operation by its id with snake_case arguments (path, query and header parameters,
   * `body`, `idempotency_key`, `trace_id`); `options` carries the per-call `signal` and
   * `timeoutMs`. The generated methods use it.
   */
  _call(operationId, args, options = {}) {
    return run((cancel) => {
      const all = { ...(args ?? {}) };
      const timeout = ms(options?.timeoutMs, 'timeoutMs');
      if (timeout !== undefined) all.timeout = timeout;
      // A Uint8Array/Buffer body travels as raw bytes beside the JSON arguments (media uploads).
      const { json, content } = callArgs(all);
      return this._native.call(operationId, json, cancel, content);
    }, options?.signal);
  }

  /** `_call` for an operation that answers raw bytes (a media download): resolves to a `Buffer`. */
  _callBytes(operationId, args, options = {}) {
    return run((cancel) => {
      const all = { ...(args ?? {}) };
      const timeout = ms(options?.timeoutMs, 'timeoutMs');
      if (timeout !== undefined) all.timeout = timeout;
      // Resolves to a Buffer, or to an error envelope (a string), which `run` unwraps.
      return this._native.callBytes(operationId, callArgs(all).json, cancel);
    }, options?.signal);
  }

  /** MCP `initialize` (protocol version from the config unless `protocolVersion`); the JSON-RPC result. */
  mcpInitialize(options = {}) {
    return run((cancel) => {
      const version = options.protocolVersion ?? null;
      if (version !== null && typeof version !== 'string') throw invalid('protocolVersion must be a string');
      return this._native.mcpInitialize(version, JSON.stringify(callOptions(options)), cancel);
    }, options.signal);
  }

  /** MCP `tools/list`; caches each tool's input schema for `mcpCallTool`'s checks. */
  mcpListTools(options = {}) {
    return run((cancel) => this._native.mcpListTools(JSON.stringify(callOptions(options)), cancel), options.signal);
  }

  /**
   * MCP `tools/call`: `ownerAgent` (or the config default) and `idempotencyKey` go into the
   * arguments when missing, the arguments are checked against the cached input schema unless
   * `validateInputSchema` is false, and the call is retried only with an idempotency key or
   * `retryable: true`. A tool failure is a result with `isError: true`; JSON-RPC errors throw.
   */
  mcpCallTool(name, options = {}) {
    return run((cancel) => {
      if (typeof name !== 'string') throw invalid('tool name must be a string');
      const args = options.arguments ?? null;
      const opts = {
        ...callOptions(options),
        validate_input_schema: optionalBoolean(options.validateInputSchema, 'validateInputSchema', true),
        retryable: optionalBoolean(options.retryable, 'retryable', null),
      };
      return this._native.mcpCallTool(name, JSON.stringify(args), JSON.stringify(opts), cancel);
    }, options.signal);
  }

  /** Create an intent and return its id; `correlationId` is minted when absent. */
  sendIntent(payload, options = {}) {
    return run((cancel) => {
      const body = withCorrelation(payload, options.correlationId);
      return this._native.sendIntent(JSON.stringify(body), JSON.stringify(callOptions(options)), cancel);
    }, options.signal);
  }

  /** Wait until the intent reaches a terminal status and return that event. */
  waitFor(intentId, options = {}) {
    return run(
      (cancel) => this._native.waitFor(String(intentId), JSON.stringify(observeOptions(options)), cancel),
      options.signal,
    );
  }

  /** The intent's lifecycle events (`seq > since`), ending after the terminal one. */
  observe(intentId, options = {}) {
    checkSignal(options.signal);
    const handle = this._native.observe(String(intentId), JSON.stringify(observeOptions(options)));
    return new AxmeStream(handle, options.signal);
  }

  /** The intents delivered to an agent address; never ends on its own (break, or `timeoutMs`). */
  listen(address, options = {}) {
    checkSignal(options.signal);
    const opts = {
      since: options.since,
      wait_seconds: options.waitSeconds,
      status: options.status,
      timeout: ms(options.timeoutMs, 'timeoutMs'),
      trace_id: options.traceId,
    };
    const handle = this._native.listen(String(address), JSON.stringify(opts));
    return new AxmeStream(handle, options.signal);
  }

  /** Cancel an intent: resolve it with status CANCELED (and `reason`). */
  cancelIntent(intentId, options = {}) {
    return run(
      (cancel) =>
        this._native.cancelIntent(String(intentId), options.reason ?? null, JSON.stringify(callOptions(options)), cancel),
      options.signal,
    );
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
