//! The low-level client, generated at build time by progenitor from
//! `spec/pictory.normalized.json` (see `build.rs`). Never edited, never
//! committed: change the overlay or the normalizer in `xtask/` instead.
//!
//! Reach it with [`Client::raw`](crate::Client::raw). Every request made
//! through it goes through the hand-written
//! [`ClientHooks`](progenitor_client::ClientHooks) implementation
//! (`hooks.rs`) into the client's pipeline, so the credentials, the
//! URL-format fallback and retries apply; its `send()` returns progenitor's
//! own types. Most callers want [`Client::api`](crate::Client::api), whose
//! builders answer with [`crate::Error`]. Beware: progenitor's errors (and
//! `reqwest::Response`'s `Debug`) can print the request URL, which carries
//! the token as `api_token` when it goes to LowCodeAPI.
#![allow(missing_docs, clippy::all, unused_imports, rustdoc::all)]

include!(concat!(env!("OUT_DIR"), "/raw_client.rs"));
