//! Pictory's asynchronous jobs: typed job bodies, polling policies, the
//! poller, webhook parsing, and simulated timelines to compare policies.

mod model;
mod policy;
mod poller;
mod timeline;

pub use model::{
    Highlight, Job, JobId, JobOutput, JobState, PreviewOutput, RenderOutput, SummaryOutput,
    TranscriptionOutput, classify_output, find_job_id, parse_job, parse_webhook,
};
pub use policy::{
    AdaptiveBackoff, ExponentialBackoff, FixedInterval, PollContext, PollingBackoff,
    PollingErrorPolicy, ProgressSample,
};
pub use poller::{JobHandle, PollTracker};
pub use timeline::{JobTimeline, PolicyFigures, comparison_policies, measure};
