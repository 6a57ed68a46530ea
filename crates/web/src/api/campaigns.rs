//! Campaigns through the API: read a notice, create a draft (from text, a file, or by hand), edit, choose
//! recipients, publish, close, clone; the tasks; the public notices; the caller's notifications.

use app::campaigns::Campaign;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use domain::campaigns::{CampaignInput, ContactInput, DeliverableInput, KeyDateInput, ReferenceInput, TrackInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiId, ApiJson, ApiQuery};
use crate::session::{ApiActor, MaybeActor};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(parse_notice))
        .routes(routes!(list_campaigns, create_campaign))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(create_campaign_from_file))
                .layer(axum::extract::DefaultBodyLimit::max(64 << 20)),
        )
        .routes(routes!(get_campaign, update_campaign))
        .routes(routes!(set_recipients))
        .routes(routes!(publish_campaign))
        .routes(routes!(close_campaign))
        .routes(routes!(clone_campaign))
        .routes(routes!(list_tasks))
        .routes(routes!(list_public_notices))
        .routes(routes!(get_public_notice))
        .routes(routes!(list_notifications))
        .routes(routes!(read_notifications))
        .routes(routes!(my_work))
        .routes(routes!(sign_receipt))
        .routes(routes!(name_contact))
        .routes(routes!(list_receipts))
}

#[derive(Deserialize, ToSchema)]
pub struct NoticeText {
    /// The notice's whole text.
    pub text: String,
}

/// What the reader found: the structure (as `anjian notice parse --json` prints it), the text it read, and
/// where in that text each value was found.
#[derive(Serialize, ToSchema)]
pub struct NoticeReading {
    #[schema(value_type = Object)]
    pub notice: notice::Notice,
    pub text: String,
    #[schema(value_type = Vec<Object>)]
    pub marks: Vec<notice::Mark>,
}

