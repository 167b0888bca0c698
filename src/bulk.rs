//! Many flows at once, with a concurrency limit; one failure does not abort
//! the others.

use std::future::Future;

use futures_util::StreamExt;

/// Runs `f` over `items`, at most `limit` at a time, and returns every
/// result in the order of `items`.
///
/// ```no_run
/// # async fn demo(client: pictory::Client) {
/// use pictory::storyboard::{Scene, StoryboardRequest};
/// let requests: Vec<StoryboardRequest> = (0..10)
///     .map(|i| StoryboardRequest::new(format!("video {i}")).scene(Scene::text("Hello")))
///     .collect();
/// let results = pictory::bulk::run_bounded(requests, 4, |r| {
///     let client = client.clone();
///     async move { client.text_to_video(&r).await }
/// })
/// .await;
/// println!("{} succeeded", results.iter().filter(|r| r.is_ok()).count());
/// # }
/// ```
pub async fn run_bounded<I, F, Fut, T>(items: I, limit: usize, f: F) -> Vec<T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    futures_util::stream::iter(items)
        .map(f)
        .buffered(limit.max(1))
        .collect()
        .await
}
