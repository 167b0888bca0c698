//! Walking a list page by page: one [`Pages`] stream of items for every
//! list operation with a page key (jobs, projects, avatars, AI Studio
//! images and videos, Vimeo and AWS connections). Pictory spells the key
//! three ways — `nextPageKey` (sent back as `?nextPageKey=`), `pageKey`
//! (sent back as `?pagekey=`) and DynamoDB's `LastEvaluatedKey` beside
//! `Items` — and the spec says which one each list uses
//! (`x-pictory-pages`, from `spec/overlay.json`), so every list is walked
//! the same way.
//!
//! A walk is bounded: at most [`Pages::max_pages`] pages (100 by default)
//! within [`Pages::within`] (5 minutes by default, which also bounds every
//! request of the walk). When a bound stops a walk that has more pages, the
//! stream ends with [`Error::PagesLeft`] after the items read so far.
//!
//! ```no_run
//! use futures_util::TryStreamExt; // cargo add futures-util
//! # async fn demo(client: pictory::Client) -> pictory::Result<()> {
//! let avatars: Vec<_> = client.api().list_avatars().items().try_collect().await?;
//! for look in avatars.iter().flat_map(|a| &a.looks) {
//!     println!("{:?}", look.id); // an avatarId
//! }
//! # Ok(()) }
//! ```

use crate::api::Draft;
use crate::client::Client;
use crate::error::{Error, Result};
use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde_json::Value;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// How one list operation pages (generated from the spec).
#[derive(Debug)]
pub(crate) struct Paging {
    /// The query parameter that takes the next page's key.
    pub(crate) query: &'static str,
    /// The answer's fields that may hold the next page's key, in order.
    pub(crate) next: &'static [&'static str],
    /// The answer's field that holds the items.
    pub(crate) items: &'static str,
}

/// The default page limit of a walk.
const MAX_PAGES: usize = 100;
/// The default time limit of a walk.
const WITHIN: Duration = Duration::from_secs(300);

/// Every item of a list, page after page: a [`Stream`] of `Result<T>`,
/// from the typed builders (`client.api().list_jobs().items()`) or by
/// operation id ([`Client::pages`], items as JSON). Nothing is sent until
/// it is polled; a page's error ends the stream.
#[must_use = "a stream does nothing until polled"]
pub struct Pages<'a, T> {
    client: &'a Client,
    draft: Option<Draft>,
    paging: &'static Paging,
    max_pages: usize,
    within: Duration,
    stream: Option<BoxStream<'a, Result<T>>>,
}

impl<T> std::fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("paging", self.paging)
            .field("max_pages", &self.max_pages)
            .field("within", &self.within)
            .finish_non_exhaustive()
    }
}

impl<'a, T> Pages<'a, T>
where
    T: serde::de::DeserializeOwned + Send + 'a,
{
    /// A walk of `draft`'s list (an operation with paging).
    pub(crate) fn new(client: &'a Client, draft: Draft, paging: &'static Paging) -> Self {
        Pages {
            client,
            draft: Some(draft),
            paging,
            max_pages: MAX_PAGES,
            within: WITHIN,
            stream: None,
        }
    }

    /// Reads at most `n` pages (at least 1; default 100).
    pub fn max_pages(mut self, n: usize) -> Self {
        self.max_pages = n.max(1);
        self
    }

    /// Ends the walk after `time` (default 5 minutes), counted from the
    /// first poll; it bounds every request of the walk too. A walk whose
    /// time is up before its first page sends nothing
    /// ([`Error::Timeout`] with `sent: false`).
    pub fn within(mut self, time: Duration) -> Self {
        self.within = time;
        self
    }

    fn start(&mut self) -> BoxStream<'a, Result<T>> {
        let Some(draft) = self.draft.take() else {
            return futures_util::stream::empty().boxed();
        };
        let walk = Walk {
            client: self.client,
            draft,
            paging: self.paging,
            max_pages: self.max_pages,
            within: self.within,
            deadline: Instant::now().checked_add(self.within),
            key: None,
            pages: 0,
            done: false,
        };
        futures_util::stream::unfold(walk, |mut walk| async move {
            if walk.done {
                return None;
            }
            let items = walk.next_page::<T>().await;
            Some((futures_util::stream::iter(items), walk))
        })
        .flatten()
        .boxed()
    }
}

