//! Integration tests of the reference server: one binary, one module per area.

mod humans_support;
mod mcp_client;
mod support;

mod admin;
mod agents;
mod api;
mod approvals;
mod conformance;
mod delivery;
mod durability;
mod exactness;
mod faults;
mod handoff;
mod hostile;
mod inbox;
mod inbox_changes;
mod invites;
mod mcp;
mod media;
mod mesh;
mod receiver;
mod reminders;
mod scenarios;
mod schemas;
mod seeds;
mod step_retries;
mod step_timers;
mod streams;
mod task_answers;
mod tasks;
mod users;
mod webhook_events;
mod webhooks;
