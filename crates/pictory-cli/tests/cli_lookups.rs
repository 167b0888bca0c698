//! The look-ups (`avatars`, `styles`, `layouts`, `brands --video`, `music`,
//! `media`, `quota`, `credits`, `jobs`, `projects`): tables by default,
//! JSON with `--json`, every page with `--all`, against the built-in
//! simulator and a simulator the test owns; refused before sending when
//! only LowCodeAPI's token is set (Pictory serves them, not LowCodeAPI).

use pictory_sim::{PAGE_SIZE, SimConfig, Simulator};
use serde_json::Value;
use std::process::Command;

mod common;

use common::{offline, run};

/// The binary pointed at `sim` with LowCodeAPI's token, and Pictory's key
/// when `with_key`.
fn online(sim: &Simulator, with_key: bool) -> Command {
    if with_key {
        common::with_key(sim)
    } else {
        common::pictory(sim)
    }
}

fn ok_json(c: &mut Command, args: &[&str]) -> Value {
    let out = run(c, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stderr}"))
}

fn ok_text(c: &mut Command, args: &[&str]) -> String {
    let out = run(c, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn look_ups_print_tables_by_default() {
    let quota = ok_text(&mut offline(), &["quota"]);
    let header = quota.lines().next().unwrap();
    for column in ["QUOTA", "USED", "LIMIT", "REMAINING"] {
        assert!(header.contains(column), "{quota}");
    }
    assert!(quota.contains("video minutes"), "{quota}");
    assert!(quota.contains("AI credits"), "{quota}");
    for (args, needle) in [
        (&["styles"][..], "STYLE ID"),
        (&["layouts"][..], "LAYOUT ID"),
        (&["brands", "--video"][..], "BRAND ID"),
        (&["avatars"][..], "AVATAR ID"),
        (&["music", "options"][..], "--MOOD"),
        (&["music", "search", "journey"][..], "AUDIO URL"),
        (&["media", "search", "business"][..], "ASSET ID"),
        (&["credits"][..], "AMOUNT"),
        (&["projects"][..], "PROJECT ID"),
    ] {
        let out = ok_text(&mut offline(), args);
        assert!(out.to_uppercase().contains(needle), "{args:?}: {out}");
        assert!(!out.trim_start().starts_with('{'), "{args:?}: {out}");
    }
}

#[test]
fn look_ups_print_json_with_json() {
    let quota = ok_json(&mut offline(), &["quota", "--json"]);
    assert!(quota["videoMinutes"]["limit"].is_number(), "{quota}");
    let styles = ok_json(&mut offline(), &["styles", "--json"]);
    assert!(styles.as_array().is_some_and(|s| !s.is_empty()), "{styles}");
    let brands = ok_json(&mut offline(), &["brands", "--video", "--json"]);
    assert!(brands[0]["id"].is_string(), "{brands}");
    let layouts = ok_json(&mut offline(), &["layouts", "--json"]);
    assert!(layouts[0]["templateId"].is_string(), "{layouts}");
    let music = ok_json(
        &mut offline(),
        &["music", "search", "--mood", "Calm / Serene", "--json"],
    );
    assert!(music.is_array(), "{music}");
    let media = ok_json(&mut offline(), &["media", "search", "city", "--json"]);
    assert!(media.is_array(), "{media}");
    let credits = ok_json(
        &mut offline(),
        &["credits", "--year", "2026", "--month", "5", "--json"],
    );
    assert!(credits.is_array(), "{credits}");
}

#[test]
fn all_walks_every_page_and_without_it_one_page_and_a_note() {
    // The simulator has 25 avatar people, PAGE_SIZE a page.
    let first = run(&mut offline(), &["avatars", "--json"]);
    assert!(first.status.success());
    let page: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(page.as_array().unwrap().len(), PAGE_SIZE);
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("--all lists every page"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let all = ok_json(&mut offline(), &["avatars", "--all", "--json"]);
    let items = all.as_array().unwrap();
    assert_eq!(items.len(), 25, "{all}");
    let mut names: Vec<&str> = items.iter().filter_map(|a| a["name"].as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), 25, "no page twice");
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &["credits", "--year", "2026"][..],
        &["credits", "--month", "13"][..],
        &["music", "search", "--page-size", "5"][..],
        &["brands"][..],
    ] {
        let out = run(&mut offline(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_only_lowcodeapi_s_token_look_ups_are_refused_before_sending() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.001,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for args in [
        &["quota"][..],
        &["avatars", "--all"][..],
        &["brands", "--video"][..],
        &["music", "search", "x"][..],
        &["jobs"][..],
    ] {
        let out = run(&mut online(&sim, false), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("PICTORY_API_KEY"), "{stderr}");
        assert!(stderr.contains("nothing was sent"), "{stderr}");
        assert!(!stderr.contains(sim.token()), "{stderr}");
    }
    let counters = sim.counters();
    assert!(
        counters.requests.is_empty() && counters.pictory_requests.is_empty(),
        "{counters:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quota_goes_down_as_videos_render() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.001,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let used = |q: &Value| q["videoMinutes"]["used"].as_f64().unwrap();
    let before = ok_json(&mut online(&sim, true), &["quota", "--json"]);
    let dir = std::env::temp_dir().join(format!("pictory-cli-quota-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("v.mp4");
    ok_text(
        &mut online(&sim, true),
        &["video", "A short video.", "--out", out.to_str().unwrap()],
    );
    let after = ok_json(&mut online(&sim, true), &["quota", "--json"]);
    assert!(used(&after) > used(&before), "{before} -> {after}");
    // The render is among the jobs, newest first.
    let jobs = ok_json(&mut online(&sim, true), &["jobs", "--all", "--json"]);
    assert!(jobs.as_array().is_some_and(|j| j.len() >= 2), "{jobs}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_stops_before_creating_when_the_batch_clearly_exceeds_the_quota() {
    use pictory_sim::SimQuota;
    let sim = Simulator::start(SimConfig {
        time_factor: 0.001,
        quota: SimQuota {
            video_minutes_used: 99.0,
            video_minutes_limit: 100.0,
            ..SimQuota::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("pictory-cli-bulk-quota-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two rows of 360 words: about 4 minutes, 1 remains.
    let words = vec!["word"; 360].join(" ");
    let csv = dir.join("batch.csv");
    std::fs::write(&csv, format!("name,text\na,{words}\nb,{words}\n")).unwrap();
    let journal = dir.join("batch.journal");
    let args = [
        "bulk",
        csv.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    let out = run(&mut online(&sim, true), &args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.contains("--no-quota-check"), "{stderr}");
    assert!(last.contains("nothing was created"), "{stderr}");
    assert!(sim.received("create_storyboard").is_none());
    // Without Pictory's key the quota cannot be read: said, and the batch runs.
    let small = dir.join("small.csv");
    std::fs::write(&small, "name,text\nc,Short.\n").unwrap();
    let out = run(
        &mut online(&sim, false),
        &[
            "bulk",
            small.to_str().unwrap(),
            "--journal",
            dir.join("small.journal").to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("quota not checked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
    // --no-quota-check runs the big batch anyway.
    let out = run(
        &mut online(&sim, true),
        &[&args[..], &["--no-quota-check"]].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
