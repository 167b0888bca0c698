//! The 429 state one client shares between all its requests (see
//! [`RateLimitPolicy`]): a pause every new request waits out, a pace that
//! spaces requests out once a 429 was seen (so a pause ends without a
//! burst), and an in-flight limit that shrinks on each new 429 and grows
//! back on other answers (additive increase, multiplicative decrease).
//!
//! Before any 429, a start-up ramp: at most
//! [`RateLimitPolicy::initial_in_flight`] requests in flight, doubling
//! every 100 ms while requests wait for room, so a thousand flows started
//! at once do not all meet an unknown limit together. Until a 429 a
//! request under the ramp's limit costs a few atomic operations; the lock
//! is taken only by requests that wait, and by every request after a 429.

use crate::retry::RateLimitPolicy;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Above this the in-flight limit is lifted.
const MAX_WINDOW: f64 = 4096.0;
/// The start-up ramp doubles the in-flight limit at most this often
/// (while requests wait for room).
const RAMP_STEP: Duration = Duration::from_millis(100);
/// Above this (requests per second) the pace is lifted.
const MAX_RATE: f64 = 100_000.0;
/// The slowest pace: one request per 10 s.
const MIN_RATE: f64 = 0.1;

/// The shared gate of one client.
#[derive(Debug)]
pub(crate) struct Throttle {
    policy: RateLimitPolicy,
    /// Set at the first 429: from then on every request takes the lock.
    gated: AtomicBool,
    /// The start-up ramp's in-flight limit (`usize::MAX` when none).
    ramp_limit: AtomicUsize,
    in_flight: AtomicUsize,
    /// Requests inside the slow path (a drop wakes one of them).
    waiters: AtomicUsize,
    state: Mutex<State>,
    /// Wakes a request waiting for room under the in-flight limit.
    room: Notify,
    /// Answers (not 429) per second, for the first pace: the second
    /// (since `born`) being counted, its count, and the one before.
    born: Instant,
    bucket_sec: AtomicU64,
    bucket: AtomicU32,
    previous_bucket: AtomicU32,
}

#[derive(Debug)]
struct State {
    /// No request starts before this.
    pause_until: Option<Instant>,
    /// During the start-up ramp: when the in-flight limit last doubled.
    ramp_at: Option<Instant>,
    /// The in-flight limit; `None` = unlimited.
    window: Option<f64>,
    /// The pace in requests per second; `None` = unpaced.
    rate: Option<f64>,
    /// The earliest start of the next paced request.
    next_slot: Instant,
    /// When the last cut was made: 429s of requests sent before it echo
    /// what was already acted on.
    last_cut: Option<Instant>,
    /// Counts the 429s acted on: a request paced before the latest one
    /// queues again (the pause and the new pace apply to it too).
    epoch: u64,
}

/// A request's place at the gate; dropping it frees its in-flight slot.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    throttle: &'a Throttle,
    /// When the request was let through.
    pub(crate) sent_at: Instant,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.throttle.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.throttle.wake_one();
    }
}

/// Counts a task in the slow path while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

enum Wait {
    /// Paused until then.
    Until(Instant),
    /// No room under the in-flight limit (until a free slot, or the
    /// next step of the start-up ramp).
    Room(Option<Instant>),
    /// Let through, to start at this paced slot (given in this epoch).
    Go(Instant, u64),
}

impl Throttle {
    pub(crate) fn new(policy: RateLimitPolicy) -> Throttle {
        let now = Instant::now();
        let ramp = policy.shared && policy.initial_in_flight > 0;
        let window = ramp.then_some(policy.initial_in_flight as f64);
        Throttle {
            gated: AtomicBool::new(false),
            ramp_limit: AtomicUsize::new(if ramp {
                policy.initial_in_flight
            } else {
                usize::MAX
            }),
            in_flight: AtomicUsize::new(0),
            waiters: AtomicUsize::new(0),
            state: Mutex::new(State {
                pause_until: None,
                ramp_at: ramp.then_some(now),
                window,
                rate: None,
                next_slot: now,
                last_cut: None,
                epoch: 0,
            }),
            room: Notify::new(),
            born: now,
            bucket_sec: AtomicU64::new(0),
            bucket: AtomicU32::new(0),
            previous_bucket: AtomicU32::new(0),
            policy,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake_one(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.room.notify_one();
        }
    }

    /// Waits until a new request may start: past any pause, under the
    /// in-flight limit, at its paced slot.
    #[cfg(test)]
    pub(crate) async fn acquire(&self) -> Permit<'_> {
        match self.try_acquire() {
            Some(permit) => permit,
            None => self.acquire_slow().await,
        }
    }

