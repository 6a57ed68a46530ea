//! Uploaded files: who may upload, recording a finished upload, and who may read it back.

use domain::Role;
use serde_json::json;
use store::files::{FileRow, Upload};
use uuid::Uuid;

use crate::auth::{Actor, record};
use crate::{App, Error, Result};

/// Starts an upload for a caller allowed to upload, capped at `limit` bytes.
pub async fn begin_upload(app: &App, actor: &Actor, limit: u64) -> Result<Upload> {
    if !actor.role.uploads_files() {
        return Err(Error::Forbidden);
    }
    Ok(app.files.begin(limit).await?)
}

/// A file name safe to show and to put in `Content-Disposition`: no directories, no control or
/// direction characters, at most 120 characters. Storage never uses it.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .filter(|c| !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    let cleaned: String = cleaned.chars().take(120).collect();
    if cleaned.is_empty() { "未命名文件".to_owned() } else { cleaned }
}

/// Finishes an upload (sniff, fsync, rename) and then records it: the row never points to a
/// missing or partial file.
pub async fn commit_upload(app: &App, actor: &Actor, upload: Upload, name: &str, allowed: &[&str]) -> Result<FileRow> {
    let name = clean_file_name(name);
    let blob = upload.finish(&name, allowed).await?;
    let row = FileRow {
        id: Uuid::now_v7(),
        authority_id: actor.authority_id,
        sha256: blob.sha256,
        size: i64::try_from(blob.size).map_err(|e| Error::Internal(e.to_string()))?,
        content_type: blob.content_type.to_owned(),
        original_name: name,
        uploaded_by: actor.user_id,
        created_at: store::now(),
    };
    let mut tx = app.db.begin().await?;
    let read = record_file(&mut tx, actor, &row, false).await?;
    tx.commit().await?;
    if read {
        app.jobs_queued.notify_one();
    }
    Ok(row)
}

/// Writes a stored file's row with its audit row, and queues the reading of a photo (EXIF, thumbnail) in
/// the same transaction; true when a reading was queued (the caller wakes the worker after committing).
pub(crate) async fn record_file(tx: &mut store::Tx, actor: &Actor, row: &FileRow, in_parts: bool) -> Result<bool> {
    store::files::insert(tx, row).await?;
    let read = crate::evidence::wants_reading(&row.content_type);
    if read {
        let key = format!("evidence:{}", row.id);
        store::jobs::enqueue(tx, "evidence", &key, &json!({ "file": row.id }), row.created_at, row.created_at).await?;
    }
    record(
        tx,
        actor,
        "file.upload",
        "file",
        Some(row.id),
        json!({ "name": row.original_name, "size": row.size, "type": row.content_type, "sha256": row.sha256,
                "parts": in_parts }),
    )
    .await?;
    Ok(read)
}

/// A file the caller may read: staff of its authority (or above); a liaison their own uploads and their unit's
/// submitted files.
pub async fn get_file(app: &App, actor: &Actor, id: Uuid) -> Result<FileRow> {
    let file = store::files::get(&app.db, id).await?.ok_or(Error::NotFound)?;
    let authority = store::units::get(&app.db, file.authority_id).await?.ok_or(Error::NotFound)?;
    let visible = match actor.role {
        // A liaison reads their own uploads and whatever their unit handed in (a colleague's too).
        Role::Liaison => {
            (file.uploaded_by.is_some() && file.uploaded_by == actor.user_id)
                || match actor.unit_id {
                    Some(unit) => {
                        store::work::file_in_unit_work(&app.db, id, unit).await?
                            || store::activities::file_in_unit_records(&app.db, id, unit).await?
                    }
                    None => false,
                }
        }
        _ => actor.sees(&authority.path),
    };
    if visible { Ok(file) } else { Err(Error::NotFound) }
}

/// How long an unfinished upload in parts may wait for its next part.
const PARTS_KEPT_DAYS: i64 = 7;

/// An upload in parts as its client sees it: how far it got and, once complete, the stored file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartsState {
    pub id: Uuid,
    pub name: String,
    pub size: u64,
    pub offset: u64,
    pub file: Option<FileRow>,
}

/// Starts an upload in parts of `size` bytes; refused at once when the size is over the limit.
pub async fn begin_parts(app: &App, actor: &Actor, name: &str, size: u64) -> Result<PartsState> {
    let Some(user) = actor.user_id.filter(|_| actor.role.uploads_files()) else { return Err(Error::Forbidden) };
    let limit = app.config.upload_max_mib << 20;
    if size == 0 {
        return Err(Error::Upload(store::files::UploadError::Empty));
    }
    if size > limit {
        return Err(Error::Upload(store::files::UploadError::TooLarge { limit }));
    }
    let now = store::now();
    let session = store::files::UploadSession {
        id: Uuid::now_v7(),
        user_id: user,
        authority_id: actor.authority_id,
        file_name: clean_file_name(name),
        size: i64::try_from(size).map_err(|e| Error::Internal(e.to_string()))?,
        created_at: now,
        expires_at: now + chrono::Duration::days(PARTS_KEPT_DAYS),
        file_id: None,
    };
    let mut tx = app.db.begin().await?;
    store::files::insert_session(&mut tx, &session).await?;
    tx.commit().await?;
    Ok(PartsState { id: session.id, name: session.file_name, size, offset: 0, file: None })
}

