//! Tolerant readers for one field of a JSON body: numbers that may come as
//! strings, strings that may come as numbers, empty strings as absent.

use serde_json::Value;

/// A non-empty string at `key` (a number is turned into its text).
pub(crate) fn str_at(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A finite number at `key`, also from a numeric string (`"42"`, `"42%"`).
pub(crate) fn num_at(v: &Value, key: &str) -> Option<f64> {
    let n = match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').trim().parse().ok(),
        _ => None,
    }?;
    n.is_finite().then_some(n)
}

/// A flag at `key`: `true`/`false`, `"true"`/`"false"` or `1`/`0`.
pub(crate) fn bool_at(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        Value::Number(n) => n.as_f64().map(|n| n != 0.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers_accept_the_loose_forms_and_nothing_else() {
        let v = json!({"s": "x", "e": "", "n": 4, "ns": " 42% ", "nan": "NaN", "inf": "inf",
            "b": true, "bs": "False", "b1": 1, "o": {}});
        assert_eq!(str_at(&v, "s").as_deref(), Some("x"));
        assert_eq!(str_at(&v, "e"), None);
        assert_eq!(str_at(&v, "n").as_deref(), Some("4"));
        assert_eq!(num_at(&v, "ns"), Some(42.0));
        assert_eq!(num_at(&v, "nan"), None);
        assert_eq!(num_at(&v, "inf"), None);
        assert_eq!(num_at(&v, "o"), None);
        assert_eq!(bool_at(&v, "b"), Some(true));
        assert_eq!(bool_at(&v, "bs"), Some(false));
        assert_eq!(bool_at(&v, "b1"), Some(true));
        assert_eq!(bool_at(&v, "s"), None);
    }
}
