//! Reviewing what units hand in: the queue of a campaign, taking a version up (the unit can no longer
//! withdraw it), and accepting or returning it with a comment, a rating and the exemplary mark.

use domain::work::{ReviewInput, TaskEvent, Verdict};
use serde_json::json;
use store::work::{QueueItem, SubmissionRow, TaskContext};
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::submissions::{check_reviewer, refused, status_of, visible_task};
use crate::{App, Error, Result};

/// The campaign and what waits for review in it, oldest first; for staff who may read the campaign.
pub async fn queue(app: &App, actor: &Actor, campaign: Uuid) -> Result<(crate::campaigns::Campaign, Vec<QueueItem>)> {
    if !actor.role.reads_campaigns() {
        return Err(Error::Forbidden);
    }
    let c = crate::campaigns::get_campaign(app, actor, campaign).await?;
    Ok((c, store::work::queue(&app.db, campaign).await?))
}

/// The version and its task (found by [`submission_task`] before the transaction), locked for a decision,
/// once the caller is known to be its reviewer and it is not withdrawn.
async fn reviewed(
    actor: &Actor,
    tx: &mut store::Tx,
    task: Uuid,
    submission: Uuid,
) -> Result<(TaskContext, SubmissionRow)> {
    let task = store::work::task_for_update(tx, task).await?.ok_or(Error::NotFound)?;
    check_reviewer(actor, &task)?;
    let versions = store::work::submissions_in(tx, task.id).await?;
    let sub = versions.into_iter().find(|v| v.id == submission).ok_or(Error::NotFound)?;
    if sub.status == "withdrawn" {
        return Err(Error::Conflict {
            code: "submission_withdrawn", message: "该版本已被报送单位撤回".into()
        });
    }
    Ok((task, sub))
}

/// The task of a version the caller may review (a role check first, so a liaison learns nothing).
async fn submission_task(app: &App, actor: &Actor, submission: Uuid) -> Result<Uuid> {
    if !actor.role.reviews_submissions() {
        return Err(Error::Forbidden);
    }
    let sub = store::work::submission(&app.db, submission).await?.ok_or(Error::NotFound)?;
    let task = visible_task(app, actor, sub.task_id).await?;
    check_reviewer(actor, &task)?;
    Ok(task.id)
}

/// Takes a version up: from now on the unit cannot withdraw it. Taking up what one already holds is fine.
pub async fn take_up(app: &App, actor: &Actor, submission: Uuid) -> Result<()> {
    let task_id = submission_task(app, actor, submission).await?;
    let mut tx = app.db.begin().await?;
    let (task, mut sub) = reviewed(actor, &mut tx, task_id, submission).await?;
    if sub.status == "in_review" && sub.reviewer_id == actor.user_id {
        return Ok(());
    }
    let next = status_of(&task)?.transition(TaskEvent::TakeUp).map_err(refused)?;
    let now = store::now();
    sub.status = "in_review".into();
    sub.reviewer_id = actor.user_id;
    sub.review_started_at = Some(now);
    store::work::update_submission(&mut tx, &sub).await?;
    store::work::set_task_status(&mut tx, task.id, next.as_str(), now).await?;
    record_in(
        &mut tx,
        actor,
        &task.scope,
        "submission.take_up",
        "submission",
        Some(sub.id),
        json!({ "task": task.id, "deliverable": task.deliverable, "unit": task.unit_name, "version": sub.version }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(task.campaign_id);
    Ok(())
}

/// Accepts or returns a version; the unit's liaisons are told either way.
pub async fn decide(app: &App, actor: &Actor, submission: Uuid, input: &ReviewInput) -> Result<SubmissionRow> {
    // Who may decide comes first: a refused caller learns nothing from the form's errors.
    let task_id = submission_task(app, actor, submission).await?;
    let review = input.parse().map_err(Error::Invalid)?;
    let mut tx = app.db.begin().await?;
    let (task, mut sub) = reviewed(actor, &mut tx, task_id, submission).await?;
    let event = match review.verdict {
        Verdict::Accept => TaskEvent::Accept,
        Verdict::Return => TaskEvent::Return,
    };
    if !matches!(sub.status.as_str(), "submitted" | "in_review") {
        return Err(Error::Conflict { code: "submission_decided", message: "该版本已审核过".into() });
    }
    let next = status_of(&task)?.transition(event).map_err(refused)?;
    let now = store::now();
    sub.status = next.as_str().into();
    sub.reviewer_id = actor.user_id;
    sub.review_started_at = sub.review_started_at.or(Some(now));
    sub.decided_at = Some(now);
    sub.review_comment = Some(review.comment.clone()).filter(|c| !c.is_empty());
    sub.rating = review.rating;
    sub.exemplary = review.exemplary;
    store::work::update_submission(&mut tx, &sub).await?;
    store::work::set_task_status(&mut tx, task.id, next.as_str(), now).await?;
    let (action, title, body) = match review.verdict {
        Verdict::Accept => (
            "submission.accept",
            format!("《{}》已审核通过", task.deliverable),
            if review.comment.is_empty() {
                "报送的材料已通过审核。".to_owned()
            } else {
                review.comment.clone()
            },
        ),
        Verdict::Return => {
            ("submission.return", format!("《{}》被退回，请修改后重新报送", task.deliverable), review.comment.clone())
        }
    };
    for user in store::campaigns::liaisons_of(&mut tx, task.unit_id).await? {
        let n = store::campaigns::NotificationRow {
            id: Uuid::now_v7(),
            user_id: user,
            kind: action.into(),
            title: title.clone(),
            body: body.clone(),
            link: format!("/tasks/{}", task.id),
            created_at: now,
            read_at: None,
        };
        crate::notify::notify(&app.config, &mut tx, &n).await?;
    }
    record_in(
        &mut tx,
        actor,
        &task.scope,
        action,
        "submission",
        Some(sub.id),
        json!({ "task": task.id, "deliverable": task.deliverable, "unit": task.unit_name, "version": sub.version,
                "comment": review.comment, "rating": review.rating, "exemplary": review.exemplary }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(task.campaign_id);
    Ok(sub)
}
