//! Integration tests of the reference server: one binary, one module per area.

mod humans_support;
mod support;

mod admin;
mod agents;
mod api;
mod approvals;
mod delivery;
mod durability;
mod faults;
mod handoff;
mod inbox;
mod inbox_changes;
mod mesh;
mod receiver;
mod reminders;
mod scenarios;
mod seeds;
mod streams;
mod task_answers;
mod tasks;
