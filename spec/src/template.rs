//! Path templates (`/v1/intents/{intent_id}/events`) and matching of concrete request paths against them.
//!
//! A parameter marked `x-axme-multi-segment` (the agent `{address}`) may span several segments, so
//! `/v1/agents/acme/prod/billing/intents/stream` matches `/v1/agents/{address}/intents/stream`. When more
//! than one template matches, the caller ranks them by [`PathTemplate::literal_count`]: the template that
//! pins more literal segments is the more specific one.

/// One segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param { name: String, multi: bool },
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    raw: String,
    segments: Vec<Segment>,
}

impl PathTemplate {
    /// Parses `template`; `is_multi(name)` says whether parameter `name` may contain `/`.
    pub fn parse(template: &str, is_multi: impl Fn(&str) -> bool) -> Result<Self, String> {
        let body = template
            .strip_prefix('/')
            .ok_or_else(|| format!("template {template} does not start with '/'"))?;
        let mut segments = Vec::new();
        for part in body.split('/').filter(|p| !p.is_empty()) {
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                if name.is_empty() || name.contains(['{', '}']) {
                    return Err(format!("template {template}: bad parameter segment {part}"));
                }
                segments.push(Segment::Param {
                    name: name.to_owned(),
                    multi: is_multi(name),
                });
            } else if part.contains(['{', '}']) {
                return Err(format!(
                    "template {template}: parameters must fill a whole segment ({part})"
                ));
            } else {
                segments.push(Segment::Literal(part.to_owned()));
            }
        }
        Ok(Self {
            raw: template.to_owned(),
            segments,
        })
    }

    /// The template as written in the spec.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Number of literal segments: higher means more specific.
    pub fn literal_count(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    /// Matches a concrete path (query string and fragment ignored) and returns the captured parameters.
    pub fn captures(&self, concrete: &str) -> Option<Vec<(String, String)>> {
        let parts = split_concrete(concrete)?;
        let mut out = Vec::new();
        match_from(&self.segments, &parts, &mut out).then_some(out)
    }

    /// Whether a concrete path matches.
    pub fn matches(&self, concrete: &str) -> bool {
        self.captures(concrete).is_some()
    }
}

/// Whether the segments of a concrete path (see [`split_concrete`]) match, without capturing.
pub(crate) fn matches_parts(template: &PathTemplate, parts: &[&str]) -> bool {
    fn go(template: &[Segment], parts: &[&str]) -> bool {
        let Some((first, rest)) = template.split_first() else {
            return parts.is_empty();
        };
        match first {
            Segment::Literal(lit) => parts.first() == Some(&lit.as_str()) && go(rest, &parts[1..]),
            Segment::Param { multi, .. } => {
                let max_span = if *multi {
                    parts.len()
                } else {
                    parts.len().min(1)
                };
                (1..=max_span)
                    .take_while(|span| !parts[..*span].iter().any(|p| p.is_empty()))
                    .any(|span| go(rest, &parts[span..]))
            }
        }
    }
    go(&template.segments, parts)
}

pub(crate) fn split_concrete(concrete: &str) -> Option<Vec<&str>> {
    let path = concrete.split(['?', '#']).next().unwrap_or_default();
    let body = path.strip_prefix('/')?;
    let body = body.strip_suffix('/').unwrap_or(body);
    if body.is_empty() {
        return Some(Vec::new());
    }
    Some(body.split('/').collect())
}

fn match_from(template: &[Segment], parts: &[&str], out: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = template.split_first() else {
        return parts.is_empty();
    };
    match first {
        Segment::Literal(lit) => {
            parts.first() == Some(&lit.as_str()) && match_from(rest, &parts[1..], out)
        }
        Segment::Param { name, multi } => {
            // A multi-segment parameter tries every span, shortest first; each segment must be non-empty.
            let max_span = if *multi {
                parts.len()
            } else {
                parts.len().min(1)
            };
            for span in 1..=max_span {
                if parts[..span].iter().any(|p| p.is_empty()) {
                    break;
                }
                let mark = out.len();
                out.push((name.clone(), parts[..span].join("/")));
                if match_from(rest, &parts[span..], out) {
                    return true;
                }
                out.truncate(mark);
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(template: &str) -> PathTemplate {
        PathTemplate::parse(template, |n| n == "address").unwrap()
    }

    #[test]
    fn literal_and_param_segments() {
        let tpl = t("/v1/intents/{intent_id}/events");
        assert_eq!(
            tpl.captures("/v1/intents/3f2a/events?since=2"),
            Some(vec![("intent_id".into(), "3f2a".into())])
        );
        assert!(tpl.matches("/v1/intents/3f2a/events/"));
        assert!(!tpl.matches("/v1/intents/3f2a"));
        assert!(!tpl.matches("/v1/intents//events"));
        assert!(!tpl.matches("/v1/intents/a/b/events"));
        assert_eq!(tpl.literal_count(), 3);
    }

    #[test]
    fn multi_segment_address() {
        let tpl = t("/v1/agents/{address}/intents/stream");
        assert_eq!(
            tpl.captures("/v1/agents/acme/prod/billing/intents/stream?since=0"),
            Some(vec![("address".into(), "acme/prod/billing".into())])
        );
        assert!(tpl.matches("/v1/agents/acme%2Fprod%2Fbilling/intents/stream"));
        assert!(tpl.matches("/v1/agents/billing/intents/stream"));
        assert!(!tpl.matches("/v1/agents/intents/stream"));
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(PathTemplate::parse("v1/x", |_| false).is_err());
        assert!(PathTemplate::parse("/v1/x{id}", |_| false).is_err());
        assert!(PathTemplate::parse("/v1/{}", |_| false).is_err());
    }

    #[test]
    fn root_path() {
        assert!(t("/health").matches("/health"));
        assert!(!t("/health").matches("/"));
    }
}