impl<'a, T> Stream for Pages<'a, T>
where
    T: serde::de::DeserializeOwned + Send + 'a,
{
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.stream.is_none() {
            this.stream = Some(this.start());
        }
        match &mut this.stream {
            Some(stream) => stream.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

/// Where a walk stands.
struct Walk<'a> {
    client: &'a Client,
    draft: Draft,
    paging: &'static Paging,
    max_pages: usize,
    within: Duration,
    deadline: Option<Instant>,
    /// The key of the next page (`None`: the first page).
    key: Option<String>,
    pages: usize,
    done: bool,
}

impl Walk<'_> {
    /// The items of the next page, or the error that ends the walk.
    async fn next_page<T: serde::de::DeserializeOwned>(&mut self) -> Vec<Result<T>> {
        let operation = self.draft.operation();
        let stop = |walk: &mut Self, reason: String| {
            walk.done = true;
            vec![Err(Error::PagesLeft {
                operation,
                pages: walk.pages,
                reason,
            })]
        };
        let late = self.deadline.is_some_and(|d| Instant::now() >= d);
        if self.pages == 0 && late {
            // Not even the first page fits in the walk's time: not sent.
            self.done = true;
            return vec![Err(Error::Timeout {
                operation,
                attempts: 0,
                sent: false,
            })];
        }
        if self.pages > 0 {
            if self.pages >= self.max_pages {
                let reason = format!("the page limit ({}) was reached", self.max_pages);
                return stop(self, reason);
            }
            if late {
                let reason = format!("the walk's time limit ({:?}) passed", self.within);
                return stop(self, reason);
            }
        }
        let mut draft = self.draft.clone();
        if let Some(key) = &self.key {
            draft.query(self.paging.query, key.clone());
        }
        let answer = match draft
            .send_until::<(), Value>(self.client, None, self.deadline)
            .await
        {
            Ok(answer) => answer,
            Err(e) => {
                self.done = true;
                return vec![Err(e)];
            }
        };
        self.pages += 1;
        let body = answer.body();
        let shape = |reason: String| Error::ResponseShape {
            operation,
            status: answer.status(),
            reason,
            raw: Box::new(answer.raw().clone()),
        };
        let items: Vec<Result<T>> = match body.get(self.paging.items) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    T::deserialize(item)
                        .map_err(|e| shape(format!("an item of {}: {e}", self.paging.items)))
                })
                .collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                self.done = true;
                return vec![Err(shape(format!("{} is not an array", self.paging.items)))];
            }
        };
        let next = next_key(body, self.paging.next);
        match next {
            None => self.done = true,
            Some(k) if self.key.as_deref() == Some(k.as_str()) => {
                let mut items = items;
                items.extend(stop(self, "the server sent the same page key twice".into()));
                return items;
            }
            Some(k) => self.key = Some(k),
        }
        items
    }
}

/// The next page's key in `body`: the first of `fields` holding a
/// non-empty string (or a non-empty object, sent back as its JSON text).
fn next_key(body: &Value, fields: &[&str]) -> Option<String> {
    fields.iter().find_map(|f| match body.get(*f)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Object(o) if !o.is_empty() => Some(Value::Object(o.clone()).to_string()),
        _ => None,
    })
}

impl Client {
    /// Every item of the list `operation_id` (an operation with a page key:
    /// `list_jobs`, `list_projects`, `list_avatars`, `list_ai_images`,
    /// `list_ai_videos`, `list_vimeo_connections`, `list_aws_connections`),
    /// page after page, as JSON; `params` as for
    /// [`call_operation`](Self::call_operation). An unknown operation, one
    /// without pages, or a bad parameter is [`Error::InvalidRequest`] and
    /// nothing is sent.
    pub fn pages(&self, operation_id: &str, params: &[(&str, &str)]) -> Result<Pages<'_, Value>> {
        let draft = crate::dynamic::draft(operation_id, params)?;
        let paging = paging(draft.operation()).ok_or_else(|| Error::InvalidRequest {
            operation: draft.operation(),
            message: format!(
                "{} has no pages (it is not a list with a page key)",
                draft.operation()
            ),
        })?;
        Ok(Pages::new(self, draft, paging))
    }
}

include!(concat!(env!("OUT_DIR"), "/paging.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_next_key_in_each_spelling() {
        let fields = &["nextPageKey", "LastEvaluatedKey"];
        assert_eq!(
            next_key(&json!({"nextPageKey": "abc"}), fields).as_deref(),
            Some("abc")
        );
        assert_eq!(next_key(&json!({"nextPageKey": null}), fields), None);
        assert_eq!(next_key(&json!({"nextPageKey": ""}), fields), None);
        assert_eq!(
            next_key(&json!({"LastEvaluatedKey": {"id": "x"}}), fields).as_deref(),
            Some(r#"{"id":"x"}"#)
        );
        assert_eq!(next_key(&json!({"LastEvaluatedKey": {}}), fields), None);
    }

    #[test]
    fn every_list_with_a_page_key_has_paging() {
        for id in [
            "list_jobs",
            "list_projects",
            "list_avatars",
            "list_ai_images",
            "list_ai_videos",
            "list_vimeo_connections",
            "list_aws_connections",
        ] {
            assert!(paging(id).is_some(), "{id}");
        }
        assert!(paging("list_templates").is_none());
        assert_eq!(paging("list_projects").unwrap().query, "pagekey");
    }
}
