//! Activity records (活动台账): a unit records what it did under each track of a campaign, with the
//! track's own fields and evidence; staff read every unit's; the organiser edits each track's form.

use std::collections::HashSet;

use domain::Role;
use domain::activities::{ActivityInput, FormField, FormFieldInput};
use serde::Serialize;
use serde_json::json;
use store::activities::{ActivityLine, ActivityRow};
use store::campaigns::TrackRow;
use store::files::FileRow;
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::campaigns::Campaign;
use crate::{App, Error, Result};

/// A track with the form its records use.
#[derive(Debug, Clone, Serialize)]
pub struct TrackForm {
    pub track: TrackRow,
    pub fields: Vec<FormField>,
    /// The organiser changed it (else it is the one the title suggests).
    pub edited: bool,
}

/// The form of every track of a campaign the caller may see.
pub async fn forms(app: &App, actor: &Actor, campaign: Uuid) -> Result<Vec<TrackForm>> {
    let c = crate::campaigns::get_campaign(app, actor, campaign).await?;
    forms_of(app, c.tracks).await
}

async fn forms_of(app: &App, tracks: Vec<TrackRow>) -> Result<Vec<TrackForm>> {
    let mut out = Vec::with_capacity(tracks.len());
    for track in tracks {
        out.push(form_of(app, track).await?);
    }
    Ok(out)
}

async fn form_of(app: &App, track: TrackRow) -> Result<TrackForm> {
    Ok(match store::activities::track_form(&app.db, track.id).await? {
        Some(json) => TrackForm {
            fields: serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("track {} form: {e}", track.id)))?,
            track,
            edited: true,
        },
        None => TrackForm { fields: domain::activities::default_form(&track.title), track, edited: false },
    })
}

