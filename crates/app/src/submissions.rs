//! A task and its answer: who may see it, handing in a version (text and files, once per form), taking
//! it back before review, and what the caller may do next.

use std::collections::HashSet;

use domain::Role;
use domain::work::{BoardStatus, TaskEvent, TaskStatus};
use serde::Serialize;
use serde_json::json;
use store::work::{SubmissionLine, SubmissionRow, SubmittedFile, TaskContext};
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::{App, Error, Result};

/// A refused move of a task, in words the unit or the reviewer can act on.
pub(crate) fn refused(code: &'static str) -> Error {
    let message = match code {
        "task_awaiting_review" => "已报送，正在等待审核；如需修改，请先撤回再重新报送",
        "task_accepted" => "该任务已审核通过，不能再改动",
        "task_in_review" => "审核员已开始审核，不能撤回",
        "task_not_submitted" => "该任务没有待审核的报送",
        _ => "当前状态下不能这样操作",
    };
    Error::Conflict { code, message: message.into() }
}

pub(crate) fn status_of(t: &TaskContext) -> Result<TaskStatus> {
    TaskStatus::parse(&t.status).ok_or_else(|| Error::Internal(format!("task {} has status {}", t.id, t.status)))
}

/// The task, if the caller may see it: a liaison of its unit (once the campaign is out), or staff who
/// may read the campaign.
pub(crate) async fn visible_task(app: &App, actor: &Actor, id: Uuid) -> Result<TaskContext> {
    let t = store::work::task(&app.db, id).await?.ok_or(Error::NotFound)?;
    let visible = match actor.role {
        Role::Liaison => actor.unit_id == Some(t.unit_id) && t.campaign_status != "draft",
        role => role.reads_campaigns() && actor.sees(&t.scope),
    };
    if visible { Ok(t) } else { Err(Error::NotFound) }
}

/// May the caller decide on this task's versions? Staff of another town never see it; a district
/// account sees but does not decide; nobody reviews their own unit.
pub(crate) fn check_reviewer(actor: &Actor, t: &TaskContext) -> Result<()> {
    if !actor.role.reviews_submissions() {
        return Err(Error::Forbidden);
    }
    if !actor.sees(&t.scope) {
        return Err(Error::NotFound);
    }
    if actor.authority_id != t.authority_id {
        return Err(Error::Forbidden);
    }
    if actor.unit_id == Some(t.unit_id) {
        return Err(Error::Conflict {
            code: "review_own_unit", message: "不能审核本单位报送的材料".into()
        });
    }
    Ok(())
}

/// One version with its files.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    #[serde(flatten)]
    pub line: SubmissionLine,
    pub files: Vec<SubmittedFile>,
}

/// A task as its page shows it, with what the caller may do now.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub task: TaskContext,
    pub status: TaskStatus,
    pub board_status: BoardStatus,
    /// Negative: days late.
    pub days_left: i64,
    pub versions: Vec<Version>,
    pub may_submit: bool,
    /// The version the caller may take back.
    pub may_withdraw: Option<Uuid>,
    /// The version the caller may decide on.
    pub may_review: Option<Uuid>,
}

pub async fn get_task(app: &App, actor: &Actor, id: Uuid) -> Result<TaskView> {
    let task = visible_task(app, actor, id).await?;
    let status = status_of(&task)?;
    let today = crate::work::today(app);
    let lines = store::work::submissions(&app.db, id).await?;
    let mut files = store::work::task_files(&app.db, id).await?;
    let versions: Vec<Version> = lines
        .into_iter()
        .map(|line| {
            let mine: Vec<SubmittedFile> = files.extract_if(.., |f| f.submission_id == line.row.id).collect();
            Version { line, files: mine }
        })
        .collect();
    let waiting = versions.iter().find(|v| v.line.row.status == "submitted" || v.line.row.status == "in_review");
    let own_unit = actor.role == Role::Liaison && actor.unit_id == Some(task.unit_id);
    let open = task.campaign_status == "published";
    let may_withdraw = waiting.filter(|v| own_unit && open && v.line.row.status == "submitted").map(|v| v.line.row.id);
    let may_review = waiting.filter(|_| check_reviewer(actor, &task).is_ok()).map(|v| v.line.row.id);
    Ok(TaskView {
        board_status: BoardStatus::of(status, task.due_on, today),
        days_left: (task.due_on - today).num_days(),
        may_submit: own_unit && open && status.awaits_submission(),
        may_withdraw,
        may_review,
        status,
        versions,
        task,
    })
}

