//! Where the client's secrets turn up: the simulator counts every request
//! that carries the LowCodeAPI token to Pictory's face, the Pictory key to
//! LowCodeAPI's face, or either to a file route, in the forms a URL, a
//! header or a JSON body can carry them (as sent, percent-encoded).

use super::state::App;

/// Counts `seen` (a request's URL and headers, or its JSON body) against
/// the secrets that do not belong at `path`.
pub(crate) fn count(app: &App, path: &str, seen: &[u8]) {
    let text = String::from_utf8_lossy(seen);
    let decoded = percent_encoding::percent_decode_str(&text).decode_utf8_lossy();
    let carries = |secrets: &[String]| {
        secrets
            .iter()
            .filter(|s| !s.is_empty())
            .any(|s| text.contains(s.as_str()) || decoded.contains(s.as_str()))
    };
    let (token, key) = (
        carries(&app.config.tokens),
        carries(&app.config.pictory_keys),
    );
    if !(token || key) {
        return;
    }
    if path.starts_with("/pictoryapis/") {
        if token {
            app.count(|c| c.token_at_pictory += 1);
        }
    } else if path.starts_with("/pictory") {
        if key {
            app.count(|c| c.key_at_lowcodeapi += 1);
        }
    } else {
        app.count(|c| c.secret_at_files += 1);
    }
}
