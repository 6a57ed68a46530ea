//! Receiving multipart uploads (streamed to the file store, never buffered whole) and serving
//! stored files back with the right type, `Content-Disposition`, `nosniff` and byte ranges.

use std::collections::HashMap;

use app::auth::Actor;
use app::{App, Error};
use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use store::files::FileRow;
use uuid::Uuid;

/// The uploaded file (the first file field) and the form's other fields.
pub struct Received {
    pub file: Option<FileRow>,
    pub fields: HashMap<String, String>,
}

/// Reads a multipart form: text fields (each at most 4 KiB) and one file, streamed into the store.
pub async fn receive(
    app: &App,
    actor: &Actor,
    form: Multipart,
    limit: u64,
    allowed: &[&str],
) -> Result<Received, Error> {
    let got = receive_files(app, actor, form, Limits { file_bytes: limit, files: 1, text_bytes: 4096 }, allowed).await;
    match got.error {
        Some(e) => Err(e),
        None => Ok(Received { file: got.files.into_iter().next(), fields: got.fields.into_iter().collect() }),
    }
}

/// What a form may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per file.
    pub file_bytes: u64,
    pub files: usize,
    /// Per text field.
    pub text_bytes: usize,
}

/// A multipart form as far as it was read: the files stored (complete, each with its row), the text
/// fields in order (a name may repeat), and why reading stopped early, if it did. Files stored before
/// a failure are kept, so that the form can offer them again instead of asking for them twice.
pub struct ReceivedFiles {
    pub files: Vec<FileRow>,
    pub fields: Vec<(String, String)>,
    pub error: Option<Error>,
}

impl ReceivedFiles {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The files the form names: uploaded before (`file_id` fields, e.g. in parts) and carried now.
    pub fn file_ids(&self) -> Result<Vec<Uuid>, Error> {
        let mut ids = Vec::new();
        for f in self.all("file_id") {
            ids.push(f.trim().parse().map_err(|_| Error::invalid("file_id", "invalid", "文件编号无效"))?);
        }
        ids.extend(self.files.iter().map(|f| f.id));
        Ok(ids)
    }

    /// The same files as rows the caller may read, to offer again when the form fails: nothing uploaded
    /// is asked for twice. Ids that do not parse or name someone else's file are left out.
    pub async fn kept(&self, app: &App, actor: &Actor) -> Vec<FileRow> {
        let mut kept = Vec::new();
        for f in self.all("file_id").filter_map(|s| s.trim().parse::<Uuid>().ok()) {
            if let Ok(file) = app::files::get_file(app, actor, f).await {
                kept.push(file);
            }
        }
        kept.extend(self.files.iter().cloned());
        kept
    }
}

/// Reads a multipart form with any number of files (up to `limits.files`), each streamed into the store.
pub async fn receive_files(
    app: &App,
    actor: &Actor,
    mut form: Multipart,
    limits: Limits,
    allowed: &[&str],
) -> ReceivedFiles {
    let mut out = ReceivedFiles { files: Vec::new(), fields: Vec::new(), error: None };
    if let Err(e) = read_parts(app, actor, &mut form, limits, allowed, &mut out).await {
        out.error = Some(e);
    }
    out
}

async fn read_parts(
    app: &App,
    actor: &Actor,
    form: &mut Multipart,
    limits: Limits,
    allowed: &[&str],
    out: &mut ReceivedFiles,
) -> Result<(), Error> {
    let sink = Stored { app, actor, allowed, limit: limits.file_bytes };
    read_multipart(form, limits, "file", &mut out.fields, &mut out.files, &sink).await
}

/// Where the files of a form go: streamed into an upload, then kept as something.
trait FileSink {
    type File;
    async fn begin(&self) -> Result<store::files::Upload, Error>;
    async fn finish(&self, upload: store::files::Upload, name: &str) -> Result<Self::File, Error>;
}

/// Into the store, each with its row (a signed-in caller's evidence).
struct Stored<'a> {
    app: &'a App,
    actor: &'a Actor,
    allowed: &'a [&'a str],
    limit: u64,
}

impl FileSink for Stored<'_> {
    type File = FileRow;

    async fn begin(&self) -> Result<store::files::Upload, Error> {
        app::files::begin_upload(self.app, self.actor, self.limit).await
    }

    async fn finish(&self, upload: store::files::Upload, name: &str) -> Result<FileRow, Error> {
        app::files::commit_upload(self.app, self.actor, upload, name, self.allowed).await
    }
}

