//! The look-ups every v2 render depends on ("never invent these ids"):
//! avatars, text styles, smart layouts, video brand kits, music and stock
//! media, plus the quota and the AI-credit ledger, jobs and projects. Each
//! is a table on stdout, or the answer as JSON with `--json`. They are
//! served by Pictory only: a session without `PICTORY_API_KEY` gets the
//! library's one-line `NeedsPictoryKey` error (exit 2), nothing sent.

use crate::Session;
use crate::cli::{CreditsArgs, ListArgs, MediaCommand, MusicCommand};
use crate::report::{Failure, Reporter};
use futures_util::TryStreamExt;
use pictory::raw::types;
use serde_json::{Value, json};

/// Prints `rows` under `headers` (see [`Reporter::table`]).
fn table(reporter: &Reporter, headers: &[&str], rows: &[Vec<String>], value: &Value) {
    reporter.table(headers, rows, value);
}

fn s(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn n(v: Option<f64>) -> String {
    v.map(|x| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    })
    .unwrap_or_default()
}

use crate::report::cell;

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `pictory avatars [--all]`: one row per look (its id is the avatarId).
pub async fn avatars(
    session: &Session,
    reporter: &Reporter,
    args: ListArgs,
) -> Result<(), Failure> {
    let api = session.client.api();
    let groups: Vec<types::AvatarGroup> = if args.all {
        api.list_avatars().items().try_collect().await?
    } else {
        let page = api.list_avatars().send().await?.into_value();
        if !page.next_page_key.as_ref().is_none_or(Value::is_null) {
            reporter.note("more avatars follow: --all lists every page");
        }
        page.items
    };
    let rows: Vec<Vec<String>> = groups
        .iter()
        .flat_map(|g| {
            g.looks.iter().map(move |l| {
                vec![
                    s(&l.id),
                    s(&l.name),
                    s(&g.name),
                    g.gender.as_ref().map(cell).unwrap_or_default(),
                ]
            })
        })
        .collect();
    table(
        reporter,
        &["avatar id", "look", "person", "gender"],
        &rows,
        &to_json(&groups),
    );
    Ok(())
}

/// `pictory styles`: text (subtitle) styles.
pub async fn styles(session: &Session, reporter: &Reporter) -> Result<(), Failure> {
    let styles = session
        .client
        .api()
        .list_text_styles()
        .send()
        .await?
        .into_value();
    let rows: Vec<Vec<String>> = styles.iter().map(|x| vec![s(&x.id), s(&x.name)]).collect();
    table(reporter, &["style id", "name"], &rows, &to_json(&styles));
    Ok(())
}

/// `pictory layouts`: smart layouts.
pub async fn layouts(session: &Session, reporter: &Reporter) -> Result<(), Failure> {
    let list = session
        .client
        .api()
        .list_smart_layouts()
        .send()
        .await?
        .into_value();
    let rows: Vec<Vec<String>> = list
        .items
        .iter()
        .map(|x| vec![s(&x.template_id), s(&x.template_name), s(&x.schema_version)])
        .collect();
    table(
        reporter,
        &["layout id", "name", "schema"],
        &rows,
        &to_json(&list.items),
    );
    Ok(())
}

/// `pictory brands --video`: video brand kits (the brandId of a v2 storyboard).
pub async fn video_brands(session: &Session, reporter: &Reporter) -> Result<(), Failure> {
    let brands = session
        .client
        .api()
        .list_video_brands()
        .send()
        .await?
        .into_value();
    let rows: Vec<Vec<String>> = brands.iter().map(|x| vec![s(&x.id), s(&x.name)]).collect();
    table(reporter, &["brand id", "name"], &rows, &to_json(&brands));
    Ok(())
}

