//! The low-level client, generated at build time by progenitor from
//! `spec/pictory.normalized.json` (see `build.rs`). Never edited, never
//! committed: change the overlay or the normalizer in `xtask/` instead.
//!
//! Every request made through it goes through the hand-written
//! [`ClientHooks`](progenitor_client::ClientHooks) implementation in the
//! transport layer, so the token, the URL-format fallback and retries apply.
//! Most callers want [`crate::Client`] and [`crate::Call::call`] rather than
//! `send()` on these builders, which returns progenitor's own error type.
//! Beware: progenitor's errors (and `reqwest::Response`'s `Debug`) can print
//! the request URL, and the URL carries the token as `api_token`; `call()`
//! converts them into [`crate::Error`], which never does.
#![allow(missing_docs, clippy::all, unused_imports, rustdoc::all)]

include!(concat!(env!("OUT_DIR"), "/raw_client.rs"));
