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

/** `client.mesh`: the generated agent-mesh operations, sent through the client's engine. */
class AxmeMesh {
  constructor(client) {
    Object.defineProperty(this, '_client', { value: client });
  }

  _call(operationId, args, signal) {
    return this._client._call(operationId, args, signal);
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
   * `body`, `idempotency_key`, `trace_id`, `timeout` in seconds). The generated methods use it.
   */
  _call(operationId, args, signal) {
    const { json, content } = callArgs(args);
    return run((cancel) => this._native.call(operationId, json, cancel, content), signal);
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
