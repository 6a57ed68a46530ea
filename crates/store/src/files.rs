//! Content-addressed file store behind `object_store`: uploads stream to a temp file while being
//! hashed and sniffed, are fsynced and renamed into place; only then may a database row point at them.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::{GetOptions, GetRange, ObjectStore};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

/// Bytes kept from the start of an upload for sniffing its type.
const SNIFF_LEN: usize = 16 * 1024;

/// Why an upload was refused. Each has a stable code and a Chinese message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UploadError {
    #[error("file larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("empty file")]
    Empty,
    #[error("file type {found} is not accepted here")]
    TypeNotAllowed { found: String },
    #[error("the file name says .{ext} but the content is {found}")]
    TypeMismatch { ext: String, found: String },
    #[error("could not store the file: {0}")]
    Io(String),
}

impl UploadError {
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::TooLarge { .. } => "file_too_large",
            UploadError::Empty => "file_empty",
            UploadError::TypeNotAllowed { .. } => "file_type_not_allowed",
            UploadError::TypeMismatch { .. } => "file_type_mismatch",
            UploadError::Io(_) => "file_store_failed",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            UploadError::TooLarge { limit } => format!("文件超过大小上限（{}）", human_size(*limit)),
            UploadError::Empty => "文件是空的".to_owned(),
            UploadError::TypeNotAllowed { found } => format!("不接受此类文件（识别为 {found}）"),
            UploadError::TypeMismatch { ext, found } => {
                format!("文件内容与扩展名不符：扩展名为 .{ext}，内容识别为 {found}")
            }
            UploadError::Io(_) => "文件保存失败，请稍后重试".to_owned(),
        }
    }
}

impl From<io::Error> for UploadError {
    fn from(e: io::Error) -> Self {
        UploadError::Io(e.to_string())
    }
}

pub fn human_size(n: u64) -> String {
    if n >= 1 << 30 {
        format!("{:.1} GB", n as f64 / (1u64 << 30) as f64)
    } else if n >= 1 << 20 {
        format!("{} MB", n >> 20)
    } else if n >= 1 << 10 {
        format!("{} KB", n >> 10)
    } else {
        format!("{n} B")
    }
}

/// Content types Anjian accepts, grouped by what a route wants.
pub mod kinds {
    pub const JPEG: &str = "image/jpeg";
    pub const PNG: &str = "image/png";
    pub const GIF: &str = "image/gif";
    pub const WEBP: &str = "image/webp";
    pub const HEIF: &str = "image/heif";
    pub const MP4: &str = "video/mp4";
    pub const MOV: &str = "video/quicktime";
    pub const WEBM: &str = "video/webm";
    pub const PDF: &str = "application/pdf";
    pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    pub const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    pub const DOC: &str = "application/msword";
    pub const XLS: &str = "application/vnd.ms-excel";
    pub const CSV: &str = "text/csv";
    pub const TEXT: &str = "text/plain";

    /// Photos, videos and documents: evidence and attachments.
    pub const EVIDENCE: &[&str] =
        &[JPEG, PNG, GIF, WEBP, HEIF, MP4, MOV, WEBM, PDF, DOCX, XLSX, PPTX, DOC, XLS, CSV, TEXT];
    /// Tables to import.
    pub const SPREADSHEET: &[&str] = &[CSV, XLSX];
    /// Official notices: Word (.docx) or plain text.
    pub const NOTICE: &[&str] = &[DOCX, TEXT];
}

/// Content types an extension may carry; an extension not listed here is judged by content alone.
fn types_for_extension(ext: &str) -> Option<&'static [&'static str]> {
    use kinds::*;
    Some(match ext {
        "jpg" | "jpeg" | "jfif" => &[JPEG],
        "png" => &[PNG],
        "gif" => &[GIF],
        "webp" => &[WEBP],
        "heic" | "heif" => &[HEIF],
        "mp4" | "m4v" => &[MP4, MOV],
        "mov" => &[MOV, MP4],
        "webm" => &[WEBM],
        "pdf" => &[PDF],
        "docx" => &[DOCX],
        "xlsx" => &[XLSX],
        "pptx" => &[PPTX],
        "doc" => &[DOC, XLS],
        "xls" => &[XLS, DOC],
        "csv" => &[CSV, TEXT],
        "txt" => &[TEXT, CSV],
        _ => return None,
    })
}

