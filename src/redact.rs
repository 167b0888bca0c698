//! Keeping the API token out of everything that leaves the crate.
//!
//! The pipeline passes every body it reads through [`Redactor::bytes`]
//! once, before anything parses it, and every message from the HTTP stack
//! through [`Redactor::text`]: errors, typed responses, jobs and their
//! `Debug` output are built from redacted text only. A token is found in
//! every form a server may echo it in: as sent, percent-encoded (upper- or
//! lower-case hex, or encoded twice as `%25XX`), and JSON-escaped (`\/`,
//! `\"`, `\\`, `\uXXXX`), in any mix. Redaction happens before truncation;
//! a body cut short that ends in the start of the token loses that start.

use std::borrow::Cow;

/// What replaces the token.
pub(crate) const MASK: &str = "[REDACTED]";

/// The shortest token accepted: shorter ones would make redaction an
/// oracle (too many innocent matches) and are not LowCodeAPI tokens.
pub(crate) const MIN_TOKEN_LEN: usize = 8;

/// Removes the client's secrets (the LowCodeAPI token, Pictory's API
/// key), each in all its encodings, from bytes and text.
#[derive(Clone)]
pub(crate) struct Redactor {
    secrets: Box<[Secret]>,
}

/// One secret and its finder.
#[derive(Clone)]
struct Secret {
    token: Box<[u8]>,
    /// Finds the secret as sent (built once: a finder's set-up costs more
    /// than scanning a small body).
    finder: memchr::memmem::Finder<'static>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor([REDACTED])")
    }
}

/// Why a secret (`what`: "the API token", "the Pictory API key") cannot
/// be used (and redacted safely), if it cannot.
pub(crate) fn secret_problem(what: &str, token: &str) -> Option<String> {
    if token.is_empty() {
        Some(format!("{what} is empty"))
    } else if token
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        Some(format!(
            "{what} contains whitespace, control or non-ASCII characters"
        ))
    } else if token.len() < MIN_TOKEN_LEN {
        Some(format!("{what} is shorter than {MIN_TOKEN_LEN} characters"))
    } else {
        None
    }
}

/// Why a LowCodeAPI token cannot be used, if it cannot.
#[cfg(test)]
pub(crate) fn token_problem(token: &str) -> Option<String> {
    secret_problem("the API token", token)
}

impl Redactor {
    /// A redactor for `secrets`, each of which must pass [`secret_problem`].
    pub(crate) fn new<'s>(secrets: impl IntoIterator<Item = &'s str>) -> Redactor {
        Redactor {
            secrets: secrets
                .into_iter()
                .map(|s| Secret {
                    token: s.as_bytes().into(),
                    finder: memchr::memmem::Finder::new(s.as_bytes()).into_owned(),
                })
                .collect(),
        }
    }

    /// `input` with every form of every secret replaced by `[REDACTED]`.
    /// `cut`: the input was cut short, so a start of a secret at its very
    /// end (three bytes or more) is removed too.
    pub(crate) fn bytes<'a>(&self, input: &'a [u8], cut: bool) -> Cow<'a, [u8]> {
        let mut out = Cow::Borrowed(input);
        for secret in self.secrets.iter() {
            if let Cow::Owned(changed) = secret.bytes(&out, cut) {
                out = Cow::Owned(changed);
            }
        }
        out
    }

    /// `text` with every form of every secret, and any `api_token=` query
    /// value, replaced by `[REDACTED]`.
    pub(crate) fn text(&self, text: &str) -> String {
        let out = match self.bytes(text.as_bytes(), false) {
            // Replacing whole ASCII-delimited runs keeps UTF-8 valid.
            Cow::Borrowed(_) => text.to_string(),
            Cow::Owned(b) => String::from_utf8_lossy(&b).into_owned(),
        };
        scrub_token_params(out)
    }
}

