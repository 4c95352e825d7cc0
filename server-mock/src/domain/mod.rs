//! The AXP domain, free of I/O: statuses and their transitions, addresses, timestamps and the
//! validation of what clients send. Storage and HTTP build on this; nothing here knows about either.

pub mod address;
pub mod admin;
pub mod agent_settings;
pub mod agents;
pub mod clock;
pub mod inbox;
pub mod input;
pub mod invites;
pub mod lifecycle;
pub mod mcp;
pub mod media;
pub mod mesh;
pub mod scenario_checks;
mod scenario_steps;
pub mod scenarios;
pub mod schemas;
pub mod signature;
pub mod status;
pub mod task_answers;
pub mod tasks;
pub mod users;
pub mod validate;
pub mod webhooks;
