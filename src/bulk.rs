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
pub async fn run_bounded<I, F, Fut, T>(items: I, limit: usize, mut f: F) -> Vec<T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    // A new item starts as soon as any running one finishes (not only the
    // oldest); results are put back in the order of `items`.
    let mut results: Vec<(usize, T)> = futures_util::stream::iter(items.into_iter().enumerate())
        .map(|(i, item)| {
            let fut = f(item);
            async move { (i, fut.await) }
        })
        .buffer_unordered(limit.max(1))
        .collect()
        .await;
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::Instant;

    /// With limit 2 and durations 10, 1, 1, 1 s, items 3 and 4 start when
    /// item 2 and item 3 finish (1 s, 2 s), not when item 1 does (10 s).
    #[tokio::test(start_paused = true)]
    async fn a_new_item_starts_as_soon_as_any_finishes() {
        let t0 = Instant::now();
        let secs = [10u64, 1, 1, 1];
        let started = run_bounded(secs, 2, |s| async move {
            let start = t0.elapsed();
            tokio::time::sleep(Duration::from_secs(s)).await;
            (s, start.as_secs())
        })
        .await;
        assert_eq!(started, vec![(10, 0), (1, 0), (1, 1), (1, 2)]);
        assert_eq!(t0.elapsed(), Duration::from_secs(10));
    }
}
