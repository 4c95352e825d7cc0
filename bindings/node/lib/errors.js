'use strict';
// Typed errors. Every error of the client engine has a stable `kind` (the core's ErrorKind name);
// HTTP failures are `AxmeHttpError`s with the status and the server's request id, as in the public
// TypeScript SDK (409 stays an `AxmeValidationError` there, so `AxmeConflictError` extends it).

class AxmeError extends Error {
  /**
   * @param {string} message
   * @param {{kind?: string, code?: string, statusCode?: number, requestId?: string, traceId?: string,
   *   retryAfter?: number, body?: unknown, cause?: unknown}} [options]
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

function httpClass(name, kind) {
  const C = {
    [name]: class extends AxmeHttpError {
      constructor(statusCode, message, options = {}) {
        super(statusCode, message, { kind, ...options });
        this.name = name;
      }
    },
  }[name];
  return C;
}

const AxmeAuthError = httpClass('AxmeAuthError', 'auth');
const AxmeValidationError = httpClass('AxmeValidationError', 'validation');
class AxmeConflictError extends AxmeValidationError {
  constructor(statusCode, message, options = {}) {
    super(statusCode, message, { kind: 'conflict', ...options });
    this.name = 'AxmeConflictError';
  }
}
const AxmeNotFoundError = httpClass('AxmeNotFoundError', 'not_found');
const AxmeRateLimitError = httpClass('AxmeRateLimitError', 'rate_limit');
const AxmeServerError = httpClass('AxmeServerError', 'server');

function plainClass(name, kind) {
  return {
    [name]: class extends AxmeError {
      constructor(message, options = {}) {
        super(message, { kind, ...options });
        this.name = name;
      }
    },
  }[name];
}

/** A deadline passed: the per-attempt timeout (or HTTP 408), or an observe/waitFor/listen `timeoutMs`. */
const AxmeTimeoutError = plainClass('AxmeTimeoutError', 'timeout');
/** The connection could not be made or broke before a full response. */
const AxmeConnectionError = plainClass('AxmeConnectionError', 'connection');
/** The server answered something the client cannot understand. */
const AxmeProtocolError = plainClass('AxmeProtocolError', 'protocol');
/** The call was rejected before any request was sent. */
const AxmeInvalidArgumentError = plainClass('AxmeInvalidArgumentError', 'invalid_argument');
/** A JSON-RPC error from the MCP endpoint. */
const AxmeMcpError = plainClass('AxmeMcpError', 'mcp');

const HTTP_BY_KIND = {
  auth: AxmeAuthError,
  validation: AxmeValidationError,
  conflict: AxmeConflictError,
  not_found: AxmeNotFoundError,
  rate_limit: AxmeRateLimitError,
  server: AxmeServerError,
};
const PLAIN_BY_KIND = {
  timeout: AxmeTimeoutError,
  connection: AxmeConnectionError,
  protocol: AxmeProtocolError,
  invalid_argument: AxmeInvalidArgumentError,
  mcp: AxmeMcpError,
};

/** Build the typed error for the native layer's error JSON. */
function fromNative(e) {
  const details = {
    kind: e.kind,
    code: e.code ?? undefined,
    requestId: e.requestId ?? undefined,
    traceId: e.traceId ?? undefined,
    retryAfter: e.retryAfter ?? undefined,
    body: e.body ?? undefined,
  };
  const status = e.status ?? undefined;
  const Http = HTTP_BY_KIND[e.kind];
  if (Http && status !== undefined) return new Http(status, e.message, details);
  const Plain = PLAIN_BY_KIND[e.kind];
  if (Plain) return new Plain(e.message, { ...details, statusCode: status });
  if (status !== undefined) return new AxmeHttpError(status, e.message, details);
  return new AxmeError(e.message, details);
}

module.exports = {
  AxmeError,
  AxmeHttpError,
  AxmeAuthError,
  AxmeValidationError,
  AxmeConflictError,
  AxmeNotFoundError,
  AxmeRateLimitError,
  AxmeServerError,
  AxmeTimeoutError,
  AxmeConnectionError,
  AxmeProtocolError,
  AxmeInvalidArgumentError,
  AxmeMcpError,
  fromNative,
};
