//! How `axme` prints: aligned tables and colour on a terminal, the same text without escape codes
//! when piped, and the server's JSON unchanged with `--json`.
//!
//! Colour is on when the stream is a terminal, `NO_COLOR` is unset and `--no-color` was not given
//! (`CLICOLOR_FORCE=1` forces it, for terminals that are not detected as such).

use std::io::{IsTerminal, Write};

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Writes to stdout; a closed pipe ends the process with status 0 (the reader has what it wanted).
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// Writes raw bytes to stdout, with the same closed-pipe handling as [`write_stdout`].
pub fn write_stdout_bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

/// A text style; only applied when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Bold,
    Dim,
    Red,
    RedBold,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::RedBold => "1;31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Blue => "34",
            Style::Magenta => "35",
            Style::Cyan => "36",
        }
    }
}

/// One table cell: its text and style.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: Style::Plain,
        }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::new(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::new(text)
    }
}

/// Where and how output goes.
#[derive(Debug, Clone)]
pub struct Out {
    /// `--json`: print the server's JSON, nothing else, on stdout.
    pub json: bool,
    /// Colour on stdout.
    pub color: bool,
    /// Colour on stderr.
    pub err_color: bool,
    /// stdout is a terminal.
    pub stdout_tty: bool,
    /// stderr is a terminal (spinners go there).
    pub stderr_tty: bool,
}

impl Out {
    pub fn new(json: bool, no_color: bool) -> Out {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let env_off = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let forced = std::env::var("CLICOLOR_FORCE").is_ok_and(|v| v != "0");
        let allowed = !no_color && !env_off;
        Out {
            json,
            color: allowed && (stdout_tty || forced),
            err_color: allowed && (stderr_tty || forced),
            stdout_tty,
            stderr_tty,
        }
    }

    fn paint_with(on: bool, text: &str, style: Style) -> String {
        if !on || style == Style::Plain || text.is_empty() {
            return text.to_string();
        }
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    }

    /// `text` in `style` for stdout.
    pub fn paint(&self, text: &str, style: Style) -> String {
        Out::paint_with(self.color, text, style)
    }

    /// `text` in `style` for stderr.
    pub fn err_paint(&self, text: &str, style: Style) -> String {
        Out::paint_with(self.err_color, text, style)
    }

    /// Prints a JSON document (pretty) on stdout.
    pub fn print_json(&self, v: &Value) {
        let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
        outln!("{text}");
    }

    /// Prints one JSON document on one line (streams: one event per line).
    pub fn print_json_line(&self, v: &Value) {
        outln!("{v}");
    }

    /// Prints an aligned table; `empty` is said instead when there are no rows.
    pub fn table(&self, headers: &[&str], rows: &[Vec<Cell>], empty: &str) {
        if rows.is_empty() {
            outln!("{}", self.paint(empty, Style::Dim));
            return;
        }
        out!("{}", self.render_table(headers, rows));
    }

    /// The table as text (columns separated by two spaces, the last one not padded).
    pub fn render_table(&self, headers: &[&str], rows: &[Vec<Cell>]) -> String {
        let cols = headers.len();
        let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
        for row in rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(width(&cell.text));
            }
        }
        let mut text = String::new();
        let line = |cells: Vec<(String, Style)>, text: &mut String| {
            let last = cells.len().saturating_sub(1);
            let mut parts = Vec::with_capacity(cells.len());
            for (i, (t, style)) in cells.into_iter().enumerate() {
                let pad = if i == last {
                    String::new()
                } else {
                    " ".repeat(widths[i].saturating_sub(width(&t)))
                };
                parts.push(format!("{}{pad}", self.paint(&t, style)));
            }
            text.push_str(parts.join("  ").trim_end());
            text.push('\n');
        };
        line(
            headers
                .iter()
                .map(|h| (h.to_string(), Style::Bold))
                .collect(),
            &mut text,
        );
        for row in rows {
            line(
                row.iter()
                    .take(cols)
                    .map(|c| (c.text.clone(), c.style))
                    .collect(),
                &mut text,
            );
        }
        text
    }

    /// Prints `key: value` lines with the keys aligned.
    pub fn fields(&self, pairs: &[(&str, Cell)]) {
        let w = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
        for (k, v) in pairs {
            let pad = " ".repeat(w - width(k));
            outln!(
                "{}{pad}  {}",
                self.paint(&format!("{k}:"), Style::Bold),
                self.paint(&v.text, v.style)
            );
        }
    }
}

