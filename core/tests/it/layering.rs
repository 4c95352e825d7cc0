//! The module layering of `src/` (see the crate docs in `lib.rs`): a module uses only modules of
//! its own layer or below, the modules form no cycle, and the pure layer touches no I/O. Read
//! from the sources, so a new `use crate::…` that breaks the rule fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module of `src/` and its layer.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("records", 0),
    ("config", 0),
    ("retry", 0),
    ("sse", 0),
    ("json_schema", 0),
    ("operations", 0),
    ("params", 0),
    ("request", 0),
    ("cancel", 0),
    ("transport", 1),
    ("mcp", 2),
    ("mesh", 2),
    ("sse_stream", 2),
    ("client", 3),
    ("intents", 3),
    ("observe", 3),
    ("listen", 3),
    ("waist", 4),
];

/// What the pure layer must never name: it has no I/O of its own.
const IO: &[&str] = &[
    "reqwest",
    "tokio::net",
    "tokio::fs",
    "std::net",
    "std::fs",
    "hyper",
];

/// The module a source file belongs to (`waist/stream.rs` → `waist`, `sse_tests.rs` → `sse`;
/// the generated table is part of `operations`).
fn module_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    let stem = first.trim_end_matches(".rs");
    let module = stem.strip_suffix("_tests").unwrap_or(stem);
    if module == "generated" {
        return "operations".into();
    }
    module.to_string()
}

/// The code of a source file without its tests (they may reach anywhere) and comments (a doc
/// link is not a dependency).
fn production(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    code.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap();
            if rel == Path::new("lib.rs") || rel.to_string_lossy().ends_with("_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((module_of(rel), production(&text)));
        }
    }
}

/// The top-level modules a text names as `crate::<module>`.
fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

#[test]
fn modules_use_only_their_layer_and_below_without_cycles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (module, text) in &files {
        let Some(&own) = layer.get(module.as_str()) else {
            problems.push(format!("{module} has no layer in tests/it/layering.rs"));
            continue;
        };
        for used in uses(text) {
            // `crate::UniFfiTag` and root re-exports such as `crate::ErrorKind` are not modules.
            let Some(&theirs) = layer.get(used.as_str()) else {
                continue;
            };
            if theirs > own {
                problems.push(format!(
                    "{module} (layer {own}) uses {used} (layer {theirs})"
                ));
            }
            if used != *module {
                graph.entry(module.clone()).or_default().insert(used);
            }
        }
        if own == 0 {
            for io in IO {
                if text.contains(io) {
                    problems.push(format!("{module} is pure but names {io}"));
                }
            }
        }
    }
    // A cycle shows as a module reachable from itself.
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = graph[start].iter().collect();
        while let Some(m) = todo.pop() {
            if m == start {
                problems.push(format!("{start} is part of an import cycle"));
                break;
            }
            if seen.insert(m.clone()) {
                todo.extend(graph.get(m).into_iter().flatten());
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}