/// The organiser replaces a track's form; records keep the values of fields whose key stays.
pub async fn set_form(
    app: &App,
    actor: &Actor,
    campaign: Uuid,
    track: Uuid,
    rows: &[FormFieldInput],
) -> Result<Vec<FormField>> {
    if !actor.role.organises_campaigns() {
        return Err(Error::Forbidden);
    }
    let c = crate::campaigns::get_campaign(app, actor, campaign).await?;
    if c.authority_id != actor.authority_id {
        return Err(Error::Forbidden);
    }
    let t = c.tracks.iter().find(|t| t.id == track).ok_or(Error::NotFound)?;
    let fields = domain::activities::parse_form(rows).map_err(Error::Invalid)?;
    let json = serde_json::to_string(&fields).map_err(|e| Error::Internal(e.to_string()))?;
    let mut tx = app.db.begin().await?;
    store::activities::set_track_form(&mut tx, track, &json).await?;
    record_in(
        &mut tx,
        actor,
        &c.scope,
        "campaign.track_form",
        "campaign",
        Some(campaign),
        json!({ "track": format!("{} {}", t.number, t.title), "fields": fields.iter().map(|f| &f.label).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(fields)
}

/// One record with its files, as a list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    #[serde(flatten)]
    pub line: ActivityLine,
    pub files: Vec<FileRow>,
    /// The record's own fields, labelled: (label, value as shown).
    pub extra: Vec<(String, String)>,
}

/// A campaign's records: a liaison's own unit's; staff every unit's (or one unit's when asked).
pub async fn list(app: &App, actor: &Actor, campaign: Uuid, unit: Option<Uuid>) -> Result<Vec<Record>> {
    Ok(overview(app, actor, campaign, unit).await?.2)
}

/// The campaign, its tracks' forms and its records (as [`list`]), from one read of the campaign.
pub async fn overview(
    app: &App,
    actor: &Actor,
    campaign: Uuid,
    unit: Option<Uuid>,
) -> Result<(Campaign, Vec<TrackForm>, Vec<Record>)> {
    let c = crate::campaigns::get_campaign(app, actor, campaign).await?;
    let forms = forms_of(app, c.tracks.clone()).await?;
    let unit = match actor.role {
        Role::Liaison => Some(actor.unit_id.ok_or(Error::Forbidden)?),
        _ => unit,
    };
    let lines = store::activities::list(&app.db, campaign, unit, None).await?;
    let mut files = store::activities::files(&app.db, campaign, unit).await?;
    let records = lines
        .into_iter()
        .map(|line| {
            let mine = files.extract_if(.., |(a, _)| *a == line.row.id).map(|(_, f)| f).collect();
            let values: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&line.row.extra).unwrap_or_default();
            let extra = forms
                .iter()
                .find(|f| f.track.id == line.row.track_id)
                .map(|f| {
                    f.fields
                        .iter()
                        .filter_map(|field| {
                            let shown = match values.get(&field.key)? {
                                serde_json::Value::Bool(true) => "是".to_owned(),
                                serde_json::Value::Bool(false) => "否".to_owned(),
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            Some((field.label.clone(), shown))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Record { line, files: mine, extra }
        })
        .collect();
    Ok((c, forms, records))
}

/// A record as handed in: the values, the files already uploaded, and the form's one-time key.
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    pub track_id: Option<Uuid>,
    pub input: ActivityInput,
    pub file_ids: Vec<Uuid>,
    pub client_key: Option<String>,
}

/// The campaign and track a liaison may record under: a running campaign sent to the unit.
pub async fn record_target(app: &App, actor: &Actor, campaign: Uuid, track: Option<Uuid>) -> Result<TrackForm> {
    Ok(target(app, actor, campaign, track).await?.0)
}

/// [`record_target`], with the campaign's scope (whose trail the record goes to).
async fn target(app: &App, actor: &Actor, campaign: Uuid, track: Option<Uuid>) -> Result<(TrackForm, String)> {
    let (Role::Liaison, Some(_)) = (actor.role, actor.unit_id) else { return Err(Error::Forbidden) };
    let c = crate::campaigns::get_campaign(app, actor, campaign).await?;
    match c.status.as_str() {
        "published" => {}
        "closed" => {
            return Err(Error::Conflict {
                code: "campaign_closed", message: "活动已结束，不再接收台账".into()
            });
        }
        _ => return Err(Error::NotFound),
    }
    let Some(track) = track else { return Err(Error::invalid("track_id", "required", "请选择活动事项")) };
    let t = c
        .tracks
        .into_iter()
        .find(|t| t.id == track)
        .ok_or_else(|| Error::invalid("track_id", "invalid", "活动事项不属于本活动"))?;
    Ok((form_of(app, t).await?, c.scope))
}

/// Records what the unit did. The same form twice records once.
pub async fn record(app: &App, actor: &Actor, campaign: Uuid, new: &NewRecord) -> Result<ActivityRow> {
    let (form, scope) = target(app, actor, campaign, new.track_id).await?;
    let unit = actor.unit_id.ok_or(Error::Forbidden)?;
    let fields = new.input.parse(&form.fields, crate::work::today(app)).map_err(Error::Invalid)?;
    let mut file_ids = Vec::new();
    let mut seen = HashSet::new();
    for f in &new.file_ids {
        if seen.insert(*f) {
            crate::files::get_file(app, actor, *f)
                .await
                .map_err(|_| Error::invalid("files", "invalid", "所选文件不存在或不属于本单位，请重新上传"))?;
            file_ids.push(*f);
        }
    }
    if file_ids.len() > domain::work::MAX_SUBMISSION_FILES {
        return Err(Error::invalid("files", "too_many", "一条台账最多 50 个文件"));
    }
    let key = crate::submissions::parse_client_key(new.client_key.as_deref())?;
    let mut tx = app.db.begin().await?;
    if let Some(same) = store::activities::by_client_key(&mut tx, unit, &key).await? {
        return Ok(same);
    }
    let now = store::now();
    let row = ActivityRow {
        id: Uuid::now_v7(),
        campaign_id: campaign,
        track_id: form.track.id,
        unit_id: unit,
        occurred_on: fields.occurred_on,
        place: fields.place,
        form: fields.form,
        participants: fields.participants,
        materials: fields.materials,
        description: fields.description,
        extra: serde_json::to_string(&fields.extra).map_err(|e| Error::Internal(e.to_string()))?,
        client_key: key,
        created_by: actor.user_id,
        created_at: now,
    };
    store::activities::insert(&mut tx, &row).await?;
    for (i, f) in file_ids.iter().enumerate() {
        store::activities::attach_file(&mut tx, row.id, *f, i32::try_from(i).unwrap_or(i32::MAX)).await?;
    }
    record_in(
        &mut tx,
        actor,
        &scope,
        "activity.record",
        "activity",
        Some(row.id),
        json!({ "campaign": campaign, "track": form.track.title, "occurred_on": row.occurred_on,
                "participants": row.participants, "files": file_ids.len() }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(campaign);
    Ok(row)
}

/// The unit deletes one of its records while the campaign runs.
pub async fn delete(app: &App, actor: &Actor, id: Uuid) -> Result<Uuid> {
    let (Role::Liaison, Some(unit)) = (actor.role, actor.unit_id) else { return Err(Error::Forbidden) };
    let row = store::activities::get(&app.db, id).await?.filter(|a| a.unit_id == unit).ok_or(Error::NotFound)?;
    let c = crate::campaigns::get_campaign(app, actor, row.campaign_id).await?;
    if c.status.as_str() != "published" {
        return Err(Error::Conflict {
            code: "campaign_closed", message: "活动已结束，台账不能再改动".into()
        });
    }
    let mut tx = app.db.begin().await?;
    store::activities::delete(&mut tx, id).await?;
    record_in(
        &mut tx,
        actor,
        &c.scope,
        "activity.delete",
        "activity",
        Some(id),
        json!({ "campaign": c.title, "occurred_on": row.occurred_on, "place": row.place }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(row.campaign_id);
    Ok(row.campaign_id)
}
