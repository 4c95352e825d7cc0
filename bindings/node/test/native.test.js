'use strict';
// The napi-rs style loader and the error mapping, without a server.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { join } = require('node:path');

const { loadNative, platformTriple } = require('../lib/native.js');
const errors = require('../lib/errors.js');

describe('native loader', () => {
  it('names platforms the napi-rs way', () => {
    assert.equal(platformTriple('linux', 'x64', false), 'linux-x64-gnu');
    assert.equal(platformTriple('linux', 'arm64', true), 'linux-arm64-musl');
    assert.equal(platformTriple('darwin', 'arm64'), 'darwin-arm64');
    assert.equal(platformTriple('win32', 'x64'), 'win32-x64-msvc');
    assert.equal(platformTriple('aix', 'ppc64'), null);
  });

  it('loads this platform’s binary from the package folder', () => {
    const native = loadNative();
    assert.equal(typeof native.NativeClient, 'function');
    assert.equal(typeof native.NativeCancel, 'function');
  });

  it('tries the local file, then the per-platform package, and names the platform when neither exists', () => {
    const tried = [];
    const requireFn = (p) => {
      tried.push(p);
      throw Object.assign(new Error(`Cannot find module '${p}'`), { code: 'MODULE_NOT_FOUND' });
    };
    assert.throws(
      () => loadNative({ platform: 'linux', arch: 'arm64', musl: true, dir: '/nowhere', requireFn, env: {} }),
      (e) => {
        assert.equal(e.code, 'AXME_NATIVE_NOT_FOUND');
        assert.equal(e.platform, 'linux-arm64-musl');
        assert.match(e.message, /no native binary for this platform \(linux-arm64-musl/);
        assert.ok(e.cause);
        return true;
      },
    );
    assert.deepEqual(tried, [join('/nowhere', 'axme.linux-arm64-musl.node'), '@axme/axme-linux-arm64-musl']);
  });

  it('an unsupported platform is named too', () => {
    assert.throws(
      () => loadNative({ platform: 'aix', arch: 'ppc64', env: {}, requireFn: () => assert.fail('nothing to load') }),
      /no native binary for this platform \(aix-ppc64.*not a supported platform/,
    );
  });

  it('NAPI_RS_NATIVE_LIBRARY_PATH overrides the search', () => {
    const seen = [];
    const out = loadNative({ env: { NAPI_RS_NATIVE_LIBRARY_PATH: '/custom/axme.node' }, requireFn: (p) => (seen.push(p), { ok: p }) });
    assert.deepEqual(out, { ok: '/custom/axme.node' });
    assert.deepEqual(seen, ['/custom/axme.node']);
  });
});

describe('error mapping', () => {
  // The core's error record, as the native layer hands it over (`body` as JSON text).
  const base = { message: 'm', code: 'c', request_id: 'r', trace_id: 't', retry_after_seconds: null, body: '{"a":1}', retryable: false };
  const cases = [
    [{ kind: 'auth', status: 403 }, errors.AxmeAuthError],
    [{ kind: 'validation', status: 422 }, errors.AxmeValidationError],
    [{ kind: 'conflict', status: 409 }, errors.AxmeConflictError],
    [{ kind: 'not_found', status: 404 }, errors.AxmeNotFoundError],
    [{ kind: 'rate_limit', status: 429, retry_after_seconds: 1.5 }, errors.AxmeRateLimitError],
    [{ kind: 'server', status: 503 }, errors.AxmeServerError],
    [{ kind: 'timeout', status: 408 }, errors.AxmeTimeoutError],
    [{ kind: 'timeout', status: null }, errors.AxmeTimeoutError],
    [{ kind: 'connection', status: null }, errors.AxmeConnectionError],
    [{ kind: 'protocol', status: null }, errors.AxmeProtocolError],
    [{ kind: 'invalid_argument', status: null }, errors.AxmeInvalidArgumentError],
    [{ kind: 'mcp', status: null }, errors.AxmeMcpError],
    [{ kind: 'canceled', status: null }, errors.AxmeCanceledError],
    [{ kind: 'internal', status: null }, errors.AxmeInternalError],
    [{ kind: 'something_new', status: 418 }, errors.AxmeHttpError],
    [{ kind: 'something_new', status: null }, errors.AxmeError],
  ];
  for (const [fields, Class] of cases) {
    it(`${fields.kind}${fields.status ? ` ${fields.status}` : ''} → ${Class.name}`, () => {
      const e = errors.fromNative({ ...base, ...fields });
      assert.equal(e.constructor, Class);
      assert.equal(e.name, Class.name);
      assert.ok(e instanceof errors.AxmeError);
      assert.ok(e instanceof Error);
      assert.equal(e.kind, fields.kind);
      assert.equal(e.statusCode, fields.status ?? undefined);
      assert.equal(e.message, 'm');
      assert.equal(e.code, 'c');
      assert.equal(e.requestId, 'r');
      assert.equal(e.traceId, 't');
      assert.equal(e.retryAfter, fields.retry_after_seconds ?? undefined);
      assert.deepEqual(e.body, { a: 1 });
      assert.equal(e instanceof errors.AxmeHttpError, fields.status != null && !['timeout'].includes(fields.kind));
    });
  }

  it('AxmeHttpError keeps the public SDK constructor (status, message, details)', () => {
    const e = new errors.AxmeHttpError(400, 'bad', { requestId: 'r1' });
    assert.equal(e.statusCode, 400);
    assert.equal(e.requestId, 'r1');
    assert.equal(e.kind, 'http');
  });
});