/// 读取通知：返回结构化内容及每项在原文中的位置（不保存）。
#[utoipa::path(post, path = "/api/v1/notices/parse", tag = "campaigns", request_body = NoticeText,
    responses((status = 200, body = NoticeReading), (status = 422, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
async fn parse_notice(
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<NoticeText>,
) -> Result<Json<NoticeReading>, ApiError> {
    let r = app::campaigns::read_notice(&actor, &body.text)?;
    Ok(Json(NoticeReading { notice: r.notice, text: r.text, marks: r.marks }))
}

#[derive(Serialize, ToSchema)]
pub struct TrackOut {
    pub id: String,
    pub number: String,
    pub title: String,
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeliverableOut {
    pub id: String,
    pub name: String,
    /// plan, summary or other.
    pub kind: String,
    pub due_on: String,
    pub unit_kinds: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DatedOut {
    pub date: String,
    pub what: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContactOut {
    pub name: String,
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReferenceOut {
    pub title: Option<String>,
    pub doc_number: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecipientOut {
    pub id: String,
    pub name: String,
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignOut {
    pub id: String,
    /// draft, published or closed.
    pub status: String,
    pub title: String,
    pub doc_kind: Option<String>,
    pub theme: Option<String>,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub signed_on: Option<String>,
    pub public: bool,
    /// The 主送 phrases of the notice.
    pub recipient_phrases: Vec<String>,
    pub key_dates: Vec<DatedOut>,
    pub contacts: Vec<ContactOut>,
    pub references: Vec<ReferenceOut>,
    pub tracks: Vec<TrackOut>,
    pub deliverables: Vec<DeliverableOut>,
    pub recipients: Vec<RecipientOut>,
    pub source_file_id: Option<String>,
    pub cloned_from: Option<String>,
    pub created_at: String,
    /// The version to send back with an edit (`updated_at` of `PUT /api/v1/campaigns/{id}`).
    pub updated_at: String,
    pub published_at: Option<String>,
    pub closed_at: Option<String>,
}

impl From<&Campaign> for CampaignOut {
    fn from(c: &Campaign) -> Self {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        CampaignOut {
            id: c.id.to_string(),
            status: c.status.as_str().into(),
            title: c.title.clone(),
            doc_kind: c.doc_kind.clone(),
            theme: c.theme.clone(),
            doc_number: c.doc_number.clone(),
            issuer: c.issuer.clone(),
            period_start: day(c.period_start),
            period_end: day(c.period_end),
            signed_on: day(c.signed_on),
            public: c.public,
            recipient_phrases: c.recipient_phrases.clone(),
            key_dates: c
                .key_dates
                .iter()
                .map(|k| DatedOut { date: k.date.to_string(), what: k.what.clone() })
                .collect(),
            contacts: c.contacts.iter().map(|p| ContactOut { name: p.name.clone(), phone: p.phone.clone() }).collect(),
            references: c
                .references
                .iter()
                .map(|r| ReferenceOut { title: r.title.clone(), doc_number: r.doc_number.clone() })
                .collect(),
            tracks: c
                .tracks
                .iter()
                .map(|t| TrackOut {
                    id: t.id.to_string(),
                    number: t.number.clone(),
                    title: t.title.clone(),
                    body: t.body.clone(),
                })
                .collect(),
            deliverables: c
                .deliverables
                .iter()
                .map(|d| DeliverableOut {
                    id: d.id.to_string(),
                    name: d.name.clone(),
                    kind: d.kind.clone(),
                    due_on: d.due_on.to_string(),
                    unit_kinds: d.kinds().map(str::to_owned).collect(),
                })
                .collect(),
            recipients: c
                .recipients
                .iter()
                .map(|r| RecipientOut { id: r.id.to_string(), name: r.name.clone(), kind: r.kind.clone() })
                .collect(),
            source_file_id: c.source_file_id.map(|f| f.to_string()),
            cloned_from: c.cloned_from.map(|f| f.to_string()),
            created_at: c.created_at.to_rfc3339(),
            updated_at: c.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            published_at: c.published_at.map(|t| t.to_rfc3339()),
            closed_at: c.closed_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignLine {
    pub id: String,
    pub title: String,
    pub status: String,
    /// The town that runs it.
    pub authority_name: String,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub public: bool,
    pub recipients: i64,
    pub tasks: i64,
    pub created_at: String,
    pub published_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignPage {
    pub items: Vec<CampaignLine>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

fn page_of(p: app::Page<store::campaigns::CampaignSummary>) -> CampaignPage {
    CampaignPage {
        items: p
            .items
            .iter()
            .map(|s| CampaignLine {
                id: s.id.to_string(),
                title: s.title.clone(),
                status: s.status.clone(),
                authority_name: s.authority_name.clone(),
                period_start: s.period_start.map(|d| d.to_string()),
                period_end: s.period_end.map(|d| d.to_string()),
                public: s.public,
                recipients: s.recipients,
                tasks: s.tasks,
                created_at: s.created_at.to_rfc3339(),
                published_at: s.published_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CampaignListQuery {
    /// draft, published, closed or all (default).
    pub status: Option<String>,
    pub page: Option<i64>,
}

/// 活动列表（本镇；区县账号含所辖各镇；联络员只见发给本单位的活动）。
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(CampaignListQuery),
    responses((status = 200, body = CampaignPage), (status = 403, body = crate::api::ErrorBody)))]
async fn list_campaigns(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CampaignListQuery>,
) -> Result<Json<CampaignPage>, ApiError> {
    let p = app::campaigns::list_campaigns(&state.app, &actor, q.status.as_deref(), q.page).await?;
    Ok(Json(page_of(p)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCampaign {
    /// The notice's text: the draft is read from it.
    pub text: Option<String>,
    /// Without a notice: the name of an empty draft.
    pub title: Option<String>,
}

/// 新建活动草稿：给出通知全文（text）则读取生成，否则按名称（title）建空白草稿。
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = NewCampaign,
    responses((status = 201, body = CampaignOut), (status = 422, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
async fn create_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<NewCampaign>,
) -> Result<(StatusCode, Json<CampaignOut>), ApiError> {
    let id = match (&body.text, &body.title) {
        (Some(text), _) => app::campaigns::create_from_notice(&state.app, &actor, text, None).await?,
        (None, Some(title)) => app::campaigns::create_blank(&state.app, &actor, title).await?,
        (None, None) => {
            return Err(app::Error::invalid("text", "required", "请给出通知全文（text）或活动名称（title）").into());
        }
    };
    let c = app::campaigns::get_campaign(&state.app, &actor, id).await?;
    Ok((StatusCode::CREATED, Json(CampaignOut::from(&c))))
}

/// 上传通知文件（.docx 或文本，multipart 字段 file）生成活动草稿，原始文件随活动保存。
#[utoipa::path(post, path = "/api/v1/campaigns/from-file", tag = "campaigns",
    request_body(content_type = "multipart/form-data", description = "字段 file：通知文件"),
    responses((status = 201, body = CampaignOut), (status = 422, body = crate::api::ErrorBody), (status = 413, body = crate::api::ErrorBody)))]
async fn create_campaign_from_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    form: Multipart,
) -> Result<(StatusCode, Json<CampaignOut>), ApiError> {
    if !actor.role.organises_campaigns() {
        return Err(app::Error::Forbidden.into());
    }
    let received = crate::upload::receive_notice(form, state.app.config.import_max_mib << 20).await?;
    let (name, bytes) = received.file.ok_or_else(|| app::Error::invalid("file", "required", "请选择通知文件"))?;
    let id = app::campaigns::create_from_file(&state.app, &actor, &name, &bytes).await?;
    let c = app::campaigns::get_campaign(&state.app, &actor, id).await?;
    Ok((StatusCode::CREATED, Json(CampaignOut::from(&c))))
}

/// 活动详情。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignOut), (status = 404, body = crate::api::ErrorBody)))]
async fn get_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<CampaignOut>, ApiError> {
    let c = app::campaigns::get_campaign(&state.app, &actor, id).await?;
    Ok(Json(CampaignOut::from(&c)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct TrackBody {
    /// Empty or absent for a new track.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub number: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct DeliverableBody {
    /// Empty or absent for a new deliverable.
    #[serde(default)]
    pub id: String,
    pub name: String,
    /// YYYY-MM-DD.
    pub due_on: String,
    /// department, community, village, school, institution, enterprise.
    pub unit_kinds: Vec<String>,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct DatedBody {
    pub date: String,
    pub what: String,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ContactBody {
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ReferenceBody {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub doc_number: String,
}

/// The whole editable campaign; lists replace what is there (keep `id`s to edit rows in place).
#[derive(Deserialize, ToSchema, Default)]
pub struct CampaignBody {
    /// The `updated_at` of the campaign this edit starts from: if someone saved since, the edit is refused
    /// (409 `campaign_changed`) instead of undoing theirs. Omit it to overwrite.
    #[serde(default)]
    pub updated_at: Option<String>,
    pub title: String,
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub period_start: String,
    #[serde(default)]
    pub period_end: String,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub tracks: Vec<TrackBody>,
    #[serde(default)]
    pub deliverables: Vec<DeliverableBody>,
    #[serde(default)]
    pub key_dates: Vec<DatedBody>,
    #[serde(default)]
    pub contacts: Vec<ContactBody>,
    #[serde(default)]
    pub references: Vec<ReferenceBody>,
}

impl CampaignBody {
    fn input(self) -> CampaignInput {
        CampaignInput {
            title: self.title,
            theme: self.theme,
            doc_number: self.doc_number,
            issuer: self.issuer,
            period_start: self.period_start,
            period_end: self.period_end,
            signed_on: self.signed_on,
            public: self.public,
            tracks: self
                .tracks
                .into_iter()
                .map(|t| TrackInput { id: t.id, number: t.number, title: t.title, body: t.body })
                .collect(),
            deliverables: self
                .deliverables
                .into_iter()
                .map(|d| DeliverableInput { id: d.id, name: d.name, due_on: d.due_on, unit_kinds: d.unit_kinds })
                .collect(),
            key_dates: self.key_dates.into_iter().map(|k| KeyDateInput { date: k.date, what: k.what }).collect(),
            contacts: self.contacts.into_iter().map(|c| ContactInput { name: c.name, phone: c.phone }).collect(),
            references: self
                .references
                .into_iter()
                .map(|r| ReferenceInput { title: r.title, doc_number: r.doc_number })
                .collect(),
        }
    }
}

/// 修改活动（整体替换；已发布活动修改截止日期会同步调整任务）。
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = String, Path)), request_body = CampaignBody,
    responses((status = 200, body = CampaignOut), (status = 422, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
async fn update_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<CampaignBody>,
) -> Result<Json<CampaignOut>, ApiError> {
    let seen = match body.updated_at.as_deref() {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|_| app::Error::invalid("updated_at", "invalid", "updated_at 应为 RFC 3339 时间"))?
                .with_timezone(&chrono::Utc),
        ),
        None => None,
    };
    app::campaigns::update_campaign(&state.app, &actor, id, &body.input(), seen).await?;
    let c = app::campaigns::get_campaign(&state.app, &actor, id).await?;
    Ok(Json(CampaignOut::from(&c)))
}

#[derive(Deserialize, ToSchema)]
pub struct RecipientsBody {
    pub unit_ids: Vec<String>,
}

/// 设置接收单位（整体替换）；已发布活动新增的单位随即生成任务。
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/recipients", tag = "campaigns", params(("id" = String, Path)), request_body = RecipientsBody,
    responses((status = 200, body = CampaignOut), (status = 422, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn set_recipients(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<RecipientsBody>,
) -> Result<Json<CampaignOut>, ApiError> {
    app::campaigns::set_recipients(&state.app, &actor, id, &body.unit_ids).await?;
    let c = app::campaigns::get_campaign(&state.app, &actor, id).await?;
    Ok(Json(CampaignOut::from(&c)))
}

#[derive(Serialize, ToSchema)]
pub struct PublishResult {
    pub units: usize,
    /// Tasks created by this call (0 when published again).
    pub tasks_created: u64,
    pub liaisons_notified: u64,
}

/// 发布活动：为每个接收单位按报送要求生成任务并通知联络员；重复发布不会重复生成。
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/publish", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = PublishResult), (status = 422, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn publish_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<PublishResult>, ApiError> {
    let p = app::campaigns::publish(&state.app, &actor, id).await?;
    Ok(Json(PublishResult { units: p.units, tasks_created: p.tasks_created, liaisons_notified: p.liaisons_notified }))
}

/// 结束活动。
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/close", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignOut), (status = 409, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn close_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<CampaignOut>, ApiError> {
    app::campaigns::close(&state.app, &actor, id).await?;
    let c = app::campaigns::get_campaign(&state.app, &actor, id).await?;
    Ok(Json(CampaignOut::from(&c)))
}

#[derive(Deserialize, ToSchema)]
pub struct CloneBody {
    pub year: i32,
    /// The new theme; empty keeps the old one.
    #[serde(default)]
    pub theme: String,
}

/// 复制为新一年的活动（日期按年顺延，主题可替换），返回新草稿。
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/clone", tag = "campaigns", params(("id" = String, Path)), request_body = CloneBody,
    responses((status = 201, body = CampaignOut), (status = 422, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn clone_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<CloneBody>,
) -> Result<(StatusCode, Json<CampaignOut>), ApiError> {
    let new_id = app::campaigns::clone_campaign(&state.app, &actor, id, body.year, &body.theme).await?;
    let c = app::campaigns::get_campaign(&state.app, &actor, new_id).await?;
    Ok((StatusCode::CREATED, Json(CampaignOut::from(&c))))
}

#[derive(Serialize, ToSchema)]
pub struct TaskOut {
    pub id: String,
    pub deliverable_id: String,
    pub deliverable: String,
    pub unit_id: String,
    pub unit_name: String,
    pub unit_kind: String,
    pub due_on: String,
    pub status: String,
}

/// 活动的任务（联络员只见本单位的）。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/tasks", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = Vec<TaskOut>), (status = 404, body = crate::api::ErrorBody)))]
async fn list_tasks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<Vec<TaskOut>>, ApiError> {
    let tasks = app::campaigns::tasks(&state.app, &actor, id).await?;
    Ok(Json(
        tasks
            .into_iter()
            .map(|t| TaskOut {
                id: t.id.to_string(),
                deliverable_id: t.deliverable_id.to_string(),
                deliverable: t.deliverable,
                unit_id: t.unit_id.to_string(),
                unit_name: t.unit_name,
                unit_kind: t.unit_kind,
                due_on: t.due_on.to_string(),
                status: t.status,
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct PageParam {
    pub page: Option<i64>,
}

/// 公开通知列表（无需登录）。
#[utoipa::path(get, path = "/api/v1/public/notices", tag = "public", params(PageParam),
    responses((status = 200, body = CampaignPage)))]
async fn list_public_notices(
    State(state): State<AppState>,
    _caller: MaybeActor,
    ApiQuery(q): ApiQuery<PageParam>,
) -> Result<Json<CampaignPage>, ApiError> {
    Ok(Json(page_of(app::campaigns::public_notices(&state.app, q.page).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct PublicNotice {
    #[serde(flatten)]
    pub campaign: CampaignOut,
    /// The notice's original text.
    pub text: Option<String>,
}

/// 公开通知详情：原文与结构化要点（无需登录）。
#[utoipa::path(get, path = "/api/v1/public/notices/{id}", tag = "public", params(("id" = String, Path)),
    responses((status = 200, body = PublicNotice), (status = 404, body = crate::api::ErrorBody)))]
async fn get_public_notice(
    State(state): State<AppState>,
    _caller: MaybeActor,
    ApiId(id): ApiId,
) -> Result<Json<PublicNotice>, ApiError> {
    let c = app::campaigns::public_notice(&state.app, id).await?;
    Ok(Json(PublicNotice { campaign: CampaignOut::from(&c), text: c.source_text.clone() }))
}

#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Notifications {
    pub items: Vec<NotificationOut>,
    pub unread: i64,
}

/// 我的消息（最新 50 条）与未读数。
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    responses((status = 200, body = Notifications), (status = 401, body = crate::api::ErrorBody)))]
async fn list_notifications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Notifications>, ApiError> {
    let (rows, unread) = app::campaigns::notifications(&state.app, &actor).await?;
    Ok(Json(Notifications {
        items: rows
            .into_iter()
            .map(|n| NotificationOut {
                id: n.id.to_string(),
                kind: n.kind,
                title: n.title,
                body: n.body,
                link: n.link,
                created_at: n.created_at.to_rfc3339(),
                read: n.read_at.is_some(),
            })
            .collect(),
        unread,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// 全部标为已读。
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications",
    responses((status = 200, body = MarkedRead), (status = 401, body = crate::api::ErrorBody)))]
async fn read_notifications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<MarkedRead>, ApiError> {
    Ok(Json(MarkedRead { marked: app::campaigns::mark_notifications_read(&state.app, &actor).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct DueOut {
    pub task_id: String,
    pub deliverable: String,
    pub due_on: String,
    pub status: String,
    /// Days until the due date; negative when late.
    pub days_left: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignWorkOut {
    pub campaign_id: String,
    pub title: String,
    pub status: String,
    pub signed_at: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub tasks: Vec<DueOut>,
}

/// 我的任务（联络员）：发给本单位的活动、签收与专人、各项任务及剩余天数。
#[utoipa::path(get, path = "/api/v1/my/work", tag = "work",
    responses((status = 200, body = Vec<CampaignWorkOut>), (status = 403, body = crate::api::ErrorBody)))]
async fn my_work(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<CampaignWorkOut>>, ApiError> {
    let work = app::work::my_work(&state.app, &actor).await?;
    Ok(Json(
        work.into_iter()
            .map(|w| CampaignWorkOut {
                campaign_id: w.campaign_id.to_string(),
                title: w.title,
                status: w.status,
                signed_at: w.signed_at.map(|t| t.to_rfc3339()),
                contact_name: w.contact_name,
                contact_phone: w.contact_phone,
                tasks: w
                    .tasks
                    .into_iter()
                    .map(|t| DueOut {
                        task_id: t.task_id.to_string(),
                        deliverable: t.deliverable,
                        due_on: t.due_on.to_string(),
                        status: t.status,
                        days_left: t.days_left,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// 签收通知（联络员，本单位为接收单位）；重复签收不改变签收时间。
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/receipt", tag = "work", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
async fn sign_receipt(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<StatusCode, ApiError> {
    app::work::sign_receipt(&state.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ContactPerson {
    pub name: String,
    pub phone: String,
}

/// 指定本单位的专人（联络员）。
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/contact", tag = "work", params(("id" = String, Path)), request_body = ContactPerson,
    responses((status = 204), (status = 422, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn name_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<ContactPerson>,
) -> Result<StatusCode, ApiError> {
    app::work::name_contact(&state.app, &actor, id, &body.name, &body.phone).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptOut {
    pub unit_id: String,
    pub unit_name: String,
    pub unit_kind: String,
    pub signed_at: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// 各接收单位的签收与专人（工作人员）。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/receipts", tag = "work", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ReceiptOut>), (status = 404, body = crate::api::ErrorBody)))]
async fn list_receipts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<Vec<ReceiptOut>>, ApiError> {
    let rows = app::work::receipts(&state.app, &actor, id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ReceiptOut {
                unit_id: r.unit_id.to_string(),
                unit_name: r.unit_name,
                unit_kind: r.unit_kind,
                signed_at: r.signed_at.map(|t| t.to_rfc3339()),
                contact_name: r.contact_name,
                contact_phone: r.contact_phone,
            })
            .collect(),
    ))
}
