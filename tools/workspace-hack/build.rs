// Without a build script Cargo would not resolve the [build-dependencies] table, and the host side
// (build scripts, proc macros) would keep its own feature sets.
fn main() {}
