//! Integration tests of `axme`: the binary run against the reference server (in-process, port 0),
//! asserting on its output and exit codes. One binary (`tests/it`) so the crate links once.

mod commands;
mod context;
mod intents;
mod mesh;
mod scenarios;
mod server;
mod support;
mod tasks;