/// Decides the content type from the first bytes (never from the name), then checks that the
/// name's extension agrees and that the type is in `allowed`.
pub fn sniff(head: &[u8], file_name: &str, allowed: &[&str]) -> Result<&'static str, UploadError> {
    use kinds::*;
    let ext =
        Path::new(file_name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let found: Option<&'static str> = match infer::get(head).map(|t| t.mime_type()) {
        Some("image/jpeg") => Some(JPEG),
        Some("image/png") => Some(PNG),
        Some("image/gif") => Some(GIF),
        Some("image/webp") => Some(WEBP),
        Some("image/heif") => Some(HEIF),
        Some("video/mp4") => Some(MP4),
        Some("video/quicktime") => Some(MOV),
        Some("video/webm") => Some(WEBM),
        Some("application/pdf") => Some(PDF),
        Some(t) if t == DOCX => Some(DOCX),
        Some(t) if t == XLSX => Some(XLSX),
        Some(t) if t == PPTX => Some(PPTX),
        Some("application/msword") => Some(DOC),
        Some("application/vnd.ms-excel") => Some(XLS),
        Some("application/x-ole-storage") if ext == "xls" => Some(XLS),
        Some("application/x-ole-storage") if ext == "doc" => Some(DOC),
        // An OOXML file whose parts come in an order infer does not look for.
        Some("application/zip") if contains(head, b"[Content_Types].xml") => match ext.as_str() {
            "docx" => Some(DOCX),
            "xlsx" => Some(XLSX),
            "pptx" => Some(PPTX),
            _ => None,
        },
        Some(_) => None,
        None if looks_like_text(head) => Some(if ext == "csv" { CSV } else { TEXT }),
        None => None,
    };
    let label = |t: Option<&str>| {
        t.map(str::to_owned)
            .or_else(|| infer::get(head).map(|t| t.mime_type().to_owned()))
            .unwrap_or_else(|| "未知类型".to_owned())
    };
    if let Some(expected) = types_for_extension(&ext)
        && !found.is_some_and(|f| expected.contains(&f))
    {
        return Err(UploadError::TypeMismatch { ext, found: label(found) });
    }
    match found {
        Some(t) if allowed.contains(&t) => Ok(t),
        other => Err(UploadError::TypeNotAllowed { found: label(other) }),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// UTF-8 (a character cut at the end of the sniffed head is fine) or GB18030-ish text without NUL
/// bytes, and not HTML/SVG markup.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    let start = String::from_utf8_lossy(&head[..head.len().min(256)]).trim_start().to_ascii_lowercase();
    valid && !start.starts_with('<')
}

/// A stored blob, named by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub sha256: String,
    pub size: u64,
    pub content_type: &'static str,
}

/// The content-addressed store. Reads go through `object_store`; the local backend renames the
/// finished temp file into place (same file system, so the rename is atomic).
#[derive(Clone, Debug)]
pub struct FileStore {
    objects: Arc<dyn ObjectStore>,
    root: PathBuf,
    tmp: PathBuf,
    /// Uploads in parts that are receiving a part right now.
    busy: Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>,
}

fn object_path(sha256: &str) -> String {
    format!("blobs/{}/{}/{}", &sha256[0..2], &sha256[2..4], sha256)
}

impl FileStore {
    /// Opens (creating) `DATA_DIR/files` and `DATA_DIR/tmp`, and proves the directory is writable.
    pub fn local(data_dir: &Path) -> io::Result<FileStore> {
        let root = data_dir.join("files");
        let tmp = data_dir.join("tmp");
        std::fs::create_dir_all(&root)?;
        std::fs::create_dir_all(&tmp)?;
        let probe = tmp.join(format!(".probe-{}", Uuid::new_v4()));
        std::fs::write(&probe, b"ok")?;
        std::fs::remove_file(&probe)?;
        let objects = LocalFileSystem::new_with_prefix(&root).map_err(io::Error::other)?;
        Ok(FileStore { objects: Arc::new(objects), root, tmp, busy: Arc::default() })
    }

