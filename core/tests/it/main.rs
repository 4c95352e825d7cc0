//! Integration tests of `axme-core` against the reference server (`axme-server`), started
//! in-process on port 0 with fault injection on; MCP (and mesh behaviour the reference server cannot
//! be made to show) against the scripted server in `fake.rs`. One binary (`tests/it`) so the crate
//! links once.

mod calls;
mod fake;
mod layering;
mod listen;
mod mcp;
mod mcp_server;
mod media;
mod mesh;
mod mesh_server;
mod observe;
mod retries;
mod support;
mod validation;
mod waist;