/// `pictory music search|options`.
pub async fn music(
    session: &Session,
    reporter: &Reporter,
    cmd: MusicCommand,
) -> Result<(), Failure> {
    let api = session.client.api();
    match cmd {
        MusicCommand::Search(a) => {
            let found = api
                .search_music()
                .body_map(|b| {
                    b.query(a.query.clone())
                        .page(a.page.map(i64::from))
                        .page_size(a.page_size.map(i64::from))
                        .mood(a.mood.clone())
                        .genre(a.genre.clone())
                        .purpose(a.purpose.clone())
                        .instrument(a.instrument.clone())
                })
                .send()
                .await?
                .into_value();
            let rows: Vec<Vec<String>> = found
                .items
                .iter()
                .map(|t| {
                    vec![
                        t.id.as_ref().map(ToString::to_string).unwrap_or_default(),
                        s(&t.title),
                        t.duration
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        t.moods.join(", "),
                        s(&t.audio_url),
                    ]
                })
                .collect();
            table(
                reporter,
                &[
                    "id",
                    "title",
                    "seconds",
                    "moods",
                    "audio url (backgroundMusic.musicUrl)",
                ],
                &rows,
                &to_json(&found.items),
            );
        }
        MusicCommand::Options => {
            let (moods, genres, groups, instruments, purposes) = (
                api.list_music_moods().send().await?.into_value(),
                api.list_music_genres().send().await?.into_value(),
                api.list_music_genre_groups().send().await?.into_value(),
                api.list_music_instruments().send().await?.into_value(),
                api.list_music_purposes().send().await?.into_value(),
            );
            let all = json!({
                "moods": moods, "genres": genres, "genre_groups": groups,
                "instruments": instruments, "purposes": purposes,
            });
            let rows: Vec<Vec<String>> = [
                ("--mood", &moods),
                ("--genre", &genres),
                ("(genre groups)", &groups),
                ("--instrument", &instruments),
                ("--purpose", &purposes),
            ]
            .iter()
            .map(|(k, v)| vec![k.to_string(), v.join(", ")])
            .collect();
            table(reporter, &["filter", "values"], &rows, &all);
        }
    }
    Ok(())
}

/// `pictory media search KEYWORD [--category C]`.
pub async fn media(
    session: &Session,
    reporter: &Reporter,
    cmd: MediaCommand,
) -> Result<(), Failure> {
    let MediaCommand::Search(a) = cmd;
    if a.keyword.trim().is_empty() {
        return Err(Failure::Usage("media search: the keyword is empty".into()));
    }
    let mut call = session
        .client
        .api()
        .search_media()
        .keyword(a.keyword.clone());
    if let Some(c) = &a.category {
        call = call.category(c.clone());
    }
    if let Some(l) = &a.language {
        call = call.language(l.clone());
    }
    let found = call.send().await?.into_value();
    let results = found
        .data
        .as_ref()
        .map(|d| d.search_results.clone())
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|m| {
            vec![
                m.asset_id
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                s(&m.media_type),
                s(&m.search_library),
                s(&m.media_description),
            ]
        })
        .collect();
    table(
        reporter,
        &["asset id", "type", "library", "description"],
        &rows,
        &to_json(&results),
    );
    Ok(())
}

/// `pictory quota`: used, limit and what remains of each quota.
pub async fn quota(session: &Session, reporter: &Reporter) -> Result<(), Failure> {
    let q = session.client.quota().await?;
    let rows: Vec<Vec<String>> = [
        ("video minutes", &q.video_minutes),
        ("transcription minutes", &q.transcription_minutes),
        (
            "ElevenLabs voice-over minutes",
            &q.eleven_labs_voice_over_minutes,
        ),
        ("AI credits", &q.ai_credits),
    ]
    .iter()
    .map(|(what, u)| {
        let used = u.as_ref().and_then(|u| u.used);
        let limit = u.as_ref().and_then(|u| u.limit);
        let left = used.zip(limit).map(|(u, l)| (l - u).max(0.0));
        vec![what.to_string(), n(used), n(limit), n(left)]
    })
    .collect();
    table(
        reporter,
        &["quota", "used", "limit", "remaining"],
        &rows,
        &to_json(&q),
    );
    Ok(())
}