    /// A permit at once, when no 429 was seen and the start-up ramp has
    /// room; otherwise [`acquire_slow`](Self::acquire_slow) must wait.
    pub(crate) fn try_acquire(&self) -> Option<Permit<'_>> {
        if self.gated.load(Ordering::Acquire) {
            return None;
        }
        let limit = self.ramp_limit.load(Ordering::Acquire);
        if self.in_flight.fetch_add(1, Ordering::SeqCst) < limit {
            return Some(Permit {
                throttle: self,
                sent_at: Instant::now(),
            });
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        None
    }

    /// Waits for a permit: past any pause, under the in-flight limit, at
    /// its paced slot.
    pub(crate) async fn acquire_slow(&self) -> Permit<'_> {
        // Counted before the in-flight count is read below, so a permit
        // dropped meanwhile sees this task and wakes it.
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiters);
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                match s.pause_until {
                    Some(until) if until > now => Wait::Until(until),
                    _ => {
                        let in_flight = self.in_flight.load(Ordering::SeqCst);
                        let full = s
                            .window
                            .is_some_and(|w| in_flight as f64 >= w.floor().max(1.0));
                        let step = s.ramp_at.map(|at| at + RAMP_STEP);
                        if full && step.is_some_and(|step| now >= step) {
                            self.ramp_up(&mut s, now);
                            continue;
                        }
                        if full {
                            // Registered before the lock is released: no
                            // wake-up is lost.
                            room.as_mut().enable();
                            Wait::Room(step)
                        } else {
                            let slot = s.next_slot.max(now);
                            if let Some(rate) = s.rate {
                                s.next_slot = slot + gap(rate);
                            }
                            self.in_flight.fetch_add(1, Ordering::SeqCst);
                            Wait::Go(slot, s.epoch)
                        }
                    }
                }
            };
            match wait {
                Wait::Until(at) => tokio::time::sleep_until(at).await,
                Wait::Room(None) => room.await,
                Wait::Room(Some(step)) => {
                    let _ = tokio::time::timeout_at(step, room).await;
                }
                Wait::Go(slot, epoch) => {
                    // The slot counted above is held by this permit from
                    // now on, so a request dropped while it waits for its
                    // paced turn (a caller's timeout, the call's deadline)
                    // gives the slot back.
                    let mut permit = Permit {
                        throttle: self,
                        sent_at: Instant::now(),
                    };
                    // Room may be left for another waiter.
                    self.room.notify_one();
                    if slot > Instant::now() {
                        tokio::time::sleep_until(slot).await;
                        if self.lock().epoch != epoch {
                            // A 429 came while this one waited for its
                            // slot: give it back (and wake a waiter), queue
                            // again.
                            drop(permit);
                            continue;
                        }
                    }
                    permit.sent_at = Instant::now();
                    return permit;
                }
            }
        }
    }

    /// Takes in what the answer to a request let through at `sent_at`
    /// said: a 429 (with its `Retry-After`) or any other status.
    /// `max_pause`: the longest wait the client takes by itself; a longer
    /// `Retry-After` pauses nobody (the request that met it is returned
    /// as an error at once, and so is every other that meets it).
    pub(crate) fn on_answer(
        &self,
        sent_at: Instant,
        status: u16,
        retry_after: Option<Duration>,
        max_pause: Duration,
    ) {
        if !self.policy.shared {
            return;
        }
        if status == 429 {
            let pause = retry_after.unwrap_or(self.policy.default_pause);
            self.on_429(sent_at, (pause <= max_pause).then_some(pause));
        } else {
            self.on_other();
        }
    }

    /// A 429: the in-flight limit is cut; with a pause to take (not zero,
    /// not beyond what the client waits by itself), everyone pauses and
    /// the pace is cut (or set, at the first one), its slots given afresh.
    /// `Retry-After: 0` asks for no pause: there is nothing to stagger.
    fn on_429(&self, sent_at: Instant, pause: Option<Duration>) {
        let now = Instant::now();
        let pause = pause.filter(|p| !p.is_zero());
        let mut s = self.lock();
        s.ramp_at = None;
        if let Some(pause) = pause {
            let until = now
                .checked_add(pause)
                .unwrap_or(now + Duration::from_secs(86_400));
            s.pause_until = Some(s.pause_until.map_or(until, |u| u.max(until)));
        }
        let echo = s.last_cut.is_some_and(|cut| sent_at <= cut);
        let decrease = clamp(self.policy.decrease, 0.1, 0.95, 0.85);
        if !echo {
            let in_flight = self.in_flight.load(Ordering::SeqCst) as f64;
            let window = s.window.unwrap_or(in_flight).min(in_flight.max(1.0));
            s.window = Some((window * decrease).max(1.0));
            s.last_cut = Some(now);
        }
        if !echo && pause.is_some() {
            let rate = match s.rate {
                Some(rate) => rate * decrease,
                // The first paced 429: the answers of the last second are
                // what the server let through; pace a little below that.
                None => (f64::from(self.answers_per_second()) * decrease).max(1.0),
            };
            s.rate = Some(rate.clamp(MIN_RATE, MAX_RATE));
            s.epoch += 1;
            // The pause ends with the paced slots, given afresh: the first
            // at a random point of the first gap, then one gap apart.
            let first = gap(s.rate.unwrap_or(MAX_RATE)).mul_f64(fastrand::f64());
            s.next_slot = s.pause_until.unwrap_or(now) + first;
        } else if let Some(until) = s.pause_until {
            s.next_slot = s.next_slot.max(until);
        }
        drop(s);
        self.gated.store(true, Ordering::SeqCst);
        self.ramp_limit.store(usize::MAX, Ordering::SeqCst);
    }

    /// Counts an answer in its one-second bucket (races only blur the
    /// estimate).
    fn count_answer(&self) {
        let sec = self.born.elapsed().as_secs();
        let current = self.bucket_sec.load(Ordering::Relaxed);
        if sec != current
            && self
                .bucket_sec
                .compare_exchange(current, sec, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let last = self.bucket.swap(0, Ordering::Relaxed);
            let previous = if sec == current + 1 { last } else { 0 };
            self.previous_bucket.store(previous, Ordering::Relaxed);
        }
        self.bucket.fetch_add(1, Ordering::Relaxed);
    }

    /// Answers (not 429) in the current or the last whole second, whichever is more.
    fn answers_per_second(&self) -> u32 {
        let sec = self.born.elapsed().as_secs();
        let current = self.bucket_sec.load(Ordering::Relaxed);
        if sec > current + 1 {
            return 0;
        }
        let bucket = self.bucket.load(Ordering::Relaxed);
        if sec == current {
            bucket.max(self.previous_bucket.load(Ordering::Relaxed))
        } else {
            bucket
        }
    }

    fn on_other(&self) {
        self.count_answer();
        if !self.gated.load(Ordering::Acquire) {
            return;
        }
        let mut s = self.lock();
        let recovery = clamp(self.policy.recovery, 0.001, 1.0, 0.03);
        if let Some(w) = s.window {
            let grown = w + 1.0 / w;
            s.window = (grown < MAX_WINDOW).then_some(grown);
        }
        if let Some(r) = s.rate {
            // At `r` answers per second: `recovery × max(r, 10)` per second.
            let grown = r + recovery * (10.0 / r).max(1.0);
            s.rate = (grown < MAX_RATE).then_some(grown);
        }
        drop(s);
        self.wake_one();
    }

    /// One step of the start-up ramp: the in-flight limit doubles, and is
    /// lifted once past [`MAX_WINDOW`].
    fn ramp_up(&self, s: &mut State, now: Instant) {
        let doubled = s.window.map_or(MAX_WINDOW, |w| w * 2.0);
        if doubled >= MAX_WINDOW {
            s.window = None;
            s.ramp_at = None;
            self.ramp_limit.store(usize::MAX, Ordering::SeqCst);
        } else {
            s.window = Some(doubled);
            s.ramp_at = Some(now);
            self.ramp_limit.store(doubled as usize, Ordering::SeqCst);
        }
        self.room.notify_one();
    }

    /// The in-flight limit and pace now (tests).
    #[cfg(test)]
    fn limits(&self) -> (Option<f64>, Option<f64>) {
        let s = self.lock();
        (s.window, s.rate)
    }
}

