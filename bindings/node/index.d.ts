// Type declarations of @axme/axme (hand-written). The operation methods (getIntent, resolveIntent,
// ...) and the schema interfaces come from ./generated/operations.d.ts, which codegen writes from
// spec/openapi.yaml; they are merged into AxmeClient below.

import type { AxmeMeshOperations, AxmeOperations, MeshHeartbeatResponse, MeshMetrics } from './generated/operations';
import type { AxmeCallOptions, AxmeClientConfig, AxmeErrorKind, AxmeStreamOptions } from './generated/waist';

// The schema interfaces (types only; the generated installer is internal), the client options and
// the error kinds, generated from the spec and the core's waist.
export type * from './generated/operations';
export type { AxmeCallOptions, AxmeClientConfig, AxmeErrorKind, AxmeStreamOptions } from './generated/waist';

/** Options every call accepts. */
export interface AxmeRequestOptions extends Pick<AxmeCallOptions, 'traceId' | 'timeoutMs'> {
  /** Aborting rejects the call at once with `signal.reason` (an `AbortError` by default) and drops the request. */
  signal?: AbortSignal;
}

export interface SendIntentOptions extends AxmeRequestOptions, Pick<AxmeCallOptions, 'idempotencyKey'> {
  /** Minted (UUID) when absent. */
  correlationId?: string;
}

export interface CancelIntentOptions
  extends AxmeRequestOptions,
    Pick<AxmeCallOptions, 'ownerAgent' | 'xOwnerAgent' | 'authorization' | 'idempotencyKey'> {
  reason?: string;
}

/** Options of `observe` and `waitFor` (fail with `AxmeTimeoutError` after `timeoutMs`). */
export interface ObserveOptions extends Omit<AxmeStreamOptions, 'status'> {
  signal?: AbortSignal;
}

export type WaitForOptions = ObserveOptions;

/** Options of `listen` (`status`: a list or a comma-separated string). */
export interface ListenOptions extends Omit<AxmeStreamOptions, 'pollIntervalMs'> {
  signal?: AbortSignal;
}

/** One lifecycle event of an intent (`observe`, `waitFor`). */
export interface AxmeIntentEvent {
  intent_id: string;
  seq: number;
  event_type: string;
  status: string;
  at: string;
  [key: string]: unknown;
}

/** One delivery on an agent's listen stream; `seq` is the agent's delivery cursor. */
export interface AxmeDelivery {
  intent_id: string;
  seq: number;
  [key: string]: unknown;
}

/**
 * An async iterator over a server stream. `for await` reads it; `break` (or `return()` /
 * `close()`) closes the connection at once, even while waiting for the next item.
 */
export declare class AxmeStream<T> implements AsyncIterableIterator<T> {
  private constructor();
  [Symbol.asyncIterator](): AxmeStream<T>;
  next(): Promise<IteratorResult<T, undefined>>;
  return(value?: unknown): Promise<IteratorResult<T, undefined>>;
  throw(error?: unknown): Promise<IteratorResult<T, undefined>>;
  /** Stop and close the connection. */
  close(): Promise<void>;
}

export declare class AxmeClient {
  constructor(config?: AxmeClientConfig);
  /** Create an intent and return its id (`correlationId` minted when absent). */
  sendIntent(payload: Record<string, unknown>, options?: SendIntentOptions): Promise<string>;
  /** Wait for the intent's terminal event (COMPLETED, FAILED, CANCELED, TIMED_OUT) and return it. */
  waitFor(intentId: string, options?: WaitForOptions): Promise<AxmeIntentEvent>;
  /** The intent's lifecycle events from `since` on, ending after the terminal one. */
  observe(intentId: string, options?: ObserveOptions): AxmeStream<AxmeIntentEvent>;
  /** The intents delivered to an agent address (`agent://…` or a bare name); never ends on its own. */
  listen(address: string, options?: ListenOptions): AxmeStream<AxmeDelivery>;
  /** Resolve the intent with status CANCELED. */
  cancelIntent(intentId: string, options?: CancelIntentOptions): Promise<Record<string, unknown>>;
  /** Close the client: calls in flight reject (kind `canceled`), streams end, the heartbeat stops. */
  close(): void;
}

/** Options of `mcpInitialize`. */
export interface McpInitializeCallOptions extends AxmeRequestOptions {
  /** `2024-11-05` or `2025-11-25` (default: the client's `mcpProtocolVersion`). */
  protocolVersion?: string;
}

/** Options of `mcpCallTool`. */
export interface McpCallToolCallOptions
  extends AxmeRequestOptions,
    Pick<AxmeCallOptions, 'ownerAgent' | 'idempotencyKey' | 'validateInputSchema' | 'retryable'> {
  /** The tool's arguments (an object). */
  arguments?: Record<string, unknown> | null;
}

/** A JSON-RPC result of the MCP endpoint. */
export type McpResult = Record<string, unknown>;

/**
 * Members of the generated `AxmeOperations` this package declares itself (with the public
 * TypeScript SDK's millisecond options).
 */
type HandWritten = 'sendIntent' | 'observe' | 'waitFor' | 'listen' | 'cancelIntent' | 'mcpInitialize' | 'mcpListTools' | 'mcpCallTool' | 'mesh';
type MeshHandWritten = 'startHeartbeat' | 'stopHeartbeat' | 'reportMetric';

