//! Integration tests of the reference server: one binary, one module per area.

mod mcp_client;
mod support;

mod api;
mod conformance;
mod durability;
mod faults;
mod invites;
mod mcp;
mod media;
mod schemas;
mod streams;
mod users;
mod webhooks;