/// Display width of text (characters; the CLI prints no wide characters of its own).
pub fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `max` characters, with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The colour of an intent status.
pub fn status_style(status: &str) -> Style {
    match status {
        "COMPLETED" => Style::Green,
        "FAILED" | "TIMED_OUT" => Style::Red,
        "CANCELED" | "CANCELLED" => Style::Yellow,
        "WAITING" => Style::Magenta,
        "IN_PROGRESS" | "ACKNOWLEDGED" => Style::Cyan,
        _ => Style::Blue,
    }
}

/// The colour of a mesh health value.
pub fn health_style(health: &str) -> Style {
    match health {
        "healthy" => Style::Green,
        "degraded" => Style::Yellow,
        "unreachable" => Style::Red,
        "killed" => Style::RedBold,
        _ => Style::Dim,
    }
}

/// A string field of a JSON object, or "" (null and absent alike).
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `2026-11-22T05:29:24.123456Z` → `2026-11-22 05:29:24` (UTC); other text unchanged.
pub fn short_time(at: &str) -> String {
    match parse_time(at) {
        Some(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        None => at.to_string(),
    }
}

/// `2026-11-22T05:29:24.123456Z` → `05:29:24.123` (UTC).
pub fn clock(at: &str) -> String {
    match parse_time(at) {
        Some(t) => format!(
            "{:02}:{:02}:{:02}.{:03}",
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        None => at.to_string(),
    }
}

/// How long ago `at` was, as `12s ago`, `3m ago`, `2h ago`, `5d ago`.
pub fn ago(at: &str) -> String {
    let Some(t) = parse_time(at) else {
        return at.to_string();
    };
    let secs = (OffsetDateTime::now_utc() - t).whole_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s ago"),
        60..=3599 => format!("{}m ago", secs / 60),
        3600..=86_399 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

fn parse_time(at: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(at, &Rfc3339).ok()
}

/// Compact one-line JSON, cut to `max` characters.
pub fn compact(v: &Value, max: usize) -> String {
    truncate(&v.to_string(), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Out {
        Out {
            json: false,
            color: false,
            err_color: false,
            stdout_tty: false,
            stderr_tty: false,
        }
    }

    #[test]
    fn tables_align_columns_and_leave_the_last_unpadded() {
        let rows = vec![
            vec![Cell::new("a"), Cell::new("COMPLETED"), Cell::new("x")],
            vec![Cell::new("long-id"), Cell::new("FAILED"), Cell::new("")],
        ];
        let text = plain().render_table(&["ID", "STATUS", "NOTE"], &rows);
        assert_eq!(
            text,
            "ID       STATUS     NOTE\na        COMPLETED  x\nlong-id  FAILED\n"
        );
    }

    #[test]
    fn colour_wraps_text_after_padding_is_computed() {
        let mut out = plain();
        out.color = true;
        let rows = vec![vec![Cell::styled("ok", Style::Green), Cell::new("z")]];
        let text = out.render_table(&["A", "B"], &rows);
        assert_eq!(
            text,
            "\x1b[1mA\x1b[0m   \x1b[1mB\x1b[0m\n\x1b[32mok\x1b[0m  z\n"
        );
    }

    #[test]
    fn times_are_shortened_and_bad_ones_kept() {
        assert_eq!(
            short_time("2026-11-22T05:29:24.123456Z"),
            "2026-11-22 05:29:24"
        );
        assert_eq!(clock("2026-11-22T05:29:24.123456Z"), "05:29:24.123");
        assert_eq!(short_time("yesterday"), "yesterday");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
