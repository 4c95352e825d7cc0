//! Java: the JNA natives of the binding (`bindings/java`).

use super::{Target, Template};

/// The Java target.
pub struct Java;

const OUTPUTS: &[Template] = &[];

impl Target for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }
}
