//! Uploading and downloading files through the API.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiId, ApiJson};
use crate::session::ApiActor;

pub fn router() -> OpenApiRouter<AppState> {
    // The upload streams into the file store, which enforces the size limit itself; axum's
    // default 2 MB cap on buffered bodies must not apply to it.
    let upload = OpenApiRouter::new().routes(routes!(upload_file)).layer(axum::extract::DefaultBodyLimit::disable());
    let parts = OpenApiRouter::new()
        .routes(routes!(parts_status, append_part))
        .layer(axum::extract::DefaultBodyLimit::disable());
    OpenApiRouter::new().merge(upload).merge(parts).routes(routes!(download_file)).routes(routes!(begin_parts))
}

impl From<store::files::FileRow> for StoredFile {
    fn from(f: store::files::FileRow) -> Self {
        StoredFile {
            id: f.id.to_string(),
            name: f.original_name,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewUpload {
    /// The file's name (its extension must agree with its content).
    pub name: String,
    /// The whole file's size in bytes.
    pub size: u64,
}

/// An upload in parts: where the next part starts, and the stored file once the last part arrived.
#[derive(Serialize, ToSchema)]
pub struct UploadState {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub offset: u64,
    pub file: Option<StoredFile>,
}

impl From<app::files::PartsState> for UploadState {
    fn from(p: app::files::PartsState) -> Self {
        UploadState { id: p.id.to_string(), name: p.name, size: p.size, offset: p.offset, file: p.file.map(Into::into) }
    }
}

/// 开始分段上传（大视频）：声明文件名和大小，之后用 PATCH 逐段上传；断线后可查询断点继续。
#[utoipa::path(post, path = "/api/v1/uploads", tag = "files", request_body = NewUpload,
    responses((status = 201, body = UploadState), (status = 403, body = crate::api::ErrorBody), (status = 413, body = crate::api::ErrorBody)))]
async fn begin_parts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(b): ApiJson<NewUpload>,
) -> Result<(StatusCode, Json<UploadState>), ApiError> {
    let p = app::files::begin_parts(&state.app, &actor, &b.name, b.size).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// 查询分段上传的断点（下一段的起始字节）；完成后附带已保存的文件。
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "files", params(("id" = String, Path)),
    responses((status = 200, body = UploadState), (status = 404, body = crate::api::ErrorBody)))]
async fn parts_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<UploadState>, ApiError> {
    Ok(Json(app::files::parts_status(&state.app, &actor, id).await?.into()))
}

/// 上传一段：`Upload-Offset` 头为这一段的起始字节（须等于断点）；最后一段完成后文件才保存、才可引用。
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "files",
    params(("id" = String, Path), ("Upload-Offset" = u64, Header, description = "Where this part starts: the offset the server reported")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 200, body = UploadState, description = "Part stored; more to come"), (status = 201, body = UploadState, description = "Last part: the file is stored"),
        (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody),
        (status = 413, body = crate::api::ErrorBody), (status = 415, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
async fn append_part(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<UploadState>), ApiError> {
    let offset = headers.get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let p =
        app::files::append_part(&state.app, &actor, id, offset, body.into_data_stream(), store::files::kinds::EVIDENCE)
            .await?;
    let status = if p.file.is_some() { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(p.into())))
}

#[derive(Serialize, ToSchema)]
pub struct StoredFile {
    pub id: String,
    pub name: String,
    /// Decided from the content, never from the name.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart form for the OpenAPI document only")]
pub struct UploadForm {
    /// A photo, video or document (JPEG, PNG, GIF, WebP, HEIF, MP4, MOV, WebM, PDF, Office, CSV, text).
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// 上传文件（照片、视频、文档）：按内容识别类型，超过大小上限即拒绝。
#[utoipa::path(post, path = "/api/v1/files", tag = "files", request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = StoredFile), (status = 413, body = crate::api::ErrorBody), (status = 415, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
async fn upload_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    form: Multipart,
) -> Result<(StatusCode, Json<StoredFile>), ApiError> {
    let limit = state.app.config.upload_max_mib << 20;
    let received = crate::upload::receive(&state.app, &actor, form, limit, store::files::kinds::EVIDENCE).await?;
    let f = received.file.ok_or_else(|| ApiError(app::Error::invalid("file", "required", "请选择文件")))?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// 下载文件；支持 Range（视频拖动播放）。
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path)),
    responses((status = 200, description = "The file"), (status = 206, description = "One byte range"), (status = 404, body = crate::api::ErrorBody), (status = 416)))]
async fn download_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Ok(crate::upload::download(&state.app, &actor, id, &headers).await?)
}
