//! Integration tests of the reference server: one binary, one module per area.

mod humans_support;
mod support;

mod api;
mod approvals;
mod durability;
mod faults;
mod inbox;
mod inbox_changes;
mod reminders;
mod scenarios;
mod seeds;
mod streams;
mod task_answers;
mod tasks;
