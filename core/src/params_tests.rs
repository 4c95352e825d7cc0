//! Parameter checks against the spec's schema subset.

use super::*;
use serde_json::json;

const SINCE: ParamSchema = ParamSchema::INTEGER.minimum(0.0);
const LIMIT: ParamSchema = ParamSchema::INTEGER.minimum(1.0).maximum(200.0);
const OWNER: ParamSchema = ParamSchema::STRING.min_length(1).max_length(383);
const WINDOW: ParamSchema = ParamSchema::STRING.one_of(&["day", "week", "month"]);

fn text(schema: &ParamSchema, v: Value) -> Result<String, String> {
    wire_text("op", Place::Query, "p", schema, &v).map_err(|e| e.message().to_string())
}

#[test]
fn accepted_values_become_wire_text() {
    assert_eq!(text(&SINCE, json!(0)).unwrap(), "0");
    assert_eq!(text(&SINCE, json!(7)).unwrap(), "7");
    // JavaScript numbers reach the core as floats.
    assert_eq!(text(&LIMIT, json!(5.0)).unwrap(), "5");
    assert_eq!(text(&LIMIT, json!(200)).unwrap(), "200");
    assert_eq!(text(&OWNER, json!("agent://a/b")).unwrap(), "agent://a/b");
    assert_eq!(text(&WINDOW, json!("week")).unwrap(), "week");
    assert_eq!(
        text(&ParamSchema::STRING, json!(["A", "B"])).unwrap(),
        "A,B"
    );
    assert_eq!(text(&ParamSchema::BOOLEAN, json!(true)).unwrap(), "true");
    assert_eq!(text(&ParamSchema::NUMBER, json!(0.5)).unwrap(), "0.5");
    assert_eq!(
        text(&ParamSchema::ANY, json!([1, "x", false])).unwrap(),
        "1,x,false"
    );
}

#[test]
fn rejections_name_the_parameter_the_value_and_what_is_accepted() {
    let cases = [
        (
            SINCE,
            json!(-1),
            "op: query parameter p must be an integer >= 0, got -1",
        ),
        (
            SINCE,
            json!("0"),
            "op: query parameter p must be an integer >= 0, got \"0\"",
        ),
        (
            SINCE,
            json!(1.5),
            "op: query parameter p must be an integer >= 0, got 1.5",
        ),
        (
            SINCE,
            json!(true),
            "op: query parameter p must be an integer >= 0, got true",
        ),
        (
            LIMIT,
            json!(0),
            "op: query parameter p must be an integer from 1 to 200, got 0",
        ),
        (
            LIMIT,
            json!(201),
            "op: query parameter p must be an integer from 1 to 200, got 201",
        ),
        (
            OWNER,
            json!(""),
            "op: query parameter p must be a string of 1 to 383 characters, got \"\"",
        ),
        (
            OWNER,
            json!(5),
            "op: query parameter p must be a string of 1 to 383 characters, got 5",
        ),
        (
            WINDOW,
            json!("year"),
            "op: query parameter p must be one of \"day\", \"week\", \"month\", got \"year\"",
        ),
        (
            ParamSchema::BOOLEAN,
            json!("yes"),
            "op: query parameter p must be a boolean, got \"yes\"",
        ),
        (
            ParamSchema::STRING,
            json!(["a", 1]),
            "op: query parameter p must be a string, got [\"a\",1]",
        ),
        (
            ParamSchema::ANY,
            json!({"a": 1}),
            "op: query parameter p must be a string, number, bool or list of them, got {\"a\":1}",
        ),
    ];
    for (schema, value, want) in cases {
        assert_eq!(text(&schema, value.clone()).unwrap_err(), want, "{value}");
    }
}

#[test]
fn lengths_count_characters_not_bytes() {
    let two = ParamSchema::STRING.max_length(2);
    assert_eq!(text(&two, json!("éé")).unwrap(), "éé");
    assert!(text(&two, json!("ééé")).is_err());
}

#[test]
fn exclusive_bounds_and_number_descriptions() {
    let open = ParamSchema::NUMBER.above(0.0).below(1.5);
    assert!(text(&open, json!(0)).is_err());
    assert!(text(&open, json!(1.5)).is_err());
    assert_eq!(text(&open, json!(1.25)).unwrap(), "1.25");
    assert_eq!(describe(&open), "a number > 0 < 1.5");
    assert_eq!(
        describe(&ParamSchema::INTEGER.maximum(9.0)),
        "an integer <= 9"
    );
    assert_eq!(
        describe(&ParamSchema::STRING.min_length(1)),
        "a non-empty string"
    );
    assert_eq!(
        describe(&ParamSchema::STRING.max_length(64)),
        "a string of at most 64 characters"
    );
}

#[test]
fn integers_beyond_float_precision_are_refused_as_floats() {
    assert_eq!(
        whole_number(&json!(9_007_199_254_740_993_i64)).as_deref(),
        Some("9007199254740993")
    );
    assert_eq!(whole_number(&json!(u64::MAX)), Some(u64::MAX.to_string()));
    assert_eq!(whole_number(&json!(-3.0)).as_deref(), Some("-3"));
    assert!(whole_number(&json!(1e300)).is_none());
}

#[test]
fn missing_required_names_the_place() {
    let e = missing("check_nick", Place::Query, "nick", &OWNER);
    assert_eq!(
        e.message(),
        "check_nick: missing required query parameter nick (a string of 1 to 383 characters)"
    );
    assert_eq!(e.kind(), crate::error::ErrorKind::InvalidArgument);
}

#[test]
fn long_values_are_cut_in_messages() {
    let long = "x".repeat(500);
    let msg = text(&OWNER, json!(long)).unwrap_err();
    assert!(msg.len() < 200, "{msg}");
    assert!(msg.ends_with("...") || msg.ends_with("...\""), "{msg}");
}
