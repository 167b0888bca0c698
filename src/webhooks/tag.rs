//! The one authentication of a webhook post: Pictory signs nothing, so each
//! callback URL carries a random nonce and a tag, HMAC-SHA256 with the
//! hub's secret over that nonce. Only the hub can make a tag; checking one
//! takes constant time.

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Bytes of a nonce (hex-encoded in the URL).
const NONCE_BYTES: usize = 16;
/// Bytes of HMAC output kept in the URL (128 bits).
const TAG_BYTES: usize = 16;
/// Smallest secret accepted.
pub(crate) const MIN_SECRET_BYTES: usize = 16;
/// Separates tags of this scheme from any other use of the secret.
const DOMAIN: &[u8] = b"pictory-webhook-v1\0";

/// `n` bytes from the operating system's random source.
pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>, getrandom::Error> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf)?;
    Ok(buf)
}

/// A new nonce, as lower-case hex.
pub(crate) fn new_nonce() -> Result<String, getrandom::Error> {
    Ok(hex(&random_bytes(NONCE_BYTES)?))
}

/// The secret's HMAC state, ready to tag or check nonces.
#[derive(Clone)]
pub(crate) struct Tagger(HmacSha256);

impl Tagger {
    /// A tagger over `secret` (at least [`MIN_SECRET_BYTES`]; the caller checks).
    pub(crate) fn new(secret: &[u8]) -> Tagger {
        // HMAC takes keys of any length.
        Tagger(HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length"))
    }

    fn mac(&self, nonce: &str) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(DOMAIN);
        mac.update(nonce.as_bytes());
        mac
    }

    /// The tag of `nonce`, as lower-case hex.
    pub(crate) fn tag(&self, nonce: &str) -> String {
        let full = self.mac(nonce).finalize().into_bytes();
        hex(&full[..TAG_BYTES])
    }

    /// Whether `tag` is `nonce`'s tag, in constant time (for tags of the
    /// right length; anything else is refused at once).
    pub(crate) fn verify(&self, nonce: &str, tag: &str) -> bool {
        if nonce.len() != NONCE_BYTES * 2 || !is_hex(nonce) {
            return false;
        }
        match unhex(tag) {
            Some(bytes) if bytes.len() == TAG_BYTES => {
                self.mac(nonce).verify_truncated_left(&bytes).is_ok()
            }
            _ => false,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !is_hex(s) {
        return None;
    }
    let digit = |b: u8| {
        if b.is_ascii_digit() {
            b - b'0'
        } else {
            b - b'a' + 10
        }
    };
    Some(
        s.as_bytes()
            .chunks(2)
            .map(|p| (digit(p[0]) << 4) | digit(p[1]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_verifies_only_with_its_nonce_and_secret() {
        let t = Tagger::new(b"0123456789abcdef0123456789abcdef");
        let nonce = new_nonce().unwrap();
        let tag = t.tag(&nonce);
        assert_eq!(tag.len(), TAG_BYTES * 2);
        assert!(t.verify(&nonce, &tag));
        let other = new_nonce().unwrap();
        assert_ne!(nonce, other);
        assert!(!t.verify(&other, &tag));
        let stranger = Tagger::new(b"another secret, sixteen+ bytes..");
        assert!(!stranger.verify(&nonce, &tag));
        // Every single-character change of the tag is refused.
        for i in 0..tag.len() {
            let mut bad = tag.clone().into_bytes();
            bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
            assert!(!t.verify(&nonce, std::str::from_utf8(&bad).unwrap()));
        }
    }

    #[test]
    fn malformed_tags_and_nonces_are_refused() {
        let t = Tagger::new(b"0123456789abcdef");
        let nonce = new_nonce().unwrap();
        let tag = t.tag(&nonce);
        for bad in [
            "",
            "x",
            &tag[..30],
            &format!("{tag}00"),
            &tag.to_uppercase(),
        ] {
            assert!(!t.verify(&nonce, bad), "{bad:?}");
        }
        assert!(!t.verify(&nonce.to_uppercase(), &tag));
        assert!(!t.verify("", &t.tag("")));
        assert!(!t.verify("../x", &t.tag("../x")));
    }
}
