//! C#: the DllImports of the binding (`bindings/dotnet`).

use super::{Target, Template};

/// The C# target.
pub struct CSharp;

const OUTPUTS: &[Template] = &[];

impl Target for CSharp {
    fn name(&self) -> &'static str {
        "csharp"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }
}