/// `pictory credits [--year Y --month M]`: the AI-credit ledger of a month.
pub async fn credits(
    session: &Session,
    reporter: &Reporter,
    a: CreditsArgs,
) -> Result<(), Failure> {
    if a.year.is_some() && a.month.is_none() {
        return Err(Failure::Usage(
            "credits: --year needs --month (Pictory refuses a year alone)".into(),
        ));
    }
    let mut call = session.client.api().get_ai_credits_usage();
    if let Some(y) = a.year {
        call = call.year(i64::from(y));
    }
    if let Some(m) = a.month {
        call = call.month(i64::from(m));
    }
    let ledger = call.send().await?.into_value();
    let rows: Vec<Vec<String>> = ledger
        .iter()
        .map(|t| {
            vec![
                s(&t.transaction_date),
                s(&t.type_),
                n(t.amount),
                s(&t.source),
                s(&t.description),
            ]
        })
        .collect();
    table(
        reporter,
        &["date", "type", "amount", "source", "description"],
        &rows,
        &to_json(&ledger),
    );
    Ok(())
}

/// `pictory jobs [--all]`: jobs, newest first.
pub async fn jobs(session: &Session, reporter: &Reporter, args: ListArgs) -> Result<(), Failure> {
    let api = session.client.api();
    let jobs: Vec<Value> = if args.all {
        api.list_jobs()
            .items()
            .try_collect::<Vec<_>>()
            .await?
            .iter()
            .map(to_json)
            .collect()
    } else {
        let page = api.list_jobs().send().await?;
        if !page
            .value()
            .next_page_key
            .as_ref()
            .is_none_or(Value::is_null)
        {
            reporter.note("more jobs follow: --all lists every page");
        }
        page.body()["items"].as_array().cloned().unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            let data = &j["data"];
            let id = ["job_id", "jobId"]
                .iter()
                .find_map(|k| j.get(*k).or_else(|| data.get(*k)))
                .map(cell)
                .unwrap_or_default();
            vec![id, cell(&data["status"])]
        })
        .collect();
    table(reporter, &["job id", "status"], &rows, &Value::Array(jobs));
    Ok(())
}

/// `pictory projects [--all]`: saved projects.
pub async fn projects(
    session: &Session,
    reporter: &Reporter,
    args: ListArgs,
) -> Result<(), Failure> {
    let api = session.client.api();
    let projects: Vec<types::ProjectSummary> = if args.all {
        api.list_projects().items().try_collect().await?
    } else {
        let page = api.list_projects().send().await?.into_value();
        if !page.page_key.as_ref().is_none_or(Value::is_null) {
            reporter.note("more projects follow: --all lists every page");
        }
        page.items
    };
    let rows: Vec<Vec<String>> = projects
        .iter()
        .map(|p| {
            vec![
                p.id.as_ref().map(ToString::to_string).unwrap_or_default(),
                s(&p.name),
                s(&p.schema_version),
                s(&p.saved_date),
            ]
        })
        .collect();
    table(
        reporter,
        &["project id", "name", "schema", "saved"],
        &rows,
        &to_json(&projects),
    );
    Ok(())
}

/// `pictory bulk`'s check before anything is created: the batch's estimate
/// ([`pictory::QuotaEstimate`]) against the video minutes that remain. A
/// batch that clearly exceeds them stops on one line (exit 2); without
/// Pictory's key the quota cannot be read, which one note says.
pub async fn quota_check(
    session: &Session,
    reporter: &Reporter,
    estimate: &pictory::QuotaEstimate,
) -> Result<(), Failure> {
    match session.client.check_quota(estimate).await {
        Ok(quota) => {
            if let Some(left) = quota.remaining_video_minutes() {
                reporter.note(&format!(
                    "quota: the batch needs about {:.1} of {left:.1} video minutes left",
                    estimate.video_minutes()
                ));
            }
            Ok(())
        }
        Err(pictory::Error::NeedsPictoryKey { .. }) => {
            reporter.note("quota not checked: PICTORY_API_KEY is not set");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
