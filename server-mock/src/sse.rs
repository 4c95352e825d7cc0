//! Server-sent events on the wire. The normal framing is the one spec/lifecycle.md fixes (`id:`,
//! `event:`, one-line JSON `data:`, LF, no BOM). With fault injection a stream can be sent in the other
//! framings a correct client must also accept (CRLF, lone CR, a BOM, comments, multi-line data, one byte
//! per write), or be dropped after N events, or repeat events.

use serde_json::Value;

/// How a stream is framed and disturbed; the default is the normal framing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Framing {
    pub line_end: LineEnd,
    pub bom: bool,
    pub comments: bool,
    pub multiline_data: bool,
    pub bytewise: bool,
    /// Abort the connection after this many events.
    pub drop_after_events: Option<u64>,
    /// Send every event twice.
    pub duplicate_events: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineEnd {
    #[default]
    Lf,
    CrLf,
    Cr,
}

impl LineEnd {
    fn as_str(self) -> &'static str {
        match self {
            LineEnd::Lf => "\n",
            LineEnd::CrLf => "\r\n",
            LineEnd::Cr => "\r",
        }
    }
}

impl Framing {
    /// One event: `id`, `event` name and JSON `data`.
    pub fn event(&self, id: Option<i64>, name: &str, data: &Value) -> String {
        let nl = self.line_end.as_str();
        let mut out = String::new();
        if self.comments {
            out.push_str(&format!(": event {name} follows{nl}"));
        }
        if let Some(id) = id {
            out.push_str(&format!("id: {id}{nl}"));
        }
        out.push_str(&format!("event: {name}{nl}"));
        if self.multiline_data {
            let pretty = serde_json::to_string_pretty(data).unwrap_or_default();
            for line in pretty.lines() {
                out.push_str(&format!("data: {line}{nl}"));
                if self.comments {
                    out.push_str(&format!(":{nl}"));
                }
            }
        } else {
            out.push_str(&format!("data: {data}{nl}"));
        }
        out.push_str(nl);
        out
    }

    /// A comment line (heartbeats).
    pub fn comment(&self, text: &str) -> String {
        let nl = self.line_end.as_str();
        format!(": {text}{nl}{nl}")
    }

    /// The `retry:` hint a stream opens with.
    pub fn retry(&self, millis: u64) -> String {
        let nl = self.line_end.as_str();
        format!("retry: {millis}{nl}{nl}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normal_framing_is_one_line_json() {
        let text = Framing::default().event(Some(2), "intent.submitted", &json!({"seq": 2}));
        assert_eq!(
            text,
            "id: 2\nevent: intent.submitted\ndata: {\"seq\":2}\n\n"
        );
    }

    #[test]
    fn alternative_framings() {
        let crlf = Framing {
            line_end: LineEnd::CrLf,
            ..Framing::default()
        };
        assert_eq!(
            crlf.event(None, "e", &json!(1)),
            "event: e\r\ndata: 1\r\n\r\n"
        );
        let multi = Framing {
            multiline_data: true,
            ..Framing::default()
        };
        let text = multi.event(Some(1), "e", &json!({"a": 1, "b": 2}));
        assert_eq!(text.matches("data: ").count(), 4, "{text}");
    }
}
