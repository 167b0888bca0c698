//! Conveniences on generated response types. The types are generated from
//! the spec (`pictory::raw::types`); these methods only read them, with the
//! crate's one reading of each rule (job ids: [`crate::jobs::find_job_id`]).

use crate::error::Result;
use crate::jobs::JobId;
use crate::raw::types;

impl types::JobStarted {
    /// The new job's id, wherever Pictory put it (`jobId`, `job_id`,
    /// `data.jobId` or `data.job_id`), checked as a safe path value;
    /// `Ok(None)` when the answer carries none.
    ///
    /// ```no_run
    /// use pictory::Client;
    /// # async fn demo(client: Client) -> pictory::Result<()> {
    /// let started = client
    ///     .api()
    ///     .create_transcription()
    ///     .body_map(|b| b.file_url(Some("https://example.com/talk.mp4".into())))
    ///     .send()
    ///     .await?;
    /// if let Some(id) = started.value().job_id()? {
    ///     println!("transcription job {id}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn job_id(&self) -> Result<Option<JobId>> {
        crate::jobs::find_job_id(&serde_json::to_value(self).unwrap_or_default())
    }
}

impl types::Job {
    /// The job's id, wherever the body put it, checked as a safe path
    /// value; `Ok(None)` when the body carries none (finished
    /// transcriptions may not).
    pub fn job_id(&self) -> Result<Option<JobId>> {
        crate::jobs::find_job_id(&serde_json::to_value(self).unwrap_or_default())
    }
}

impl types::UploadUrl {
    /// The signed URL to `PUT` the bytes to (valid for 24 hours).
    pub fn signed_url(&self) -> Option<&str> {
        self.data.as_ref()?.signed_url.as_deref()
    }

    /// The hosted URL to use as `fileUrl` once the bytes are uploaded.
    pub fn url(&self) -> Option<&str> {
        self.data.as_ref()?.url.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixture;

    #[test]
    fn job_ids_from_every_documented_start() {
        for (file, id) in [
            ("starts/job-started-top-level-jobId.json", true),
            ("starts/job-started-data-jobId.json", true),
            ("starts/job-started-data-job_id.json", true),
        ] {
            let started: types::JobStarted = serde_json::from_value(fixture(file)).unwrap();
            assert_eq!(started.job_id().unwrap().is_some(), id, "{file}");
        }
        let job: types::Job =
            serde_json::from_value(fixture("jobs/transcription-completed-no-job-id.json")).unwrap();
        assert_eq!(job.job_id().unwrap(), None);
        let job: types::Job = serde_json::from_value(fixture("jobs/failed.json")).unwrap();
        assert_eq!(
            job.job_id().unwrap().map(|j| j.to_string()).as_deref(),
            Some("a1d36612-326d-4b81-aece-411f8aed4c70")
        );
        let url: types::UploadUrl =
            serde_json::from_value(fixture("media/generateurl-response.json")).unwrap();
        assert!(url.signed_url().is_some() && url.url().is_some());
    }
}
