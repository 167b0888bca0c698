//! What an item asked for, remembered: the SHA-256 of the canonical JSON
//! of its storyboard request (object keys sorted, no spaces), so that a
//! key started with one request is never silently taken for another.

use crate::error::{Error, Result};
use crate::storyboard::StoryboardRequest;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Tells this encoding apart from any later one.
const DOMAIN: &[u8] = b"pictory journal: storyboard request v1\n";

/// A SHA-256, shown and stored as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint([u8; 32]);

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({})", self.hex())
    }
}

impl Fingerprint {
    /// The fingerprint of `request`: every field it sends, whatever the
    /// order its fields (or its extras) were set in.
    pub(crate) fn of(request: &StoryboardRequest) -> Result<Fingerprint> {
        let value = serde_json::to_value(request).map_err(|e| Error::InvalidRequest {
            operation: "create_storyboard",
            message: format!("the request cannot be written as JSON: {e}"),
        })?;
        let mut text = Vec::with_capacity(256);
        canonical(&value, &mut text);
        Ok(Fingerprint::digest(&[DOMAIN, &text]))
    }

    /// The SHA-256 of `parts`, one after the other.
    pub(crate) fn digest(parts: &[&[u8]]) -> Fingerprint {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update(part);
        }
        Fingerprint(hash.finalize().into())
    }

    /// 64 lowercase hex digits.
    pub(crate) fn hex(&self) -> String {
        use std::fmt::Write;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }

    /// The fingerprint `hex` shows: exactly 64 lowercase hex digits.
    pub(crate) fn parse(hex: &str) -> Option<Fingerprint> {
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            out[i] = (digit(pair[0])? << 4) | digit(pair[1])?;
        }
        Some(Fingerprint(out))
    }
}

/// `value` as compact JSON with every object's keys in sorted order.
fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                scalar(&Value::String(key.clone()), out);
                out.push(b':');
                canonical(&map[key], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        other => scalar(other, out),
    }
}

/// A string, number, boolean or null as serde_json writes it.
fn scalar(value: &Value, out: &mut Vec<u8>) {
    out.extend_from_slice(value.to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storyboard::Scene;

    #[test]
    fn the_same_request_has_the_same_fingerprint_whatever_the_order_of_its_fields() {
        let a = StoryboardRequest::new("v")
            .scene(Scene::text("Hello"))
            .extra("b", 1)
            .extra("a", serde_json::json!({"y": 1, "x": [2, 3]}));
        let b = StoryboardRequest::new("v")
            .scene(Scene::text("Hello"))
            .extra("a", serde_json::json!({"x": [2, 3], "y": 1}))
            .extra("b", 1);
        assert_eq!(Fingerprint::of(&a).unwrap(), Fingerprint::of(&b).unwrap());
        let other = StoryboardRequest::new("v").scene(Scene::text("Hello!"));
        assert_ne!(
            Fingerprint::of(&a).unwrap(),
            Fingerprint::of(&other).unwrap()
        );
    }

    #[test]
    fn fingerprints_round_trip_through_their_hex_and_nothing_else_parses() {
        let f = Fingerprint::digest(&[b"x"]);
        let hex = f.hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(Fingerprint::parse(&hex), Some(f));
        assert_eq!(Fingerprint::parse(&hex.to_uppercase()), None);
        assert_eq!(Fingerprint::parse(&hex[1..]), None);
        assert_eq!(Fingerprint::parse(&format!("{}g", &hex[1..])), None);
        assert_eq!(Fingerprint::parse("é".repeat(32).as_str()), None);
    }
}
