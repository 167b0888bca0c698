//! Pictory's asynchronous jobs: job ids, typed job bodies and outputs,
//! `renderParams`, polling policies, the poller and webhook parsing.
//! Simulated timelines to compare policies are in the `pictory-sim` crate
//! (`pictory_sim::polling`).

mod fields;
mod id;
mod model;
mod output;
mod policy;
mod poller;
mod render_params;
mod transcript;

pub use id::JobId;
pub use model::{Job, JobState, find_job_id, parse_job, parse_webhook};
pub use output::{JobOutput, PreviewOutput, RenderOutput};
pub use policy::{
    AdaptiveBackoff, ExponentialBackoff, FixedInterval, PollContext, PollingBackoff,
    PollingErrorPolicy, ProgressSample,
};
pub use poller::JobHandle;
#[cfg(feature = "webhooks")]
pub(crate) use poller::WaitClock;
pub(crate) use poller::read_job;
pub use render_params::{RenderParams, RenderParamsLayout, TextLine};
pub use transcript::{
    HighlightRange, MediaInfo, PauseSize, Sentence, SummaryOutput, TranscriptionOutput, Word,
};