    /// Removes temp files left by a crash mid-upload (none of them is referenced by a row).
    pub fn sweep_temp(&self) -> io::Result<usize> {
        let mut n = 0;
        for entry in std::fs::read_dir(&self.tmp)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with("upload-") {
                std::fs::remove_file(entry.path())?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Starts an upload that refuses to grow beyond `limit` bytes.
    pub async fn begin(&self, limit: u64) -> Result<Upload, UploadError> {
        let path = self.tmp.join(format!("upload-{}", Uuid::new_v4()));
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok(Upload {
            file: Some(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            limit,
            head: Vec::with_capacity(SNIFF_LEN),
            store: self.clone(),
        })
    }

    /// Reads a blob, or one byte range of it.
    pub async fn read(
        &self,
        sha256: &str,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, io::Result<Bytes>>, io::Error> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a sha256"));
        }
        let opts = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        let got = self.objects.get_opts(&object_path(sha256).into(), opts).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
            other => io::Error::other(other),
        })?;
        Ok(got.into_stream().map(|r| r.map_err(io::Error::other)).boxed())
    }

    fn final_path(&self, sha256: &str) -> PathBuf {
        self.root.join(object_path(sha256))
    }

    /// The size of a stored blob.
    pub async fn size_of(&self, sha256: &str) -> io::Result<u64> {
        Ok(tokio::fs::metadata(self.final_path(sha256)).await?.len())
    }

    /// A whole blob in memory, if it is at most `cap` bytes (photos to read, never videos).
    pub async fn read_small(&self, sha256: &str, cap: u64) -> io::Result<Option<Vec<u8>>> {
        let path = self.final_path(sha256);
        if tokio::fs::metadata(&path).await?.len() > cap {
            return Ok(None);
        }
        tokio::fs::read(&path).await.map(Some)
    }

    /// Stores bytes made here (a thumbnail) as a blob of the given type.
    pub async fn put(&self, bytes: &[u8], name: &str, allowed: &[&str]) -> Result<Blob, UploadError> {
        let mut up = self.begin(bytes.len() as u64).await?;
        up.write(bytes).await?;
        up.finish(name, allowed).await
    }

    /// Where the parts of an upload in parts gather.
    fn part_path(&self, id: Uuid) -> PathBuf {
        self.tmp.join(format!("part-{id}"))
    }

    /// Bytes of an upload in parts received so far (0 before the first part).
    pub async fn part_len(&self, id: Uuid) -> io::Result<u64> {
        match tokio::fs::metadata(self.part_path(id)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Appends one part that starts at `offset` (where the bytes so far end) and may not run past `size`.
    /// What arrived is fsynced even when the connection drops mid-part, so the next part resumes from
    /// the true length. Returns that length.
    pub async fn append_part<S, E>(&self, id: Uuid, offset: u64, size: u64, mut part: S) -> Result<u64, PartError>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let Some(_guard) = PartGuard::take(&self.busy, id) else { return Err(PartError::Busy) };
        let path = self.part_path(id);
        let mut file = tokio::fs::OpenOptions::new().create(true).append(true).open(&path).await?;
        let mut len = file.metadata().await?.len();
        if len != offset {
            return Err(PartError::Offset { expected: len });
        }
        let mut failed = None;
        while let Some(chunk) = part.next().await {
            match chunk {
                Ok(bytes) => {
                    if len + bytes.len() as u64 > size {
                        failed = Some(PartError::PastEnd { size });
                        break;
                    }
                    file.write_all(&bytes).await?;
                    len += bytes.len() as u64;
                }
                Err(e) => {
                    failed = Some(PartError::Interrupted(e.to_string()));
                    break;
                }
            }
        }
        file.flush().await?;
        file.sync_all().await?;
        match failed {
            Some(e) => Err(e),
            None => Ok(len),
        }
    }

    /// Turns a complete upload in parts into a blob: hashed, sniffed against `allowed`, moved into place.
    /// A refused file is deleted.
    pub async fn finish_parts(&self, id: Uuid, file_name: &str, allowed: &[&str]) -> Result<Blob, UploadError> {
        use tokio::io::AsyncReadExt;
        let path = self.part_path(id);
        let hashed = async {
            let mut file = tokio::fs::File::open(&path).await?;
            let mut hasher = Sha256::new();
            let mut head = Vec::with_capacity(SNIFF_LEN);
            let mut buf = vec![0u8; 1 << 20];
            let mut size = 0u64;
            loop {
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                if head.len() < SNIFF_LEN {
                    head.extend_from_slice(&buf[..(SNIFF_LEN - head.len()).min(n)]);
                }
                hasher.update(&buf[..n]);
                size += n as u64;
            }
            Ok::<_, io::Error>((hex::encode(hasher.finalize()), head, size))
        };
        let (sha256, head, size) = hashed.await?;
        let checked = if size == 0 { Err(UploadError::Empty) } else { sniff(&head, file_name, allowed) };
        let content_type = match checked {
            Ok(t) => t,
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                return Err(e);
            }
        };
        let dest = self.final_path(&sha256);
        let dir = dest.parent().map(Path::to_path_buf).unwrap_or_default();
        tokio::fs::create_dir_all(&dir).await?;
        if tokio::fs::try_exists(&dest).await? {
            tokio::fs::remove_file(&path).await?;
        } else {
            tokio::fs::rename(&path, &dest).await?;
            tokio::fs::File::open(&dir).await?.sync_all().await?;
        }
        Ok(Blob { sha256, size, content_type })
    }