impl Secret {
    /// `input` with every form of the secret replaced by `[REDACTED]`.
    fn bytes<'a>(&self, input: &'a [u8], cut: bool) -> Cow<'a, [u8]> {
        // Every form is at least as long as the secret as sent, so a shorter
        // whole text (most header values) cannot hold one.
        if !cut && input.len() < self.token.len() {
            return Cow::Borrowed(input);
        }
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        for start in self.candidates(input, cut) {
            if start < copied {
                continue; // inside a span already replaced
            }
            let (matched, end) = self.match_at(input, start);
            let whole = matched == self.token.len();
            let tail = cut && end == input.len() && matched >= 3;
            if whole || tail {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(input.len()));
                buf.extend_from_slice(&input[copied..start]);
                buf.extend_from_slice(MASK.as_bytes());
                copied = end;
            }
        }
        match out {
            None => Cow::Borrowed(input),
            Some(mut buf) => {
                buf.extend_from_slice(&input[copied..]);
                Cow::Owned(buf)
            }
        }
    }

    /// Where a form of the token can start, in order: every occurrence of
    /// the token as sent (found with memmem), and, around every `%` or `\\`
    /// (rare in JSON; every other encoding contains one within the token's
    /// reach), each position holding the token's first byte and the escape
    /// itself; with `cut`, the positions near the end where a start of the
    /// token as sent could begin.
    fn candidates(&self, input: &[u8], cut: bool) -> Vec<usize> {
        let len = self.token.len();
        let first = self.token[0];
        let mut out: Vec<usize> = self.finder.find_iter(input).collect();
        // The widest encoding of one byte is 8 bytes (`\\u00XX` plus one).
        let reach = len.saturating_mul(8);
        let mut covered = 0;
        for escape in memchr::memchr2_iter(b'%', b'\\', input) {
            let from = escape.saturating_sub(reach).max(covered);
            out.extend((from..escape).filter(|&i| input[i] == first));
            out.push(escape);
            covered = escape + 1;
        }
        if cut {
            let from = input.len().saturating_sub(len);
            out.extend((from..input.len()).filter(|&i| input[i] == first));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// How many token bytes match from `at`, and where the match ends:
    /// the whole token if any mix of encodings matches, else the longest
    /// start of it that runs to the end of `input` (for cut input), else 0.
    fn match_at(&self, input: &[u8], at: usize) -> (usize, usize) {
        let mut budget = 4096u32;
        self.match_from(input, at, 0, &mut budget)
            .unwrap_or((0, at))
    }

    fn match_from(
        &self,
        input: &[u8],
        k: usize,
        j: usize,
        budget: &mut u32,
    ) -> Option<(usize, usize)> {
        if j == self.token.len() || k == input.len() {
            return Some((j, k));
        }
        *budget = budget.checked_sub(1)?;
        let mut best: Option<(usize, usize)> = None;
        for n in encoded_lens(&input[k..], self.token[j])
            .into_iter()
            .flatten()
        {
            match self.match_from(input, k + n, j + 1, budget) {
                Some(whole) if whole.0 == self.token.len() => return Some(whole),
                Some(partial) if partial.1 == input.len() => best = Some(partial),
                _ => {}
            }
        }
        best
    }
}

/// The lengths of the encodings of byte `want` at the start of `s`,
/// longest first.
fn encoded_lens(s: &[u8], want: u8) -> [Option<usize>; 6] {
    let hex = |h: &[u8]| {
        std::str::from_utf8(h)
            .ok()
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    let double = matches!(s, [b'%', b'2', b'5', h1, h2, ..] if hex(&[*h1, *h2]) == Some(want));
    let unicode = matches!(s, [b'\\', b'u', a, b, c, d, ..]
        if hex(&[*a, *b]) == Some(0) && hex(&[*c, *d]) == Some(want));
    // `\\uXXXX`: the escaped form escaped again (a JSON string holding it).
    let unicode_twice = matches!(s, [b'\\', b'\\', b'u', a, b, c, d, ..]
        if hex(&[*a, *b]) == Some(0) && hex(&[*c, *d]) == Some(want));
    let single = matches!(s, [b'%', h1, h2, ..] if hex(&[*h1, *h2]) == Some(want));
    // `\u0025XX`: a percent-encoded byte whose `%` is JSON-escaped.
    let escaped_percent = matches!(s, [b'\\', b'u', b'0', b'0', b'2', b'5', h1, h2, ..]
        if hex(&[*h1, *h2]) == Some(want));
    let escaped = matches!(s, [b'\\', e, ..] if *e == want && matches!(want, b'/' | b'"' | b'\\'));
    [
        escaped_percent.then_some(8),
        unicode_twice.then_some(7),
        double.then_some(5),
        unicode.then_some(6),
        single.then_some(3).or(escaped.then_some(2)),
        (s.first() == Some(&want)).then_some(1),
    ]
}

/// Replaces the value of every `api_token=` parameter in `text`.
fn scrub_token_params(mut out: String) -> String {
    const KEY: &str = "api_token=";
    let mut from = 0;
    while let Some(pos) = out[from..].find(KEY) {
        let start = from + pos + KEY.len();
        let end = out[start..]
            .find(|c: char| matches!(c, '&' | '"' | '\'' | ')' | '#') || c.is_whitespace())
            .map(|e| start + e)
            .unwrap_or(out.len());
        out.replace_range(start..end, MASK);
        from = start + MASK.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "at_Se/cr\"et+9";

    /// Percent-encoded with lower-case hex, alphanumerics as they are.
    fn lower_hex(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b if b.is_ascii_alphanumeric() => (b as char).to_string(),
                b => format!("%{b:02x}"),
            })
            .collect()
    }

    fn r(s: &str) -> String {
        Redactor::new([T]).text(s)
    }

    #[test]
    fn every_encoding_is_removed() {
        let json = serde_json::to_string(T).unwrap();
        let forms = [
            T.to_string(),
            url::form_urlencoded::byte_serialize(T.as_bytes()).collect::<String>(),
            lower_hex(T),
            json[1..json.len() - 1].to_string(),
            T.replace('/', "\\/").replace('"', "\\\""),
            T.chars().map(|c| format!("\\u{:04X}", c as u32)).collect(),
            percent_encoding::utf8_percent_encode(T, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                .replace('%', "%25"),
        ];
        for form in forms {
            let out = r(&format!("x {form} y"));
            assert_eq!(out, "x [REDACTED] y", "{form}");
        }
    }

    #[test]
    fn json_stays_valid_and_twice_escaped_forms_go_too() {
        let red = Redactor::new([T]);
        let escaped: String = T.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
        let percent_escaped: String = T.bytes().map(|b| format!("\\u0025{b:02X}")).collect();
        for inner in [T.to_string(), escaped] {
            let body = serde_json::json!({ "echo": inner, "n": 1 }).to_string();
            let out = red.bytes(body.as_bytes(), false);
            let v: serde_json::Value = serde_json::from_slice(&out).expect("still JSON");
            assert_eq!(v["echo"], MASK, "{body}");
        }
        let body = format!(r#"{{"echo":"{percent_escaped}"}}"#);
        let out = red.bytes(body.as_bytes(), false);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("still JSON");
        assert_eq!(v["echo"], MASK, "{body}");
    }

    #[test]
    fn params_and_cut_tails() {
        assert_eq!(
            r("GET /x?api_token=other&y=1"),
            "GET /x?api_token=[REDACTED]&y=1"
        );
        let red = Redactor::new([T]);
        assert_eq!(
            red.bytes(b"body ends at_Se", true).as_ref(),
            b"body ends [REDACTED]"
        );
        assert_eq!(
            red.bytes(b"body ends at_Se", false).as_ref(),
            b"body ends at_Se"
        );
        assert!(matches!(
            red.bytes(b"nothing here", false),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn unsafe_tokens_are_refused() {
        for bad in ["", "short", "has space12", "tab\there12", "ünïcödé-token"] {
            assert!(token_problem(bad).is_some(), "{bad:?}");
        }
        assert!(token_problem("at_0123456789").is_none());
    }

    proptest::proptest! {
        #[test]
        fn no_form_of_the_token_survives(
            before in ".{0,40}", after in ".{0,40}", token in "[!-~]{8,24}", cut in 0usize..200
        ) {
            let red = Redactor::new([token.as_str()]);
            let json = serde_json::to_string(&token).unwrap();
            let pct = percent_encoding::utf8_percent_encode(&token, percent_encoding::NON_ALPHANUMERIC).to_string();
            let text = format!("{before}{token}|{json}|{pct}|{}{after}?api_token={token}&x=1", lower_hex(&token));
            let out = red.text(&text);
            proptest::prop_assert!(!out.contains(&token), "{}", out);
            proptest::prop_assert!(!out.contains(&pct), "{}", out);
            // Cut anywhere, then redacted: no more than two token bytes survive at the end.
            let bytes = text.as_bytes();
            let at = cut.min(bytes.len());
            let shown = red.bytes(&bytes[..at], true);
            let shown = String::from_utf8_lossy(&shown);
            for n in 3..=token.len() {
                proptest::prop_assert!(!shown.ends_with(&token[..n]) || before.ends_with(&token[..n]) && at <= before.len(), "{}", shown);
            }
        }
    }

    /// Every form a server may echo a secret in (as sent, percent-encoded
    /// upper and lower, twice percent-encoded, JSON-escaped, `\uXXXX`).
    fn forms(t: &str) -> Vec<String> {
        let json = serde_json::to_string(t).unwrap();
        vec![
            t.to_string(),
            url::form_urlencoded::byte_serialize(t.as_bytes()).collect(),
            percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
            lower_hex(t),
            percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                .replace('%', "%25"),
            json[1..json.len() - 1].to_string(),
            t.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(),
        ]
    }

    /// The exact output, the secret alone (a header value that is just the
    /// key), at the start, in the middle and at the end of an uncut text,
    /// in every form: nothing else is touched.
    #[test]
    fn exact_output_at_every_position_in_every_form() {
        for token in [T, "pictai_k3y-0123", "at_ends%25", "at_ends\\"] {
            let red = Redactor::new([token]);
            for form in forms(token) {
                for (before, after) in [("", ""), ("", " tail"), ("head ", " tail"), ("head ", "")]
                {
                    let text = format!("{before}{form}{after}");
                    assert_eq!(
                        red.text(&text),
                        format!("{before}{MASK}{after}"),
                        "{token:?} as {form:?}"
                    );
                    assert_eq!(
                        String::from_utf8_lossy(&red.bytes(text.as_bytes(), false)),
                        format!("{before}{MASK}{after}"),
                        "{token:?} as {form:?}"
                    );
                }
            }
        }
    }

    /// Text without the secret comes back byte for byte, percent signs and
    /// backslashes included (no over-masking of cut bodies either).
    #[test]
    fn nothing_else_is_masked() {
        let red = Redactor::new([T]);
        for text in [
            "50% done",
            "at_ and at_S and at_Se/cr but not the rest",
            "a\\b \\u0041 %41 %%",
            "",
        ] {
            assert_eq!(red.text(text), text);
            assert_eq!(red.bytes(text.as_bytes(), true).as_ref(), text.as_bytes());
        }
        // Cut: a start of the secret at the very end, three bytes or more,
        // goes; two bytes stay (too short to tell).
        assert_eq!(red.bytes(b"x at_", true).as_ref(), b"x [REDACTED]");
        assert_eq!(red.bytes(b"x at", true).as_ref(), b"x at");
        assert_eq!(red.bytes(b"x at_", false).as_ref(), b"x at_");
    }

    /// A secret must be at least 8 characters: 7 is refused, 8 accepted.
    #[test]
    fn the_shortest_secret_is_eight_characters() {
        assert!(token_problem("at_1234").is_some());
        assert!(token_problem("at_12345").is_none());
        assert_eq!(MIN_TOKEN_LEN, 8);
    }

    /// Two secrets (the token and the key) are both removed.
    #[test]
    fn both_secrets_go() {
        let red = Redactor::new(["at_token-1234", "pictai_key-5678"]);
        assert_eq!(
            red.text("t=at_token-1234 k=pictai_key-5678"),
            format!("t={MASK} k={MASK}")
        );
    }

    proptest::proptest! {
        /// A secret anywhere in a text (any prefix and suffix without it)
        /// in any form: the output is exactly the text with the secret's
        /// span replaced.
        #[test]
        fn exact_output_anywhere(
            before in "[a-z0-9 .,]{0,30}", after in "[a-z0-9 .,]{0,30}",
            token in "[A-Za-z0-9_/+\\-]{8,20}", which in 0usize..7
        ) {
            let red = Redactor::new([token.as_str()]);
            let form = forms(&token)[which].clone();
            let text = format!("{before}|{form}|{after}");
            proptest::prop_assert_eq!(red.text(&text), format!("{before}|{MASK}|{after}"));
        }
    }

    /// A redactor's `Debug` shows no secret, and says what it is.
    #[test]
    fn debug_shows_no_secret() {
        let red = Redactor::new([T]);
        assert_eq!(format!("{red:?}"), "Redactor([REDACTED])");
    }

    /// Every `api_token=` parameter is masked up to its delimiter, each
    /// one, and nothing after it.
    #[test]
    fn every_token_parameter_is_masked_to_its_end() {
        assert_eq!(
            r("a?api_token=one&b=2&api_token=two#frag 'api_token=three' api_token="),
            "a?api_token=[REDACTED]&b=2&api_token=[REDACTED]#frag 'api_token=[REDACTED]' api_token=[REDACTED]"
        );
    }
}
