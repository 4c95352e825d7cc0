'use strict';
// Loads the native addon the napi-rs way: `axme.<platform>-<arch>[-<abi>].node` next to the
// package (what `npm pack` and `napi build --platform` put there), else the per-platform package
// `@axme/axme-<platform>-<arch>[-<abi>]` (how the published package is split). The environment
// variable NAPI_RS_NATIVE_LIBRARY_PATH overrides both. When nothing matches, the error names the
// platform that was looked for.

const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const PACKAGE = '@axme/axme';
const BINARY = 'axme';

function isMusl() {
  if (process.platform !== 'linux') return false;
  // glibc reports its version in the process report; musl does not.
  const header = process.report?.getReport?.()?.header;
  if (header) return !header.glibcVersionRuntime;
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    return false;
  }
}

/** The napi-rs platform suffix for a platform/arch pair, e.g. `linux-x64-gnu`; null if unsupported. */
function platformTriple(platform = process.platform, arch = process.arch, musl = isMusl()) {
  switch (platform) {
    case 'linux':
      if (['x64', 'arm64', 'riscv64', 'ppc64', 's390x'].includes(arch)) return `linux-${arch}-${musl ? 'musl' : 'gnu'}`;
      if (arch === 'arm') return `linux-arm-${musl ? 'musleabihf' : 'gnueabihf'}`;
      return null;
    case 'darwin':
      return ['x64', 'arm64'].includes(arch) ? `darwin-${arch}` : null;
    case 'win32':
      return ['x64', 'arm64', 'ia32'].includes(arch) ? `win32-${arch}-msvc` : null;
    case 'freebsd':
      return ['x64', 'arm64'].includes(arch) ? `freebsd-${arch}` : null;
    default:
      return null;
  }
}

/**
 * Load the addon. `opts` exists for tests: `{platform, arch, musl, dir, requireFn, env}`.
 * Throws an Error naming the platform when no binary matches.
 */
function loadNative(opts = {}) {
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const env = opts.env ?? process.env;
  const dir = opts.dir ?? join(__dirname, '..');
  const req = opts.requireFn ?? require;
  const triple = platformTriple(platform, arch, opts.musl ?? (platform === process.platform ? isMusl() : false));
  const errors = [];
  const attempts = [];
  if (env.NAPI_RS_NATIVE_LIBRARY_PATH) attempts.push(env.NAPI_RS_NATIVE_LIBRARY_PATH);
  if (triple) {
    const local = join(dir, `${BINARY}.${triple}.node`);
    if (existsSync(local) || opts.requireFn) attempts.push(local);
    attempts.push(`${PACKAGE}-${triple}`);
  }
  for (const target of attempts) {
    try {
      return req(target);
    } catch (e) {
      errors.push(e);
    }
  }
  const where = triple ?? `${platform}-${arch}`;
  const tried = attempts.length ? ` Tried: ${attempts.join(', ')}.` : '';
  const err = new Error(
    `${PACKAGE}: no native binary for this platform (${where}, Node ${process.version}).${tried} ` +
      (triple
        ? `Install the package built for ${where} (npm install ${PACKAGE} on this machine, or a tarball packed on ${where}), ` +
          'or build it from source with `npx napi build --platform` in bindings/node.'
        : `${platform}/${arch} is not a supported platform.`),
    { cause: errors.length === 1 ? errors[0] : errors.length ? new AggregateError(errors, 'load errors') : undefined },
  );
  err.code = 'AXME_NATIVE_NOT_FOUND';
  err.platform = where;
  throw err;
}

module.exports = { loadNative, platformTriple, isMusl };
