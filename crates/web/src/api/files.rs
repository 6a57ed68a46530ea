//! Uploading and downloading files through the API.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiId;
use crate::session::ApiActor;

pub fn router() -> OpenApiRouter<AppState> {
    // The upload streams into the file store, which enforces the size limit itself; axum's
    // default 2 MB cap on buffered bodies must not apply to it.
    let upload = OpenApiRouter::new().routes(routes!(upload_file)).layer(axum::extract::DefaultBodyLimit::disable());
    OpenApiRouter::new().merge(upload).routes(routes!(download_file))
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
    Ok((
        StatusCode::CREATED,
        Json(StoredFile {
            id: f.id.to_string(),
            name: f.original_name,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
        }),
    ))
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