    /// Deletes the parts of an abandoned upload.
    pub async fn discard_parts(&self, id: Uuid) -> io::Result<()> {
        match tokio::fs::remove_file(self.part_path(id)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Why a part was refused.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    /// The part does not start where the bytes so far end.
    #[error("the part must start at byte {expected}")]
    Offset { expected: u64 },
    #[error("the part runs past the announced size of {size} bytes")]
    PastEnd { size: u64 },
    /// Another part of the same upload is arriving right now.
    #[error("another part of this upload is arriving")]
    Busy,
    #[error("the connection dropped mid-part: {0}")]
    Interrupted(String),
    #[error("could not store the part: {0}")]
    Io(#[from] io::Error),
}

/// Marks an upload in parts as being written; one part at a time.
struct PartGuard {
    busy: Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>,
    id: Uuid,
}

impl PartGuard {
    fn take(busy: &Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>, id: Uuid) -> Option<PartGuard> {
        let mut set = busy.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        set.insert(id).then(|| PartGuard { busy: busy.clone(), id })
    }
}

impl Drop for PartGuard {
    fn drop(&mut self) {
        self.busy.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.id);
    }
}

/// An upload in progress. Dropping it before `finish` deletes the temp file.
#[derive(Debug)]
pub struct Upload {
    file: Option<tokio::fs::File>,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    limit: u64,
    head: Vec<u8>,
    store: FileStore,
}

impl Upload {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(UploadError::TooLarge { limit: self.limit });
        }
        if self.head.len() < SNIFF_LEN {
            let take = (SNIFF_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        match self.file.as_mut() {
            Some(f) => f.write_all(chunk).await?,
            None => return Err(UploadError::Io("upload already finished".into())),
        }
        Ok(())
    }

    /// Sniffs, fsyncs and moves the file into place. After this returns, the blob is durable and a
    /// row may point at it.
    pub async fn finish(mut self, file_name: &str, allowed: &[&str]) -> Result<Blob, UploadError> {
        if self.size == 0 {
            return Err(UploadError::Empty);
        }
        let content_type = sniff(&self.head, file_name, allowed)?;
        let Some(mut file) = self.file.take() else {
            return Err(UploadError::Io("upload already finished".into()));
        };
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let sha256 = hex::encode(self.hasher.clone().finalize());
        let dest = self.store.final_path(&sha256);
        let dir = dest.parent().map(Path::to_path_buf).unwrap_or_default();
        tokio::fs::create_dir_all(&dir).await?;
        if tokio::fs::try_exists(&dest).await? {
            // Same content already stored: keep the existing blob.
            tokio::fs::remove_file(&self.path).await?;
        } else {
            tokio::fs::rename(&self.path, &dest).await?;
            tokio::fs::File::open(&dir).await?.sync_all().await?;
        }
        Ok(Blob { sha256, size: self.size, content_type })
    }
}

impl Upload {
    /// Sniffs and fsyncs the file but keeps it out of the store: it is to be processed first (a
    /// reporter's photo loses its metadata), then stored with [`FileStore::store_path`] or `put`.
    pub async fn finish_raw(mut self, file_name: &str, allowed: &[&str]) -> Result<RawFile, UploadError> {
        if self.size == 0 {
            return Err(UploadError::Empty);
        }
        let content_type = sniff(&self.head, file_name, allowed)?;
        let Some(mut file) = self.file.take() else {
            return Err(UploadError::Io("upload already finished".into()));
        };
        file.flush().await?;
        file.sync_all().await?;
        Ok(RawFile { path: std::mem::take(&mut self.path), size: self.size, content_type })
    }
}

/// A received file waiting to be processed; removed when dropped.
#[derive(Debug)]
pub struct RawFile {
    pub path: PathBuf,
    pub size: u64,
    pub content_type: &'static str,
}

impl Drop for RawFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl FileStore {
    /// Stores a file made here (a processed upload) as a blob of the given type.
    pub async fn store_path(&self, path: &Path, name: &str, allowed: &[&str]) -> Result<Blob, UploadError> {
        use tokio::io::AsyncReadExt;
        let mut f = tokio::fs::File::open(path).await?;
        let mut up = self.begin(f.metadata().await?.len()).await?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            up.write(&buf[..n]).await?;
        }
        up.finish(name, allowed).await
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// One uploaded file as a user sees it: a name, a type, a size, who and when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct FileRow {
    pub id: Uuid,
    pub authority_id: Uuid,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub original_name: String,
    pub uploaded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, f: &FileRow) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO stored_file (id, authority_id, sha256, size, content_type, original_name, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(f.id)
    .bind(f.authority_id)
    .bind(&f.sha256)
    .bind(f.size)
    .bind(&f.content_type)
    .bind(&f.original_name)
    .bind(f.uploaded_by)
    .bind(f.created_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<FileRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, FileRow>(
        "SELECT id, authority_id, sha256, size, content_type, original_name, uploaded_by, created_at \
         FROM stored_file WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// What a photo says about itself, and its thumbnail.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct FileMeta {
    pub file_id: Uuid,
    pub taken_at: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub thumb_sha256: Option<String>,
    pub error: Option<String>,
    pub processed_at: DateTime<Utc>,
}

/// Records (or records again) what was read from a file.
pub async fn save_meta(tx: &mut Tx, m: &FileMeta) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO file_meta (file_id, taken_at, latitude, longitude, width, height, thumb_sha256, error, processed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (file_id) DO UPDATE SET taken_at = excluded.taken_at, \
         latitude = excluded.latitude, longitude = excluded.longitude, width = excluded.width, height = excluded.height, \
         thumb_sha256 = excluded.thumb_sha256, error = excluded.error, processed_at = excluded.processed_at"
    )
    .bind(m.file_id)
    .bind(&m.taken_at)
    .bind(m.latitude)
    .bind(m.longitude)
    .bind(m.width)
    .bind(m.height)
    .bind(&m.thumb_sha256)
    .bind(&m.error)
    .bind(m.processed_at)
    .execute(c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

pub async fn meta(db: &Db, file: Uuid) -> Result<Option<FileMeta>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, FileMeta>(
        "SELECT file_id, taken_at, latitude, longitude, width, height, thumb_sha256, error, processed_at \
         FROM file_meta WHERE file_id = $1"
    )
    .bind(file)
    .fetch_optional(p)
    .await)?)
}

/// An upload in parts: whose, what it will be called, how big it will be, and the stored file once done.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct UploadSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub authority_id: Uuid,
    pub file_name: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub file_id: Option<Uuid>,
}

pub async fn insert_session(tx: &mut Tx, u: &UploadSession) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO upload_session (id, user_id, authority_id, file_name, size, created_at, expires_at, file_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(u.id)
    .bind(u.user_id)
    .bind(u.authority_id)
    .bind(&u.file_name)
    .bind(u.size)
    .bind(u.created_at)
    .bind(u.expires_at)
    .bind(u.file_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn get_session(db: &Db, id: Uuid) -> Result<Option<UploadSession>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as::<_, UploadSession>(
        "SELECT id, user_id, authority_id, file_name, size, created_at, expires_at, file_id FROM upload_session WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await
    })?)
}

