//! Background work: reminders before due dates, the daily digest, reading photos; and a worker that
//! claims jobs with a lease and finishes each in the transaction that delivers it, so that two workers
//! side by side deliver every reminder exactly once.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::jobs::Job;
use store::work::Owed;
use uuid::Uuid;

use crate::{App, Error, Result};

/// Attempts before a job is left for a person to look at.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a claimed job is a worker's before another may take it over.
const LEASE: Duration = Duration::minutes(5);
/// Jobs claimed at once.
const BATCH: i64 = 20;

/// A reminder to one unit about what it owes on one day.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Reminder {
    unit: Uuid,
    due_on: NaiveDate,
    days_before: i64,
}

/// A stored photo to read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct FileJob {
    file: Uuid,
}

/// A notification to send by email.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct EmailJob {
    notification: Uuid,
}

/// One person's digest for one day.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Digest {
    user: Uuid,
    day: NaiveDate,
    /// The liaison's unit; `None` for staff.
    unit: Option<Uuid>,
    /// The staff member's authority.
    authority: Option<Uuid>,
}

/// Enqueues what is due by `now`: reminders for every unit owing something `reminder_days` ahead, and
/// (from `digest_hour`) one digest per person with something overdue or waiting. Every job has a key,
/// so running this again — or on several workers at once — adds nothing.
pub async fn schedule(app: &App, now: DateTime<Utc>) -> Result<usize> {
    let local = now.with_timezone(&app.config.offset());
    let today = local.date_naive();
    let mut added = 0;
    let mut tx = app.db.begin().await?;
    for lead in &app.config.reminder_days {
        let due_on = today + Duration::days(*lead);
        for unit in store::work::units_owing_on(&app.db, due_on).await? {
            let r = Reminder { unit, due_on, days_before: *lead };
            let key = format!("reminder:{unit}:{due_on}:{lead}");
            added += usize::from(store::jobs::enqueue(&mut tx, "reminder", &key, &json!(r), now, now).await?);
        }
    }
    if local.hour() >= app.config.digest_hour {
        for (user, unit) in store::work::liaisons_with_overdue(&app.db, today).await? {
            let d = Digest { user, day: today, unit: Some(unit), authority: None };
            let key = format!("digest:{user}:{today}");
            added += usize::from(store::jobs::enqueue(&mut tx, "digest", &key, &json!(d), now, now).await?);
        }
        for (user, authority) in store::work::staff_with_backlog(&app.db, today).await? {
            let d = Digest { user, day: today, unit: None, authority: Some(authority) };
            let key = format!("digest:{user}:{today}");
            added += usize::from(store::jobs::enqueue(&mut tx, "digest", &key, &json!(d), now, now).await?);
        }
    }
    tx.commit().await?;
    Ok(added)
}

/// Claims a batch and runs it; how many jobs were delivered. A job whose effect fails goes back with
/// a growing delay; one whose lease was lost is rolled back (its new holder delivers it).
pub async fn run_batch(app: &App, worker: &str, now: DateTime<Utc>) -> Result<usize> {
    let jobs = store::jobs::claim(&app.db, worker, BATCH, now, now + LEASE, MAX_ATTEMPTS).await?;
    let mut done = 0;
    for job in jobs {
        match run_job(app, worker, &job).await {
            Ok(true) => done += 1,
            Ok(false) => tracing::warn!(job = %job.id, "lease lost; left to the worker that holds it"),
            Err(e) => {
                let wait = Duration::minutes(2_i64.pow(u32::try_from(job.attempts).unwrap_or(1).min(10)));
                tracing::warn!(job = %job.id, kind = %job.kind, error = %e, "job failed; will retry");
                store::jobs::fail(&app.db, job.id, worker, &e.to_string(), store::now() + wait).await?;
            }
        }
    }
    Ok(done)
}