export interface MeshStartHeartbeatCallOptions {
  /** Time between heartbeats in milliseconds (default 30000); the first is sent at once. */
  intervalMs?: number;
  /** Send the buffered metrics with each heartbeat (default true). */
  includeMetrics?: boolean;
}

export interface MeshReportMetricCallOptions {
  /** Whether the observed intent succeeded (default true). */
  success?: boolean;
  /** Its latency in milliseconds (>= 0); averaged over the observations that have one. */
  latencyMs?: number | null;
  /** Its cost in US dollars (>= 0); summed. */
  costUsd?: number | null;
}

/**
 * `client.mesh`: heartbeats, the metrics buffer, the background heartbeat (on the engine's
 * threads, so it never keeps Node.js alive), health listing, the kill switch and policies.
 */
export interface AxmeMesh extends Omit<AxmeMeshOperations, MeshHandWritten> {
  /** One heartbeat carrying the buffered metrics; on failure they stay buffered. */
  flushMetrics(options?: AxmeRequestOptions): Promise<MeshHeartbeatResponse>;
  /** Buffer one observation for the next heartbeat (throws `AxmeInvalidArgumentError` on a negative value). */
  reportMetric(options?: MeshReportMetricCallOptions): void;
  /** Start the background heartbeat (a second call while it runs keeps the running one). */
  startHeartbeat(options?: MeshStartHeartbeatCallOptions): void;
  /** Stop the background heartbeat; resolves once it has exited. */
  stopHeartbeat(): Promise<void>;
  /** The metrics the next heartbeat would carry, or null. */
  readonly bufferedMetrics: MeshMetrics | null;
  /** Whether the background heartbeat runs. */
  readonly heartbeatRunning: boolean;
}

/** The generated operation methods (getIntent, listIntentEvents, resolveIntent, resumeIntent, ...). */
export interface AxmeClient extends Omit<AxmeOperations, HandWritten> {
  /** The agent-mesh calls. */
  readonly mesh: AxmeMesh;
  /** MCP `initialize`; the JSON-RPC result (`protocolVersion`, `capabilities`, `serverInfo`). */
  mcpInitialize(options?: McpInitializeCallOptions): Promise<McpResult>;
  /** MCP `tools/list` (`{tools}`); caches each tool's input schema. */
  mcpListTools(options?: AxmeRequestOptions): Promise<McpResult>;
  /** MCP `tools/call`; a tool failure is a result with `isError: true`, a JSON-RPC error throws. */
  mcpCallTool(name: string, options?: McpCallToolCallOptions): Promise<McpResult>;
}

export interface AxmeErrorOptions {
  kind?: AxmeErrorKind | 'http' | 'unknown';
  code?: string;
  statusCode?: number;
  requestId?: string;
  traceId?: string;
  /** Seconds the server asked to wait (`Retry-After` / `retry-after-ms`). */
  retryAfter?: number;
  body?: unknown;
  cause?: unknown;
}

export declare class AxmeError extends Error {
  constructor(message: string, options?: AxmeErrorOptions);
  readonly kind: AxmeErrorKind | 'http' | 'unknown';
  /** Machine-readable code from the body (`error.code`), when there is one. */
  readonly code?: string;
  /** HTTP status, when the error came from a response. */
  readonly statusCode?: number;
  /** Server request id (`x-request-id`). */
  readonly requestId?: string;
  /** The `X-Trace-Id` the request was sent with. */
  readonly traceId?: string;
  /** Seconds the server asked to wait before retrying. */
  readonly retryAfter?: number;
  /** Whether repeating the same request could succeed. */
  readonly retryable: boolean;
  /** Response body: JSON when it parsed, else the raw text. */
  readonly body?: unknown;
}

export declare class AxmeHttpError extends AxmeError {
  constructor(statusCode: number, message: string, options?: AxmeErrorOptions);
  readonly statusCode: number;
}
/** 401 / 403. */
export declare class AxmeAuthError extends AxmeHttpError {}
/** 400, 413, 422 and other rejected input. */
export declare class AxmeValidationError extends AxmeHttpError {}
/** 409: idempotency key reused with another body, second terminal transition, invalid transition. */
export declare class AxmeConflictError extends AxmeValidationError {}
/** 404. */
export declare class AxmeNotFoundError extends AxmeHttpError {}
/** 429; see `retryAfter`. */
export declare class AxmeRateLimitError extends AxmeHttpError {}
/** 5xx. */
export declare class AxmeServerError extends AxmeHttpError {}
/** A request timeout (or 408), or an observe/waitFor/listen `timeoutMs`. */
export declare class AxmeTimeoutError extends AxmeError {}
/** The connection could not be made or broke before a full response. */
export declare class AxmeConnectionError extends AxmeError {}
/** The server answered something the client cannot understand. */
export declare class AxmeProtocolError extends AxmeError {}
/** Rejected before any request was sent. */
export declare class AxmeInvalidArgumentError extends AxmeError {}
/** A JSON-RPC error of the MCP endpoint without an HTTP meaning of its own. */
export declare class AxmeMcpError extends AxmeError {}
/** The call was cancelled: its client was closed. */
export declare class AxmeCanceledError extends AxmeError {}
/** A defect inside the engine (please report it). */
export declare class AxmeInternalError extends AxmeError {}

/** The package version. */
export declare const VERSION: string;
