//! The subscription's quota, before spending it: [`Client::quota`] reads
//! it (`GET /v1/quota`, Pictory only), [`QuotaEstimate`] says what a batch
//! of videos is expected to need, and [`Client::check_quota`] stops a batch
//! that clearly does not fit, before anything is created.
//!
//! The estimate errs low on purpose, so that only a batch that clearly
//! exceeds what remains is stopped: each video is counted at its narrated
//! words read at [`QuotaEstimate::WORDS_PER_MINUTE`] (180, a fast
//! narrator; Pictory's voices read slower and scenes add pauses, so real
//! videos run longer). A scene made from an article URL counts as nothing,
//! its length being unknown before the preview.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::raw::types::{Quota, QuotaUsage};
use crate::storyboard::StoryboardRequest;

/// What a batch of videos is expected to use of the video minutes.
///
/// The estimate errs low on purpose, so that only a batch that clearly
/// exceeds what remains is stopped: each video is counted at its narrated
/// words read at [`QuotaEstimate::WORDS_PER_MINUTE`] (180, a fast
/// narrator; Pictory's voices read slower and scenes add pauses, so real
/// videos run longer). A scene made from an article URL counts as nothing,
/// its length being unknown before the preview.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuotaEstimate {
    video_minutes: f64,
    items: usize,
}

impl QuotaEstimate {
    /// The narration speed the estimate assumes, in words per minute.
    pub const WORDS_PER_MINUTE: f64 = 180.0;

    /// The estimate for videos of these narrated texts (one per video).
    pub fn for_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> QuotaEstimate {
        let mut estimate = QuotaEstimate::default();
        for text in texts {
            estimate.add_words(words(text));
        }
        estimate
    }

    /// The estimate for these storyboards (one video each): the words of
    /// every scene's text.
    pub fn for_requests<'a>(
        requests: impl IntoIterator<Item = &'a StoryboardRequest>,
    ) -> QuotaEstimate {
        let mut estimate = QuotaEstimate::default();
        for request in requests {
            estimate.add(request);
        }
        estimate
    }

    /// Adds one more storyboard to the estimate (for a batch read one
    /// item at a time).
    pub fn add(&mut self, request: &StoryboardRequest) {
        let value = serde_json::to_value(request).unwrap_or_default();
        let count = value["scenes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["text"].as_str())
            .map(words)
            .sum();
        self.add_words(count);
    }

    fn add_words(&mut self, words: usize) {
        self.items += 1;
        self.video_minutes += words as f64 / Self::WORDS_PER_MINUTE;
    }

    /// The video minutes the batch needs at least.
    pub fn video_minutes(&self) -> f64 {
        self.video_minutes
    }

    /// The videos counted.
    pub fn items(&self) -> usize {
        self.items
    }
}

/// The words of a text (SSML and `<strong>` marks stripped).
fn words(text: &str) -> usize {
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                plain.push(' ');
            }
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain.split_whitespace().count()
}

/// What remains of one quota (`limit - used`, never below 0); `None` when
/// Pictory did not say.
pub(crate) fn remaining(usage: Option<&QuotaUsage>) -> Option<f64> {
    let usage = usage?;
    Some((usage.limit? - usage.used?).max(0.0))
}

impl Client {
    /// The subscription's quota now: each of video minutes, transcription
    /// minutes, ElevenLabs voice-over minutes and AI credits, used and
    /// limit, in the current billing term (`GET /v1/quota`; served by
    /// Pictory only: needs `PICTORY_API_KEY`).
    ///
    /// ```no_run
    /// # async fn demo(client: pictory::Client) -> pictory::Result<()> {
    /// let quota = client.quota().await?;
    /// println!("{:?} video minutes left", quota.remaining_video_minutes());
    /// # Ok(()) }
    /// ```
    pub async fn quota(&self) -> Result<Quota> {
        Ok(self.api().get_quota().send().await?.into_value())
    }

    /// Reads the quota and refuses a batch that clearly exceeds it:
    /// [`Error::QuotaExceeded`] when `estimate` needs more video minutes
    /// than remain (or none remain and the batch has items). Nothing is
    /// created either way; a quota that does not say what remains passes.
    pub async fn check_quota(&self, estimate: &QuotaEstimate) -> Result<Quota> {
        let quota = self.quota().await?;
        if let Some(left) = quota.remaining_video_minutes() {
            let needed = estimate.video_minutes();
            if estimate.items() > 0 && (needed > left || left <= 0.0) {
                return Err(Error::QuotaExceeded {
                    what: "video minutes",
                    needed,
                    remaining: left,
                    items: estimate.items(),
                });
            }
        }
        Ok(quota)
    }
}

impl Quota {
    /// Video minutes left in the billing term (`limit - used`, at least 0).
    pub fn remaining_video_minutes(&self) -> Option<f64> {
        remaining(self.video_minutes.as_ref())
    }

    /// AI credits left in the billing term (`limit - used`, at least 0).
    pub fn remaining_ai_credits(&self) -> Option<f64> {
        remaining(self.ai_credits.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storyboard::Scene;

    #[test]
    fn the_estimate_counts_narrated_words() {
        assert_eq!(words("Hello <strong>big</strong> world."), 3);
        let e = QuotaEstimate::for_texts(["one two three"; 60]);
        assert_eq!(e.items(), 60);
        assert!((e.video_minutes() - 1.0).abs() < 1e-9);
        let r = StoryboardRequest::new("v")
            .scene(Scene::text(vec!["word"; 90].join(" ")))
            .scene(Scene::text(vec!["word"; 90].join(" ")));
        let e = QuotaEstimate::for_requests([&r]);
        assert_eq!(e.items(), 1);
        assert!((e.video_minutes() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn what_remains() {
        let usage = |used, limit| QuotaUsage {
            used: Some(used),
            limit: Some(limit),
        };
        assert_eq!(remaining(Some(&usage(98.0, 14400.0))), Some(14302.0));
        assert_eq!(remaining(Some(&usage(20.0, 10.0))), Some(0.0));
        assert_eq!(remaining(None), None);
    }
}
