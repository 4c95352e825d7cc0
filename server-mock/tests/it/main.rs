//! Integration tests of the reference server: one binary, one module per area.

mod support;

mod api;
mod durability;
mod faults;
mod streams;
