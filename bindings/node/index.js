'use strict';
// @axme/axme (CommonJS entry). The AXP client on the shared Rust core; see README.md.

const { AxmeClient, AxmeMesh, AxmeStream, VERSION } = require('./lib/client.js');
const errors = require('./lib/errors.js');
const { installOperations, installMeshOperations } = require('./generated/operations.js');

// The generated operation methods (getIntent, resolveIntent, ..., and client.mesh's) call `_call`;
// methods the classes define by hand are kept.
installOperations(AxmeClient);
installMeshOperations(AxmeMesh);

const { fromNative: _, ...classes } = errors;
module.exports = { AxmeClient, AxmeStream, VERSION, ...classes };
