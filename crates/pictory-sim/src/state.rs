//! The simulator's shared state: configuration, compiled schemas, fault
//! RNG, counters and the resources Pictory would keep (jobs, templates,
//! brands, AWS connections, voice-over tracks, uploads).

use super::config::SimConfig;
use super::counters::Counters;
use super::faults::Faults;
use super::jobs::Job;
use super::schema::Schemas;
use axum::body::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::watch;

/// A file announced with `generate_upload_url`, and its bytes once `PUT`.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) content_type: String,
    pub(crate) signature: String,
    /// The hosted URL (`<origin>/media/<key>/<fileName>`).
    pub(crate) url: String,
    pub(crate) bytes: Option<Bytes>,
}

/// A stored resource: its id and its JSON.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) id: String,
    pub(crate) value: Value,
}

/// Resources kept in creation order, found by id.
#[derive(Debug, Default)]
pub(crate) struct Collection {
    pub(crate) items: Vec<Record>,
}

impl Collection {
    pub(crate) fn get(&self, id: &str) -> Option<&Value> {
        self.items.iter().find(|r| r.id == id).map(|r| &r.value)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.items
            .iter_mut()
            .find(|r| r.id == id)
            .map(|r| &mut r.value)
    }

    pub(crate) fn insert(&mut self, id: String, value: Value) {
        self.items.push(Record { id, value });
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Value> {
        let at = self.items.iter().position(|r| r.id == id)?;
        Some(self.items.remove(at).value)
    }

    pub(crate) fn values(&self) -> Vec<Value> {
        self.items.iter().map(|r| r.value.clone()).collect()
    }
}

/// Everything Pictory would store.
#[derive(Debug)]
pub(crate) struct Store {
    ids: fastrand::Rng,
    pub(crate) jobs: HashMap<String, Job>,
    pub(crate) templates: Collection,
    pub(crate) brands: Collection,
    pub(crate) aws_connections: Collection,
    pub(crate) voiceover_tracks: Collection,
    /// Saved projects (v2 storyboards with `saveProject`, and seeded ones).
    pub(crate) projects: Collection,
    pub(crate) vimeo_connections: Collection,
    /// By upload key.
    pub(crate) uploads: HashMap<String, Upload>,
    /// GETs of each job output file (`/videos/<file>`), for the
    /// `cut-first` download fault.
    pub(crate) file_gets: HashMap<String, u32>,
}

impl Store {
    fn new(seed: u64) -> Store {
        Store {
            // Separate from the fault RNG, so ids do not shift fault decisions.
            ids: fastrand::Rng::with_seed(seed ^ 0x05ee_d1d5_u64),
            jobs: HashMap::new(),
            templates: Collection::default(),
            brands: Collection::default(),
            aws_connections: Collection::default(),
            voiceover_tracks: Collection {
                items: super::resources::seeded_voices()
                    .into_iter()
                    .map(|(id, value)| Record { id, value })
                    .collect(),
            },
            projects: seeded_projects(),
            vimeo_connections: Collection::default(),
            uploads: HashMap::new(),
            file_gets: HashMap::new(),
        }
    }

    /// A fresh UUID-like id (version 4 layout), reproducible for a seed.
    pub(crate) fn new_id(&mut self) -> String {
        uuid_from(self.ids.u128(..))
    }

    /// A fresh positive number id (voice-over tracks), reproducible for a seed.
    pub(crate) fn new_number(&mut self) -> u64 {
        self.ids.u64(10_000..100_000_000)
    }