/// The caller's own upload in parts (anyone else's is "not found").
async fn own_session(app: &App, actor: &Actor, id: Uuid) -> Result<store::files::UploadSession> {
    match store::files::get_session(&app.db, id).await? {
        Some(s) if Some(s.user_id) == actor.user_id => Ok(s),
        _ => Err(Error::NotFound),
    }
}

async fn parts_state(app: &App, s: store::files::UploadSession) -> Result<PartsState> {
    let size = u64::try_from(s.size).map_err(|e| Error::Internal(e.to_string()))?;
    let (offset, file) = match s.file_id {
        Some(f) => (size, store::files::get(&app.db, f).await?),
        None => (app.files.part_len(s.id).await.map_err(|e| Error::Internal(e.to_string()))?, None),
    };
    Ok(PartsState { id: s.id, name: s.file_name, size, offset, file })
}

/// Where an upload in parts stands: the offset the next part starts at.
pub async fn parts_status(app: &App, actor: &Actor, id: Uuid) -> Result<PartsState> {
    let s = own_session(app, actor, id).await?;
    parts_state(app, s).await
}

/// Takes one part starting at `offset` (which the client must name). The part that completes the file stores it (sniffed against
/// `allowed`); until then nothing of it is a file anyone can see or attach.
pub async fn append_part<S, E>(
    app: &App,
    actor: &Actor,
    id: Uuid,
    offset: Option<u64>,
    part: S,
    allowed: &[&str],
) -> Result<PartsState>
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let s = own_session(app, actor, id).await?;
    let Some(offset) = offset else {
        return Err(Error::invalid("upload_offset", "required", "缺少 Upload-Offset 头（这一段的起始字节）"));
    };
    if s.file_id.is_some() {
        return parts_state(app, s).await;
    }
    if s.expires_at < store::now() {
        return Err(Error::Conflict {
            code: "upload_expired", message: "上传已过期，请重新选择文件上传".into()
        });
    }
    let size = u64::try_from(s.size).map_err(|e| Error::Internal(e.to_string()))?;
    use store::files::PartError;
    let len = match app.files.append_part(id, offset, size, part).await {
        Ok(len) => len,
        Err(PartError::Offset { expected }) => {
            return Err(Error::Conflict {
                code: "upload_offset_mismatch",
                message: format!("这一段应从第 {expected} 字节开始，请从断点继续"),
            });
        }
        Err(PartError::PastEnd { size }) => {
            return Err(Error::invalid("upload", "past_end", format!("上传的内容超过了声明的大小（{size} 字节）")));
        }
        Err(PartError::Busy) => {
            return Err(Error::Conflict {
                code: "upload_busy", message: "这个文件的另一段正在上传，请稍候".into()
            });
        }
        Err(PartError::Interrupted(m)) => {
            return Err(Error::invalid("upload", "interrupted", format!("上传中断，可从断点继续：{m}")));
        }
        Err(PartError::Io(e)) => return Err(Error::Internal(e.to_string())),
    };
    if len < size {
        return Ok(PartsState { id, name: s.file_name, size, offset: len, file: None });
    }
    let blob = match app.files.finish_parts(id, &s.file_name, allowed).await {
        Ok(b) => b,
        Err(e) => {
            // The bytes are gone (a refused type); so is the upload.
            store::files::delete_session(&app.db, id).await?;
            return Err(e.into());
        }
    };
    let row = FileRow {
        id: Uuid::now_v7(),
        authority_id: s.authority_id,
        sha256: blob.sha256,
        size: s.size,
        content_type: blob.content_type.to_owned(),
        original_name: s.file_name.clone(),
        uploaded_by: Some(s.user_id),
        created_at: store::now(),
    };
    let mut tx = app.db.begin().await?;
    let read = record_file(&mut tx, actor, &row, true).await?;
    if !store::files::finish_session(&mut tx, id, row.id).await? {
        return Err(Error::Conflict { code: "upload_busy", message: "这个文件已由另一个请求完成".into() });
    }
    tx.commit().await?;
    if read {
        app.jobs_queued.notify_one();
    }
    Ok(PartsState { id, name: s.file_name, size, offset: size, file: Some(row) })
}

/// Deletes the parts of uploads nobody finished in time; how many went.
pub async fn sweep_expired_parts(app: &App) -> Result<usize> {
    let ids = store::files::expired_sessions(&app.db, store::now()).await?;
    for id in &ids {
        app.files.discard_parts(*id).await.map_err(|e| Error::Internal(e.to_string()))?;
        store::files::delete_session(&app.db, *id).await?;
    }
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::clean_file_name;

    #[test]
    fn file_names_lose_directories_and_tricks() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\x\\照片.jpg"), "照片.jpg");
        assert_eq!(clean_file_name("evil\u{202e}gpj.exe"), "evilgpj.exe");
        assert_eq!(clean_file_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_file_name("..."), "未命名文件");
        assert_eq!(clean_file_name(""), "未命名文件");
    }
}