/// Into temp files, to be cleaned before they are stored (a reporter's photos).
struct Raw<'a> {
    app: &'a App,
    allowed: &'a [&'a str],
    limit: u64,
}

impl FileSink for Raw<'_> {
    type File = store::files::RawFile;

    async fn begin(&self) -> Result<store::files::Upload, Error> {
        self.app.files.begin(self.limit).await.map_err(Error::Upload)
    }

    async fn finish(&self, upload: store::files::Upload, name: &str) -> Result<store::files::RawFile, Error> {
        Ok(upload.finish_raw(name, self.allowed).await?)
    }
}

/// The one loop over a multipart form: text fields (each at most `limits.text_bytes`) into `fields`, and
/// each file streamed into the sink's upload, then kept as the sink makes it.
/// `field` names the form field a problem is reported on.
async fn read_multipart<S: FileSink>(
    form: &mut Multipart,
    limits: Limits,
    field: &'static str,
    fields: &mut Vec<(String, String)>,
    files: &mut Vec<S::File>,
    sink: &S,
) -> Result<(), Error> {
    let bad = |m: String| Error::invalid(field, "bad_form", m);
    let too_large = || Error::Upload(store::files::UploadError::TooLarge { limit: limits.file_bytes });
    loop {
        let part = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(bad(format!("表单数据不完整：{}", e.body_text()))),
        };
        let name = part.name().unwrap_or("").to_owned();
        match part.file_name().map(str::to_owned) {
            Some(file_name) => {
                if !file_name.is_empty() && files.len() >= limits.files {
                    return Err(if limits.files == 1 {
                        bad("一次只能上传一个文件".into())
                    } else {
                        bad(format!("一次最多上传 {} 个文件", limits.files))
                    });
                }
                let mut upload = sink.begin().await?;
                let mut part = part;
                loop {
                    match part.chunk().await {
                        Ok(Some(chunk)) => upload.write(&chunk).await?,
                        Ok(None) => break,
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                        Err(e) => return Err(bad(format!("上传中断：{}", e.body_text()))),
                    }
                }
                if file_name.is_empty() {
                    // A file input left empty still sends a part with no name and no bytes.
                    continue;
                }
                files.push(sink.finish(upload, &file_name).await?);
            }
            None => {
                let text = part.text().await.map_err(|e| bad(format!("表单数据不完整：{}", e.body_text())))?;
                if text.len() > limits.text_bytes {
                    return Err(bad(format!("字段 {name} 过长")));
                }
                fields.push((name, text));
            }
        }
    }
    Ok(())
}

/// A form from someone who is not signed in (a hazard report): text fields, and files received but not
/// stored — they are cleaned first. The error says why reading stopped; nothing was stored.
pub struct RawForm {
    pub files: Vec<store::files::RawFile>,
    pub fields: Vec<(String, String)>,
}

impl RawForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

/// Reads a multipart form whose files are to be processed before they are stored. When reading stops
/// early the error comes with the fields read so far, so the form can show what was typed.
pub async fn receive_raw(app: &App, mut form: Multipart, limits: Limits, allowed: &[&str]) -> (RawForm, Option<Error>) {
    let mut out = RawForm { files: Vec::new(), fields: Vec::new() };
    let error = read_raw(app, &mut form, limits, allowed, &mut out).await.err();
    (out, error)
}

async fn read_raw(
    app: &App,
    form: &mut Multipart,
    limits: Limits,
    allowed: &[&str],
    out: &mut RawForm,
) -> Result<(), Error> {
    let sink = Raw { app, allowed, limit: limits.file_bytes };
    read_multipart(form, limits, "files", &mut out.fields, &mut out.files, &sink).await
}

/// A notice as the new-campaign form sends it: pasted text, and perhaps a file (held in memory: a notice
/// is small, and it is read before anything is stored).
pub struct NoticeForm {
    pub text: String,
    pub file: Option<(String, Vec<u8>)>,
}

pub async fn receive_notice(mut form: Multipart, limit: u64) -> Result<NoticeForm, Error> {
    let bad = |field: &'static str, m: String| Error::invalid(field, "bad_form", m);
    let too_large = || Error::Upload(store::files::UploadError::TooLarge { limit });
    let mut out = NoticeForm { text: String::new(), file: None };
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(bad("file", format!("表单数据不完整：{}", e.body_text()))),
        };
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let cap = if file_name.is_some() { limit } else { app::campaigns::MAX_PASTE_BYTES as u64 };
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > cap {
                        return Err(if file_name.is_some() {
                            too_large()
                        } else {
                            Error::invalid("text", "too_long", "粘贴的文字超过 2 MB，不像一份通知")
                        });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(e) => return Err(bad("file", format!("上传中断：{}", e.body_text()))),
            }
        }
        match (name.as_str(), file_name) {
            // A file input left empty still sends a part with no name and no bytes.
            ("file", Some(f)) if !f.is_empty() || !bytes.is_empty() => out.file = Some((f, bytes)),
            ("file", _) => {}
            ("text", None) => {
                out.text = String::from_utf8(bytes).map_err(|_| bad("text", "粘贴的文字不是有效的 UTF-8".into()))?
            }
            _ => {}
        }
    }
    Ok(out)
}