/// Records the stored file of a finished upload; false when another request finished it first.
pub async fn finish_session(tx: &mut Tx, id: Uuid, file: Uuid) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query("UPDATE upload_session SET file_id = $2 WHERE id = $1 AND file_id IS NULL")
        .bind(id)
        .bind(file)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn delete_session(db: &Db, id: Uuid) -> Result<()> {
    on_db!(db, |p| sqlx::query("DELETE FROM upload_session WHERE id = $1").bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Unfinished uploads past their expiry: their parts may go.
pub async fn expired_sessions(db: &Db, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Uuid>(
        "SELECT id FROM upload_session WHERE expires_at < $1 AND file_id IS NULL"
    )
    .bind(now)
    .fetch_all(p)
    .await)?)
}

#[cfg(test)]
mod tests {
    use super::kinds::*;
    use super::*;

    const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn a_png_named_png_is_accepted() {
        assert_eq!(sniff(PNG_HEAD, "photo.PNG", EVIDENCE), Ok(PNG));
    }

    #[test]
    fn a_png_named_pdf_is_a_mismatch() {
        assert!(matches!(sniff(PNG_HEAD, "report.pdf", EVIDENCE), Err(UploadError::TypeMismatch { .. })));
    }

    #[test]
    fn html_is_never_accepted_whatever_its_name() {
        let html = b"<html><script>alert(1)</script></html>";
        let found = |e: UploadError| match e {
            UploadError::TypeNotAllowed { found } => ("not allowed", found),
            UploadError::TypeMismatch { found, .. } => ("mismatch", found),
            e => panic!("refused for another reason: {e:?}"),
        };
        assert_eq!(found(sniff(html, "a.txt", EVIDENCE).unwrap_err()), ("mismatch", "text/html".into()));
        for name in ["a", "a.html", "a.htm"] {
            assert_eq!(found(sniff(html, name, EVIDENCE).unwrap_err()), ("not allowed", "text/html".into()), "{name}");
        }
    }

