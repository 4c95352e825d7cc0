//! The AXP domain, free of I/O: statuses and their transitions, addresses, timestamps and the
//! validation of what clients send. Storage and HTTP build on this; nothing here knows about either.

pub mod address;
pub mod clock;
pub mod input;
pub mod invites;
pub mod lifecycle;
pub mod mcp;
pub mod media;
pub mod schemas;
pub mod status;
pub mod users;
pub mod validate;
pub mod webhooks;
