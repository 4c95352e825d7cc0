// The `error` object of a failed driver request (conformance/docs/driver-protocol.md). The kind is
// the `kind` property of the SDK's typed error (AxmeError and its subclasses), never the message.

import { AxmeError } from '../../../bindings/node/index.mjs';

/** The core's error kinds (axme_core::ErrorKind::as_str). */
const CORE_KINDS = new Set([
  'invalid_argument',
  'auth',
  'validation',
  'conflict',
  'not_found',
  'rate_limit',
  'server',
  'timeout',
  'connection',
  'protocol',
  'mcp',
]);

/** The request needs something the TypeScript SDK does not offer (an op, an option). */
export class Unsupported extends Error {}

/** The request itself is malformed (unknown client, missing argument): a runner-side mistake. */
export class DriverMisuse extends Error {}

function kindOf(e) {
  if (e instanceof AxmeError) return CORE_KINDS.has(e.kind) ? e.kind : null;
  // The generated methods reject a payload field that contradicts an option with a TypeError
  // before anything is sent: a bad argument, like AxmeInvalidArgumentError.
  if (e instanceof TypeError || e instanceof RangeError) return 'invalid_argument';
  return null;
}

/** The protocol's error object for a rejection while serving a request. */
export function errorJson(e) {
  if (e instanceof Unsupported) return { kind: 'unsupported', message: e.message };
  if (e instanceof DriverMisuse) return { kind: 'driver_error', message: e.message };
  const kind = kindOf(e);
  if (kind === null) {
    return { kind: 'driver_error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  const sdk = e instanceof AxmeError;
  return {
    kind,
    status: sdk ? (e.statusCode ?? null) : null,
    code: sdk ? (e.code ?? null) : null,
    message: e.message,
    request_id: sdk ? (e.requestId ?? null) : null,
    trace_id: sdk ? (e.traceId ?? null) : null,
    // `retryAfter` is in seconds (fractions kept).
    retry_after_ms: sdk && typeof e.retryAfter === 'number' ? Math.round(e.retryAfter * 1000) : null,
  };
}

/** The error of a request stopped by a `cancel` request. */
export function canceledJson() {
  return {
    kind: 'canceled',
    status: null,
    code: null,
    message: 'canceled by a cancel request',
    request_id: null,
    trace_id: null,
    retry_after_ms: null,
  };
}