/// One byte range of a file of `size` bytes, from a `Range` header; `Err` when unsatisfiable.
/// Several ranges, or a header that does not parse, fall back to the whole file.
fn requested_range(headers: &HeaderMap, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(value) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else { return Ok(None) };
    let Ok(parsed) = http_range_header::parse_range_header(value) else { return Ok(None) };
    let Ok(ranges) = parsed.validate(size) else { return Err(()) };
    match ranges.as_slice() {
        [one] => Ok(Some(*one.start()..*one.end() + 1)),
        _ => Ok(None),
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` (the ASCII name for old clients).
fn disposition(name: &str, inline: bool) -> HeaderValue {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    let kind = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

/// Serves a file the caller may read. Images and videos may show inline (the sniffed type is
/// trusted, never the uploader's); everything else downloads.
pub async fn download(app: &App, actor: &Actor, id: Uuid, headers: &HeaderMap) -> Result<Response, Error> {
    let file = app::files::get_file(app, actor, id).await?;
    let size = u64::try_from(file.size).map_err(|e| Error::Internal(e.to_string()))?;
    let inline = file.content_type.starts_with("image/") || file.content_type.starts_with("video/");
    serve_blob(app, &file.sha256, size, &file.content_type, &file.original_name, inline, headers).await
}

/// A photo's thumbnail, for whoever may read the photo; "not found" until it has been made.
pub async fn thumbnail(app: &App, actor: &Actor, id: Uuid, headers: &HeaderMap) -> Result<Response, Error> {
    let file = app::files::get_file(app, actor, id).await?;
    let meta = store::files::meta(&app.db, file.id).await?;
    let Some(sha) = meta.and_then(|m| m.thumb_sha256) else { return Err(Error::NotFound) };
    let size = app.files.size_of(&sha).await.map_err(|e| Error::Internal(format!("thumb {sha}: {e}")))?;
    serve_blob(app, &sha, size, store::files::kinds::JPEG, &format!("缩略图-{}", file.original_name), true, headers)
        .await
}

async fn serve_blob(
    app: &App,
    sha256: &str,
    size: u64,
    content_type: &str,
    name: &str,
    inline: bool,
    headers: &HeaderMap,
) -> Result<Response, Error> {
    let range = match requested_range(headers, size) {
        Ok(r) => r,
        Err(()) => {
            let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(res);
        }
    };
    let stream =
        app.files.read(sha256, range.clone()).await.map_err(|e| Error::Internal(format!("blob {sha256}: {e}")))?;
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_DISPOSITION, disposition(name, inline));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=0, must-revalidate"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{sha256}\"")) {
        h.insert(header::ETAG, v);
    }
    match range {
        Some(r) => {
            *res.status_mut() = StatusCode::PARTIAL_CONTENT;
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", r.start, r.end - 1)) {
                h.insert(header::CONTENT_RANGE, v);
            }
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(r.end - r.start));
        }
        None => {
            res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        }
    }
    Ok(res)
}

/// A workbook as a download, named in Chinese.
pub fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    attachment_response(name, store::files::kinds::XLSX, bytes)
}

/// A document made for this download (a workbook, a notice): a file to save, never cached.
pub fn attachment_response(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let name = app::files::clean_file_name(name);
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    let ascii = if content_type == store::files::kinds::XLSX { "board.xlsx" } else { "document.docx" };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(v: &'static str, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_static(v));
        requested_range(&h, size)
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(range("bytes=-5", 100), Ok(Some(95..100)));
        assert_eq!(range("bytes=200-300", 100), Err(()));
        assert_eq!(range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(range("pages=1", 100), Ok(None));
    }

    #[test]
    fn dispositions_carry_chinese_names_safely() {
        let v = disposition("青峰镇\"报告\".pdf", false);
        let s = v.to_str().unwrap();
        assert!(s.starts_with("attachment; filename=\"___"));
        assert!(s.contains("filename*=UTF-8''%E9%9D%92"));
    }
}