/// Schedules, then runs batches until nothing is left: what a worker does on each tick, and what tests
/// call to drain the queue.
pub async fn run_until_idle(app: &App, worker: &str) -> Result<usize> {
    schedule(app, store::now()).await?;
    crate::cases::escalate_overdue(app).await?;
    let mut total = 0;
    loop {
        let n = run_batch(app, worker, store::now()).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

/// A worker until `stop` fires: a tick every `every`, errors logged and survived.
pub async fn work(app: App, worker: String, every: std::time::Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    tracing::info!(worker = %worker, "background worker started");
    loop {
        match run_until_idle(&app, &worker).await {
            Ok(n) if n > 0 => tracing::info!(delivered = n, "background jobs delivered"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "background worker tick failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = app.jobs_queued.notified() => {}
            _ = stop.changed() => break,
        }
    }
    tracing::info!(worker = %worker, "background worker stopped");
}

/// Delivers one job and marks it done in the same transaction. False: the lease was lost.
async fn run_job(app: &App, worker: &str, job: &Job) -> Result<bool> {
    let now = store::now();
    let today = crate::work::today(app);
    let bad = |e: serde_json::Error| Error::Internal(format!("job {} payload: {e}", job.id));
    // Work outside the database (decoding a photo) happens before the transaction opens.
    let read = match job.kind.as_str() {
        "evidence" => {
            let file: FileJob = serde_json::from_str(&job.payload).map_err(bad)?;
            Some(crate::evidence::read_file(app, file.file).await?)
        }
        "email" => {
            // At least once: a crash between the mail server's yes and the commit below sends it again.
            let e: EmailJob = serde_json::from_str(&job.payload).map_err(bad)?;
            crate::notify::send_email(app, e.notification).await?;
            None
        }
        _ => None,
    };
    let mut tx = app.db.begin().await?;
    match job.kind.as_str() {
        "evidence" => {
            if let Some(meta) = &read {
                store::files::save_meta(&mut tx, meta).await?;
            }
        }
        "email" => {}
        "reminder" => {
            let r: Reminder = serde_json::from_str(&job.payload).map_err(bad)?;
            let owed = store::work::owed_by_unit(&mut tx, r.unit, Some(r.due_on), today).await?;
            if !owed.is_empty() {
                let title = format!("还有 {} 天截止：{} 项材料待报送", r.days_before, owed.len());
                let body = format!("{} 截止：\n{}", r.due_on, list(&owed));
                for user in store::campaigns::liaisons_of(&mut tx, r.unit).await? {
                    crate::notify::notify(
                        &app.config,
                        &mut tx,
                        &note(user, "task.reminder", &title, &body, &link(&owed), now),
                    )
                    .await?;
                }
            }
        }
        "digest" => {
            let d: Digest = serde_json::from_str(&job.payload).map_err(bad)?;
            if let Some(unit) = d.unit {
                let owed = store::work::owed_by_unit(&mut tx, unit, None, d.day).await?;
                if !owed.is_empty() {
                    let title = format!("逾期提醒：{} 项材料已过截止日期", owed.len());
                    let n = note(d.user, "digest.overdue", &title, &list(&owed), &link(&owed), now);
                    crate::notify::notify(&app.config, &mut tx, &n).await?;
                }
            } else if let Some(authority) = d.authority {
                let backlog = store::work::backlog(&mut tx, authority, d.day).await?;
                let busy: Vec<_> = backlog.iter().filter(|b| b.waiting > 0 || b.overdue > 0).collect();
                if !busy.is_empty() {
                    let waiting: i64 = busy.iter().map(|b| b.waiting).sum();
                    let overdue: i64 = busy.iter().map(|b| b.overdue).sum();
                    let title = format!("今日待办：{waiting} 份报送待审核，{overdue} 项任务逾期");
                    let body = busy
                        .iter()
                        .map(|b| format!("《{}》：待审核 {}，逾期 {}", b.title, b.waiting, b.overdue))
                        .collect::<Vec<_>>()
                        .join("\n");
                    let link = match busy.as_slice() {
                        [one] => format!("/campaigns/{}/board", one.campaign_id),
                        _ => "/campaigns".to_owned(),
                    };
                    crate::notify::notify(
                        &app.config,
                        &mut tx,
                        &note(d.user, "digest.staff", &title, &body, &link, now),
                    )
                    .await?;
                }
            }
        }
        other => return Err(Error::Internal(format!("unknown job kind {other}"))),
    }
    if !store::jobs::finish(&mut tx, job.id, worker, now).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

fn list(owed: &[Owed]) -> String {
    owed.iter()
        .map(|o| format!("《{}》{}（{}）", o.campaign_title, o.deliverable, o.due_on))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One task: its page; several: the liaison's home.
fn link(owed: &[Owed]) -> String {
    match owed {
        [one] => format!("/tasks/{}", one.task_id),
        _ => "/my-work".to_owned(),
    }
}

/// A notification to one person.
fn note(
    user: Uuid,
    kind: &str,
    title: &str,
    body: &str,
    link: &str,
    now: DateTime<Utc>,
) -> store::campaigns::NotificationRow {
    store::campaigns::NotificationRow {
        id: Uuid::now_v7(),
        user_id: user,
        kind: kind.into(),
        title: title.into(),
        body: body.into(),
        link: link.into(),
        created_at: now,
        read_at: None,
    }
}