/// What an upload to a task finds before a single byte is stored.
#[derive(Debug, Clone)]
pub enum Target {
    /// The unit's own task, in a running campaign, waiting for an answer.
    Open(TaskContext),
    /// This form (its one-time key) was already handed in: here is the version it made.
    Repeat(SubmissionRow),
}

/// Checks an upload to a task before it starts: files for another unit's task, a closed campaign or a
/// task that waits for review are refused before anything is stored.
pub async fn submission_target(app: &App, actor: &Actor, id: Uuid, client_key: Option<&str>) -> Result<Target> {
    if actor.role != Role::Liaison {
        return Err(Error::Forbidden);
    }
    let task = visible_task(app, actor, id).await?;
    if let Some(key) = client_key.map(str::trim).filter(|k| !k.is_empty())
        && let Some(v) = store::work::submissions(&app.db, id).await?.into_iter().find(|v| v.row.client_key == key)
    {
        return Ok(Target::Repeat(v.row));
    }
    check_open(&task)?;
    status_of(&task)?.transition(TaskEvent::Submit).map_err(refused)?;
    Ok(Target::Open(task))
}

fn check_open(task: &TaskContext) -> Result<()> {
    match task.campaign_status.as_str() {
        "published" => Ok(()),
        "closed" => {
            Err(Error::Conflict { code: "campaign_closed", message: "活动已结束，不再接收报送".into() })
        }
        _ => Err(Error::NotFound),
    }
}

/// What the unit hands in: text, files already uploaded, and the form's one-time key.
#[derive(Debug, Clone, Default)]
pub struct NewSubmission {
    pub body: String,
    pub file_ids: Vec<Uuid>,
    /// The same key twice makes one version (a double click, a retried request). Absent: no
    /// protection against repeats.
    pub client_key: Option<String>,
}

/// A form's one-time key: 8–64 letters, digits and dashes.
pub(crate) fn parse_client_key(key: Option<&str>) -> Result<String> {
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        None => Ok(Uuid::now_v7().to_string()),
        Some(k) if (8..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            Ok(k.to_owned())
        }
        Some(_) => Err(Error::invalid("client_key", "invalid", "表单标识无效，请刷新页面后重试")),
    }
}

