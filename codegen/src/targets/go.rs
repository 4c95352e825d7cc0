//! Go: the raw declaration layer of the cgo binding (`bindings/go/internal/ffi/`).

use super::{Target, Template};

/// The Go target.
pub struct Go;

const OUTPUTS: &[Template] = &[];

impl Target for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }
}
