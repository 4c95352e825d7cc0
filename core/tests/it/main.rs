//! Integration tests of `axme-core` against the reference server (`axme-server`), started
//! in-process on port 0 with fault injection on. One binary (`tests/it`) so the crate links once.

mod calls;
mod listen;
mod observe;
mod retries;
mod support;
