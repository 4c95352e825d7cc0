'use strict';
// Typed errors. Every error of the client engine has a stable `kind` (the core's ErrorKind name);
// HTTP failures are `AxmeHttpError`s with the status and the server's request id, as in the public
// TypeScript SDK (409 stays an `AxmeValidationError` there, so `AxmeConflictError` extends it). The
// class of each kind is generated (generated/waist.js) from the core's kinds.

const { ERROR_CLASSES } = require('../generated/waist.js');

class AxmeError extends Error {
  /**
   * @param {string} message
   * @param {{kind?: string, code?: string, statusCode?: number, requestId?: string, traceId?: string,
   *   retryAfter?: number, retryable?: boolean, body?: unknown, cause?: unknown}} [options]
   */
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AxmeError';
    this.kind = options.kind ?? 'unknown';
    this.code = options.code ?? undefined;
    this.statusCode = options.statusCode ?? undefined;
    this.requestId = options.requestId ?? undefined;
    this.traceId = options.traceId ?? undefined;
    this.retryAfter = options.retryAfter ?? undefined;
    this.retryable = options.retryable ?? false;
    this.body = options.body;
  }
}

class AxmeHttpError extends AxmeError {
  /** Same argument order as the public TypeScript SDK: status, message, details. */
  constructor(statusCode, message, options = {}) {
    super(message, { kind: 'http', ...options, statusCode });
    this.name = 'AxmeHttpError';
  }
}

/** A subclass of `Base` named `name` whose errors are of `kind` unless told otherwise. */
function subclass(Base, name, kind) {
  const http = Base === AxmeHttpError || Base.prototype instanceof AxmeHttpError;
  const C = http
    ? class extends Base {
        constructor(statusCode, message, options = {}) {
          super(statusCode, message, { kind, ...options });
          this.name = name;
        }
      }
    : class extends Base {
        constructor(message, options = {}) {
          super(message, { kind, ...options });
          this.name = name;
        }
      };
  Object.defineProperty(C, 'name', { value: name });
  return C;
}

// [class, base class, kind]
const SUBCLASSES = [
  ['AxmeAuthError', 'AxmeHttpError', 'auth'], // 401 / 403
  ['AxmeValidationError', 'AxmeHttpError', 'validation'], // 400, 413, 422 and other rejected input
  ['AxmeConflictError', 'AxmeValidationError', 'conflict'], // 409
  ['AxmeNotFoundError', 'AxmeHttpError', 'not_found'], // 404
  ['AxmeRateLimitError', 'AxmeHttpError', 'rate_limit'], // 429; see `retryAfter`
  ['AxmeServerError', 'AxmeHttpError', 'server'], // 5xx
  ['AxmeTimeoutError', 'AxmeError', 'timeout'], // a request timeout (or 408), or a `timeoutMs`
  ['AxmeConnectionError', 'AxmeError', 'connection'], // no connection, or it broke
  ['AxmeProtocolError', 'AxmeError', 'protocol'], // an answer the client cannot understand
  ['AxmeInvalidArgumentError', 'AxmeError', 'invalid_argument'], // refused before any request
  ['AxmeMcpError', 'AxmeError', 'mcp'], // a JSON-RPC error without an HTTP meaning
  ['AxmeCanceledError', 'AxmeError', 'canceled'], // the client was closed during the call
  ['AxmeInternalError', 'AxmeError', 'internal'], // a defect inside the engine
];

const CLASSES = { AxmeError, AxmeHttpError };
for (const [name, base, kind] of SUBCLASSES) CLASSES[name] = subclass(CLASSES[base], name, kind);

/** The typed error for the core's error record (snake_case fields; `body` as JSON text). */
function fromNative(r) {
  let body;
  if (r.body !== null && r.body !== undefined) {
    try {
      body = JSON.parse(r.body);
    } catch {
      body = r.body;
    }
  }
  const details = {
    kind: r.kind,
    code: r.code ?? undefined,
    requestId: r.request_id ?? undefined,
    traceId: r.trace_id ?? undefined,
    retryAfter: r.retry_after_seconds ?? undefined,
    retryable: r.retryable,
    body,
  };
  const status = r.status ?? undefined;
  const [http, plain] = ERROR_CLASSES[r.kind] ?? ['AxmeHttpError', 'AxmeError'];
  const Http = CLASSES[http];
  const isHttp = (C) => C === AxmeHttpError || C.prototype instanceof AxmeHttpError;
  if (status !== undefined && isHttp(Http)) return new Http(status, r.message, details);
  const Plain = CLASSES[plain];
  if (isHttp(Plain)) return new Plain(status ?? 0, r.message, details);
  return new Plain(r.message, { ...details, statusCode: status });
}

module.exports = { ...CLASSES, fromNative };
