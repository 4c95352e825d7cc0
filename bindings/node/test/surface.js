'use strict';
// The generated surface as codegen describes it (codegen/out/surface.json): which TypeScript
// methods exist and which operations the reference server serves.

const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { ROOT } = require('./helpers.js');

const SURFACE = JSON.parse(readFileSync(join(ROOT, 'codegen', 'out', 'surface.json'), 'utf8'));


/** `[{method, op}]`: TypeScript methods of the main client whose operations are not served. */
function unservedMethods() {
  const ops = new Map(SURFACE.operations.map((o) => [o.id, o]));
  const ts = SURFACE.languages.find((l) => l.language === 'typescript');
  const out = [];
  for (const c of ts.clients) {
    for (const m of c.methods) {
      const op = ops.get(m.operation_id);
      if (m.kind === 'operation' && op && !op.served) out.push({ client: c.subclient, method: m, op });
    }
  }
  return out;
}

/** Placeholder arguments: ids for strings, `{}` for bodies, and the required options. */
function argumentsFor(method) {
  const positional = [];
  const options = {};
  for (const p of method.params) {
    const value = /^string\b/.test(p.type) ? 'x1' : p.type.startsWith('number') ? 1 : {};
    if (p.kind === 'positional') positional.push(value);
    else if (p.required) options[p.name] = value;
  }
  return [...positional, options];
}

/** The names the sweep calls (`mesh.x` for sub-client methods), for coverage.test.js. */
function sweptMethodNames() {
  return unservedMethods().map(({ client, method }) => (client ? `${client}.${method.name}` : method.name));
}

module.exports = { SURFACE, unservedMethods, argumentsFor, sweptMethodNames };

