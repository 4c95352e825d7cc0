//! No code. The dependency tables in `Cargo.toml` ask for the union of the features every build of
//! the workspace uses, so each shared dependency is compiled once (`tools/feature_sets.py`).