/// Hands in a new version. Files must be the caller's own uploads or files the unit handed in before.
pub async fn submit(app: &App, actor: &Actor, id: Uuid, input: &NewSubmission) -> Result<SubmissionRow> {
    if actor.role != Role::Liaison {
        return Err(Error::Forbidden);
    }
    let task = visible_task(app, actor, id).await?;
    let key = parse_client_key(input.client_key.as_deref())?;
    let mut file_ids = Vec::new();
    let mut seen = HashSet::new();
    for f in &input.file_ids {
        if seen.insert(*f) {
            file_ids.push(*f);
        }
    }
    let body = domain::work::parse_submission_text(&input.body, file_ids.len()).map_err(Error::Invalid)?;
    for f in &file_ids {
        let file = store::files::get(&app.db, *f).await?;
        let usable = match file {
            Some(file) if file.uploaded_by.is_some() && file.uploaded_by == actor.user_id => true,
            Some(_) => store::work::file_in_unit_work(&app.db, *f, task.unit_id).await?,
            None => false,
        };
        if !usable {
            return Err(Error::invalid("files", "invalid", "所选文件不存在或不属于本单位，请重新上传"));
        }
    }
    let today = crate::work::today(app);
    let mut tx = app.db.begin().await?;
    let task = store::work::task_for_update(&mut tx, id).await?.ok_or(Error::NotFound)?;
    let versions = store::work::submissions_in(&mut tx, id).await?;
    if let Some(same) = versions.iter().find(|v| v.client_key == key) {
        // The same form again: the version it made the first time.
        return Ok(same.clone());
    }
    check_open(&task)?;
    let next = status_of(&task)?.transition(TaskEvent::Submit).map_err(refused)?;
    let now = store::now();
    let row = SubmissionRow {
        id: Uuid::now_v7(),
        task_id: id,
        campaign_id: task.campaign_id,
        unit_id: task.unit_id,
        version: versions.first().map(|v| v.version).unwrap_or(0) + 1,
        body,
        status: "submitted".into(),
        late: today > task.due_on,
        client_key: key,
        submitted_by: actor.user_id,
        submitted_at: now,
        withdrawn_at: None,
        reviewer_id: None,
        review_started_at: None,
        decided_at: None,
        review_comment: None,
        rating: None,
        exemplary: false,
    };
    store::work::insert_submission(&mut tx, &row).await?;
    for (i, f) in file_ids.iter().enumerate() {
        store::work::attach_file(&mut tx, row.id, *f, i32::try_from(i).unwrap_or(i32::MAX)).await?;
    }
    store::work::set_task_status(&mut tx, id, next.as_str(), now).await?;
    record_in(
        &mut tx,
        actor,
        &task.scope,
        "submission.submit",
        "submission",
        Some(row.id),
        json!({ "task": id, "campaign": task.campaign_title, "deliverable": task.deliverable, "unit": task.unit_name,
                "version": row.version, "files": file_ids.len(), "late": row.late }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(task.campaign_id);
    Ok(row)
}

/// Takes the latest version back before a reviewer has taken it up.
pub async fn withdraw(app: &App, actor: &Actor, submission: Uuid) -> Result<()> {
    if actor.role != Role::Liaison {
        return Err(Error::Forbidden);
    }
    let sub = store::work::submission(&app.db, submission).await?.ok_or(Error::NotFound)?;
    visible_task(app, actor, sub.task_id).await?;
    let mut tx = app.db.begin().await?;
    let task = store::work::task_for_update(&mut tx, sub.task_id).await?.ok_or(Error::NotFound)?;
    check_open(&task)?;
    let versions = store::work::submissions_in(&mut tx, task.id).await?;
    let mut live = versions.iter().filter(|v| v.status != "withdrawn");
    let (Some(latest), previous) = (live.next(), live.next()) else { return Err(refused("task_not_submitted")) };
    if latest.id != submission {
        return Err(Error::Conflict {
            code: "submission_superseded", message: "这不是最新的一版，不能撤回".into()
        });
    }
    let was_returned = previous.is_some_and(|p| p.status == "returned");
    let next = status_of(&task)?.transition(TaskEvent::Withdraw { was_returned }).map_err(refused)?;
    let now = store::now();
    let mut row = latest.clone();
    row.status = "withdrawn".into();
    row.withdrawn_at = Some(now);
    store::work::update_submission(&mut tx, &row).await?;
    store::work::set_task_status(&mut tx, task.id, next.as_str(), now).await?;
    record_in(
        &mut tx,
        actor,
        &task.scope,
        "submission.withdraw",
        "submission",
        Some(row.id),
        json!({ "task": task.id, "deliverable": task.deliverable, "unit": task.unit_name, "version": row.version }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(task.campaign_id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_client_key;

    #[test]
    fn a_client_key_is_short_and_plain_or_made_up_when_missing() {
        assert_eq!(parse_client_key(Some("0193-abcd-ef01")).ok().as_deref(), Some("0193-abcd-ef01"));
        assert!(parse_client_key(None).is_ok_and(|k| k.len() == 36));
        for bad in ["short", "<script>alert(1)</script>", &"k".repeat(65)] {
            let e = parse_client_key(Some(bad)).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad}");
            assert!(
                matches!(&e, crate::Error::Invalid(f) if f[0].field == "client_key" && f[0].code == "invalid"),
                "{e:?}"
            );
        }
    }
}