/// The time between two paced requests.
fn gap(rate: f64) -> Duration {
    Duration::from_secs_f64(1.0 / rate.clamp(MIN_RATE, MAX_RATE))
}

/// `x` clamped to `[lo, hi]`; NaN gives `fallback`.
fn clamp(x: f64, lo: f64, hi: f64, fallback: f64) -> f64 {
    if x.is_nan() {
        fallback
    } else {
        x.clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    impl Throttle {
        /// `on_answer` with the default 60 s longest pause.
        fn on_answer_(&self, sent_at: Instant, status: u16, retry_after: Option<Duration>) {
            self.on_answer(sent_at, status, retry_after, Duration::from_secs(60));
        }
    }

    /// 20 requests find the gate closed by a 429 with `Retry-After: 5`:
    /// none starts before 5 s, and they start one by one, not together.
    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_everyone_and_the_pause_ends_staggered() {
        let t = Arc::new(Throttle::new(RateLimitPolicy::default()));
        let t0 = Instant::now();
        // 10 answers in the last second: the first pace is below 10/s.
        for _ in 0..10 {
            t.on_answer_(t0, 200, None);
        }
        let first = t.acquire().await;
        t.on_answer_(first.sent_at, 429, Some(Duration::from_secs(5)));
        drop(first);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                let p = t.acquire().await;
                let at = p.sent_at;
                t.on_answer_(at, 200, None);
                at
            }));
        }
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.unwrap() - t0);
        }
        starts.sort();
        assert!(starts[0] >= Duration::from_secs(5), "{starts:?}");
        for pair in starts.windows(2) {
            assert!(
                pair[1] > pair[0],
                "two requests released together: {starts:?}"
            );
        }
        // Paced at about 8.5/s: 20 requests take over 2 s, not an instant.
        assert!(
            starts[19] - starts[0] > Duration::from_secs(2),
            "{starts:?}"
        );
    }

    /// A gate that let 20 requests through, heard 100 answers, then a 429
    /// with `Retry-After: 1`: paused until 1 s, then paced (at 85/s).
    async fn paused_for_a_second_then_paced() -> (Arc<Throttle>, Instant) {
        let t = Arc::new(Throttle::new(RateLimitPolicy::default()));
        let t0 = Instant::now();
        let held: Vec<Permit<'_>> =
            futures_util::future::join_all((0..20).map(|_| t.acquire())).await;
        for _ in 0..100 {
            t.on_answer_(t0, 200, None);
        }
        t.on_answer_(t0, 429, Some(Duration::from_secs(1)));
        drop(held);
        (t, t0)
    }

    /// A request already given a paced slot when a new 429 comes waits
    /// out the new pause too.
    #[tokio::test(start_paused = true)]
    async fn a_new_429_holds_back_requests_waiting_for_their_slot() {
        let (t, t0) = paused_for_a_second_then_paced().await;
        let mut tasks = Vec::new();
        for _ in 0..15 {
            let t = t.clone();
            tasks.push(tokio::spawn(async move { t.acquire().await.sent_at - t0 }));
        }
        tokio::time::sleep(Duration::from_millis(1050)).await;
        t.on_answer_(Instant::now(), 429, Some(Duration::from_secs(2)));
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        let (early, late): (Vec<Duration>, Vec<Duration>) = starts
            .into_iter()
            .partition(|d| *d <= Duration::from_millis(1050));
        assert!(!early.is_empty() && !late.is_empty(), "{early:?} {late:?}");
        assert!(
            early.iter().all(|d| *d >= Duration::from_secs(1)),
            "{early:?}"
        );
        assert!(
            late.iter().all(|d| *d >= Duration::from_millis(3050)),
            "{early:?} {late:?}"
        );
    }

    /// A request dropped while it waits for its paced turn (a caller's
    /// timeout, the call's deadline) gives its slot back: nothing stays
    /// counted in flight, and the client does not stall.
    #[tokio::test(start_paused = true)]
    async fn a_request_dropped_while_it_waits_for_its_turn_gives_the_slot_back() {
        let (t, _) = paused_for_a_second_then_paced().await;
        assert_eq!(t.in_flight.load(Ordering::SeqCst), 0);
        let mut tasks = Vec::new();
        for _ in 0..15 {
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                // Given up at 1.03 s: some have their paced slot counted and
                // are sleeping until it.
                let _ = tokio::time::timeout(Duration::from_millis(1030), t.acquire()).await;
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(t.in_flight.load(Ordering::SeqCst), 0, "a slot leaked");
        let late = tokio::time::timeout(Duration::from_secs(5), t.acquire()).await;
        assert!(late.is_ok(), "the client stalled");
    }

    /// `Retry-After: 0` asks for no pause: only the in-flight limit is cut.
    /// A `Retry-After` beyond what the client waits by itself pauses nobody.
    #[tokio::test(start_paused = true)]
    async fn zero_or_too_long_retry_after_pauses_nobody() {
        let t = Throttle::new(RateLimitPolicy::default());
        let t0 = Instant::now();
        let p = t.acquire().await;
        t.on_answer_(p.sent_at, 429, Some(Duration::ZERO));
        drop(p);
        assert_eq!(t.limits(), (Some(1.0), None));
        assert_eq!(t.acquire().await.sent_at, t0);
        tokio::time::advance(Duration::from_millis(10)).await;
        let p = t.acquire().await;
        t.on_answer(
            p.sent_at,
            429,
            Some(Duration::from_secs(3600)),
            Duration::from_secs(60),
        );
        drop(p);
        let next = t.acquire().await;
        assert!(
            next.sent_at - t0 < Duration::from_secs(1),
            "{:?}",
            next.sent_at - t0
        );
    }

    /// Before any 429, a burst starts with `initial_in_flight` requests
    /// and the limit doubles every step while more wait.
    #[tokio::test(start_paused = true)]
    async fn a_burst_ramps_up_from_the_initial_in_flight_limit() {
        let t = Arc::new(Throttle::new(RateLimitPolicy::default()));
        let t0 = Instant::now();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let (t, tx) = (t.clone(), tx.clone());
            tasks.push(tokio::spawn(async move {
                let p = t.acquire().await;
                let _ = tx.send(p.sent_at - t0);
                std::future::pending::<()>().await;
            }));
        }
        drop(tx);
        let mut starts = Vec::new();
        while starts.len() < 100 {
            starts.push(rx.recv().await.unwrap());
        }
        let by = |ms: u64| {
            starts
                .iter()
                .filter(|d| **d <= Duration::from_millis(ms))
                .count()
        };
        assert_eq!(by(0), 32, "{starts:?}");
        assert_eq!(by(100), 64, "{starts:?}");
        assert_eq!(by(200), 100, "{starts:?}");
        for task in tasks {
            task.abort();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn without_retry_after_the_default_pause_applies() {
        let policy = RateLimitPolicy::default().default_pause(Duration::from_secs(3));
        let t = Throttle::new(policy);
        let t0 = Instant::now();
        let p = t.acquire().await;
        t.on_answer_(p.sent_at, 429, None);
        drop(p);
        let next = t.acquire().await;
        assert!(next.sent_at - t0 >= Duration::from_secs(3));
    }

    /// The in-flight limit and the pace shrink while new 429s keep coming
    /// and grow back once answers are not 429.
    #[tokio::test(start_paused = true)]
    async fn limits_shrink_under_429s_and_grow_back() {
        let t = Throttle::new(RateLimitPolicy::default());
        let held: Vec<Permit<'_>> =
            futures_util::future::join_all((0..16).map(|_| t.acquire())).await;
        for _ in 0..100 {
            t.on_answer_(Instant::now(), 200, None);
        }
        t.on_answer_(held[0].sent_at, 429, Some(Duration::from_secs(1)));
        let (w1, r1) = t.limits();
        let (w1, r1) = (w1.unwrap(), r1.unwrap());
        assert!(w1 < 16.0, "{w1}");
        // Echoes of requests sent before the cut do not cut again.
        t.on_answer_(held[1].sent_at, 429, Some(Duration::from_secs(1)));
        assert_eq!(t.limits(), (Some(w1), Some(r1)));
        drop(held);
        let mut last = (w1, r1);
        for _ in 0..3 {
            tokio::time::advance(Duration::from_millis(10)).await;
            let p = t.acquire().await;
            t.on_answer_(p.sent_at, 429, Some(Duration::from_secs(1)));
            let (w, r) = t.limits();
            let (w, r) = (w.unwrap(), r.unwrap());
            assert!(w <= last.0 && r < last.1, "{w} {r} after {last:?}");
            last = (w, r);
        }
        for _ in 0..500 {
            let p = t.acquire().await;
            t.on_answer_(p.sent_at, 200, None);
        }
        let (w, r) = t.limits();
        assert!(w.is_none_or(|w| w > last.0 + 5.0), "{w:?}");
        assert!(r.is_none_or(|r| r > last.1 * 1.2), "{r:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn per_request_policy_shares_nothing() {
        let t = Throttle::new(RateLimitPolicy::per_request());
        let t0 = Instant::now();
        let p = t.acquire().await;
        t.on_answer_(p.sent_at, 429, Some(Duration::from_secs(30)));
        drop(p);
        let next = t.acquire().await;
        assert_eq!(next.sent_at, t0);
    }

    /// Under the in-flight limit, a request waits for a slot to free.
    #[tokio::test(start_paused = true)]
    async fn the_in_flight_limit_holds_requests_back() {
        let t = Arc::new(Throttle::new(RateLimitPolicy::default()));
        let first = t.acquire().await;
        t.on_answer_(first.sent_at, 429, Some(Duration::ZERO));
        // One in flight at the cut: the limit is 1; no pause, so no pace.
        assert_eq!(t.limits(), (Some(1.0), None));
        let t2 = t.clone();
        let waiting = tokio::spawn(async move { t2.acquire().await.sent_at });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!waiting.is_finished());
        drop(first);
        let started = waiting.await.unwrap();
        assert!(started >= Instant::now() - Duration::from_secs(1));
    }
}
