//! The Rust driver: performs driver-protocol requests with axme-core.

use std::process::ExitCode;

pub fn main() -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
