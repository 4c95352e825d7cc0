//! Naming rules: case conversion and each language's reserved words.
//!
//! Every spelling the generator emits goes through here (directly or through the tera filters
//! in [`crate::filters`]), so templates never invent names and the collision check in
//! [`crate::surface`] sees exactly what the templates write.

/// Splits an identifier into lower-case words at `_`, `-`, `.`, `/`, spaces and case changes
/// (`listAgents`, `HTTPServer`, `health_v1`). Digits stay with the word before them.
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// `snake_case`.
pub fn snake_case(s: &str) -> String {
    words(s).join("_")
}

/// `SCREAMING_SNAKE_CASE`.
pub fn screaming_snake(s: &str) -> String {
    snake_case(s).to_ascii_uppercase()
}

/// `camelCase`.
pub fn camel_case(s: &str) -> String {
    let w = words(s);
    let mut out = w.first().cloned().unwrap_or_default();
    for x in w.iter().skip(1) {
        out.push_str(&capitalize(x));
    }
    out
}

/// `PascalCase`.
pub fn pascal_case(s: &str) -> String {
    words(s).iter().map(|w| capitalize(w)).collect()
}

/// Python keywords (hard keywords of Python 3.9–3.13).
pub const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// JavaScript/TypeScript reserved words (ES2015+ reserved, strict-mode and TS contextual ones
/// that cannot name a parameter).
pub const TS_RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Rust keywords, strict and reserved (2021 edition, plus `gen`).
pub const RUST_KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names the generated Python files import from `typing`; a schema may not shadow them.
pub const PYTHON_TYPING_NAMES: &[&str] = &[
    "Any",
    "AsyncIterator",
    "Dict",
    "Iterator",
    "List",
    "Literal",
    "Mapping",
    "Optional",
    "TYPE_CHECKING",
    "TypedDict",
    "Union",
];

/// Global TypeScript types the generated declarations use; a schema may not shadow them.
pub const TS_GLOBAL_TYPES: &[&str] = &[
    "AbortSignal",
    "Array",
    "AsyncIterable",
    "Object",
    "Promise",
    "Record",
    "String",
    "Uint8Array",
];

/// Makes `s` a valid identifier (ASCII letters, digits, `_`; not starting with a digit).
fn identifier_chars(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Whether `s` is already a plain ASCII identifier.
pub fn is_identifier(s: &str) -> bool {
    identifier_chars(s) == s
}

/// A Python identifier: keywords get a trailing `_` (PEP 8), other characters become `_`.
pub fn python_ident(s: &str) -> String {
    let id = identifier_chars(s);
    if PYTHON_KEYWORDS.contains(&id.as_str()) {
        id + "_"
    } else {
        id
    }
}

/// A JavaScript/TypeScript identifier: reserved words get a trailing `_`.
pub fn ts_ident(s: &str) -> String {
    let id = identifier_chars(s);
    if TS_RESERVED.contains(&id.as_str()) {
        id + "_"
    } else {
        id
    }
}

/// A Rust identifier: keywords become raw identifiers (`r#type`); the few that cannot be raw
/// (`self`, `Self`, `super`, `crate`) get a trailing `_`.
pub fn rust_ident(s: &str) -> String {
    let id = identifier_chars(s);
    match id.as_str() {
        "self" | "Self" | "super" | "crate" => id + "_",
        k if RUST_KEYWORDS.contains(&k) => format!("r#{id}"),
        _ => id,
    }
}

/// Python class name of a schema: PascalCase, suffixed with `_` when it would shadow a keyword
/// or a `typing` name the generated files import.
pub fn python_class(s: &str) -> String {
    let id = identifier_chars(&pascal_case(s));
    if PYTHON_KEYWORDS.contains(&id.as_str()) || PYTHON_TYPING_NAMES.contains(&id.as_str()) {
        id + "_"
    } else {
        id
    }
}

/// TypeScript type name of a schema: PascalCase, suffixed with `_` when it would shadow a
/// global type the declarations use.
pub fn ts_class(s: &str) -> String {
    let id = identifier_chars(&pascal_case(s));
    if TS_GLOBAL_TYPES.contains(&id.as_str()) || TS_RESERVED.contains(&id.as_str()) {
        id + "_"
    } else {
        id
    }
}

/// Word-wraps `text` to lines of at most `width` characters (longer words stay whole).
/// Paragraph breaks (blank lines) are kept as empty lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, para) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(words("listAgents"), ["list", "agents"]);
        assert_eq!(words("HTTPServer_v1"), ["http", "server", "v1"]);
        assert_eq!(snake_case("MCP-Protocol-Version"), "mcp_protocol_version");
        assert_eq!(camel_case("get_intent_v1"), "getIntentV1");
        assert_eq!(pascal_case("mesh"), "Mesh");
        assert_eq!(pascal_case("create_intent_request"), "CreateIntentRequest");
        assert_eq!(pascal_case("CreateIntentRequest"), "CreateIntentRequest");
        assert_eq!(screaming_snake("x-owner-agent"), "X_OWNER_AGENT");
    }

    #[test]
    fn reserved() {
        assert_eq!(python_ident("from"), "from_");
        assert_eq!(python_ident("a-b"), "a_b");
        assert_eq!(python_ident("2fa"), "_2fa");
        assert_eq!(ts_ident("default"), "default_");
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("self"), "self_");
        assert_eq!(python_class("any"), "Any_");
        assert_eq!(ts_class("record"), "Record_");
        assert!(is_identifier("trace_id") && !is_identifier("a-b"));
    }

    #[test]
    fn wraps() {
        assert_eq!(wrap("a bb ccc\n\ndd", 4), ["a bb", "ccc", "", "dd"]);
    }
}