    #[test]
    fn csv_text_is_csv_and_spreadsheets_refuse_photos() {
        assert_eq!(sniff("名称,类型\n胡豆坪村,村\n".as_bytes(), "units.csv", SPREADSHEET), Ok(CSV));
        assert!(matches!(sniff(PNG_HEAD, "x.png", SPREADSHEET), Err(UploadError::TypeNotAllowed { .. })));
    }

    #[test]
    fn text_cut_mid_character_still_counts_as_text() {
        let s = "胡豆坪村".as_bytes();
        assert!(looks_like_text(&s[..s.len() - 1]));
    }

    #[tokio::test]
    async fn an_upload_over_the_limit_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::local(dir.path()).unwrap();
        let mut up = fs.begin(4).await.unwrap();
        assert_eq!(up.write(b"12345").await, Err(UploadError::TooLarge { limit: 4 }));
        drop(up);
        assert_eq!(std::fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_finished_upload_is_named_by_its_hash_and_reads_back_in_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::local(dir.path()).unwrap();
        let mut up = fs.begin(1 << 20).await.unwrap();
        up.write("名称,类型\n".as_bytes()).await.unwrap();
        up.write("胡豆坪村,村\n".as_bytes()).await.unwrap();
        let blob = up.finish("u.csv", SPREADSHEET).await.unwrap();
        assert_eq!(blob.content_type, CSV);
        let whole: Vec<u8> = fs.read(&blob.sha256, None).await.unwrap().map(|b| b.unwrap().to_vec()).concat().await;
        assert_eq!(whole, "名称,类型\n胡豆坪村,村\n".as_bytes());
        let part: Vec<u8> =
            fs.read(&blob.sha256, Some(0..6)).await.unwrap().map(|b| b.unwrap().to_vec()).concat().await;
        assert_eq!(part, "名称".as_bytes());
        assert_eq!(fs.sweep_temp().unwrap(), 0);
    }
}
