//! Integration tests of the reference server: one binary, one module per area.

mod support;

mod admin;
mod agents;
mod api;
mod delivery;
mod durability;
mod faults;
mod handoff;
mod mesh;
mod receiver;
mod streams;
