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
    store::files::insert(&mut tx, &row).await?;
    record(
        &mut tx,
        actor,
        "file.upload",
        "file",
        Some(row.id),
        json!({ "name": row.original_name, "size": row.size, "type": row.content_type, "sha256": row.sha256 }),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// A file the caller may read: staff of its authority (or above); a liaison only their own uploads.
pub async fn get_file(app: &App, actor: &Actor, id: Uuid) -> Result<FileRow> {
    let file = store::files::get(&app.db, id).await?.ok_or(Error::NotFound)?;
    let authority = store::units::get(&app.db, file.authority_id).await?.ok_or(Error::NotFound)?;
    let visible = match actor.role {
        Role::Liaison => file.uploaded_by.is_some() && file.uploaded_by == actor.user_id,
        _ => actor.sees(&authority.path),
    };
    if visible { Ok(file) } else { Err(Error::NotFound) }
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