    /// A random hex token (upload signatures).
    pub(crate) fn token_hex(&mut self) -> String {
        format!("{:016x}", self.ids.u64(..))
    }
}

/// Twelve saved projects (two pages of projects), each with one scene to render.
fn seeded_projects() -> Collection {
    let mut projects = Collection::default();
    for i in 1..=12u32 {
        let id = format!("20251222191648030d7df02f5b4054d4ca8831f13694{i:05}");
        let render_params = serde_json::json!({
            "output": {"name": format!("Project {i}"), "width": 1920, "height": 1080, "format": "mp4"},
            "elements": [{"id": "SceneText_0001", "elementType": "SceneText", "type": "text",
                          "startTime": 0.0, "duration": 10.0, "text": format!("Project {i}")}],
            "sceneMarkers": [{"start": 0.0, "end": 10.0}],
            "subtitles": [],
        });
        projects.insert(
            id.clone(),
            crate::direct::project_body(
                &id,
                &format!("Project {i}"),
                &format!("https://example.invalid/projects/{i}.jpg"),
                "2025-12-23T01:54:26.658Z",
                serde_json::json!([{"sceneId": format!("scene-{i}"), "text": format!("Project {i}")}]),
                render_params,
            ),
        );
    }
    projects
}

/// `n` laid out as a UUID (version 4 layout).
pub(crate) fn uuid_from(n: u128) -> String {
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-4{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The state every handler shares.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) config: SimConfig,
    /// `http://127.0.0.1:PORT`.
    pub(crate) origin: String,
    pub(crate) schemas: Schemas,
    pub(crate) faults: Faults,
    pub(crate) limiter: super::ratelimit::Limiter,
    counters: Mutex<Counters>,
    store: Mutex<Store>,
    /// The last JSON body each operation received, by operation id.
    received: Mutex<HashMap<&'static str, Value>>,
    /// The last path and query each operation's requests were passed on
    /// to Pictory with, by operation id.
    forwarded: Mutex<HashMap<&'static str, String>>,
    /// Turns `true` (or closes) when the simulator shuts down.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Jobs with a webhook so far (for `WebhookFaults::lose_every`).
    pub(crate) webhook_seq: std::sync::atomic::AtomicU64,
    /// The client that posts webhooks (made on first use).
    pub(crate) webhook_client: std::sync::OnceLock<Option<reqwest::Client>>,
}

impl App {
    pub(crate) fn new(
        config: SimConfig,
        origin: String,
        schemas: Schemas,
        shutdown: watch::Receiver<bool>,
    ) -> App {
        let seed = config.faults.seed;
        App {
            faults: Faults::new(config.faults.clone()),
            limiter: super::ratelimit::Limiter::new(config.rate_limit),
            config,
            origin,
            schemas,
            counters: Mutex::new(Counters::default()),
            store: Mutex::new(Store::new(seed)),
            received: Mutex::new(HashMap::new()),
            forwarded: Mutex::new(HashMap::new()),
            shutdown,
            webhook_seq: Default::default(),
            webhook_client: Default::default(),
        }
    }

    /// Updates the counters (a short critical section).
    pub(crate) fn count(&self, f: impl FnOnce(&mut Counters)) {
        f(&mut self.counters.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// A copy of the counters.
    pub(crate) fn counters(&self) -> Counters {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Keeps `body` as the last JSON body `operation` received.
    pub(crate) fn keep_received(&self, operation: &'static str, body: &Value) {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(operation, body.clone());
    }

    /// Keeps `target` as the last path and query `operation` was passed
    /// on to Pictory with.
    pub(crate) fn keep_forwarded(&self, operation: &'static str, target: String) {
        self.forwarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(operation, target);
    }

    /// The last path and query `operation` was passed on to Pictory with.
    pub(crate) fn forwarded(&self, operation: &str) -> Option<String> {
        self.forwarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(operation)
            .cloned()
    }

    /// The last JSON body `operation` received.
    pub(crate) fn received(&self, operation: &str) -> Option<Value> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(operation)
            .cloned()
    }

    /// Locks the store; keep the guard briefly and never across an `.await`.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The base URL clients use: `<origin>/pictory`.
    pub(crate) fn base_url(&self) -> String {
        format!("{}/pictory", self.origin)
    }
}
