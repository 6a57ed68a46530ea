//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, GBK as Windows saves it, and Word .docx
//! (the paragraphs of `word/document.xml`, read with a cap so a zip bomb cannot blow up).

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

/// The most text a notice may hold once unpacked (a notice is a few pages; 16 MiB is thousands).
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;
/// A .docx holds a few dozen parts; thousands mean a crafted file.
const MAX_ENTRIES: usize = 5_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not text: it holds binary data")]
    Binary,
    #[error("the file is an old Word document (.doc); save it as .docx or paste its text")]
    OldWord,
    #[error("the file is a PDF; copy its text and paste it")]
    Pdf,
    #[error("the Word document is damaged: {0}")]
    BadDocx(String),
    #[error("the text is larger than {} MiB once unpacked", MAX_TEXT_BYTES / 1024 / 1024)]
    TooLarge,
}

impl ReadError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::Empty => "notice_empty",
            ReadError::Binary => "notice_not_text",
            ReadError::OldWord => "notice_old_word",
            ReadError::Pdf => "notice_pdf",
            ReadError::BadDocx(_) => "notice_bad_docx",
            ReadError::TooLarge => "notice_too_large",
        }
    }

    /// What the user reads.
    pub fn message_zh(&self) -> &'static str {
        match self {
            ReadError::Empty => "文件是空的，没有可读取的内容。",
            ReadError::Binary => "文件不是文本，也不是 Word 文档，无法读取。",
            ReadError::OldWord => "这是旧版 Word 文档（.doc），请另存为 .docx 后上传，或直接粘贴通知文字。",
            ReadError::Pdf => "暂不读取 PDF，请复制其中的文字后粘贴。",
            ReadError::BadDocx(_) => "Word 文档已损坏，无法读取，请重新保存后上传，或直接粘贴通知文字。",
            ReadError::TooLarge => "文档解压后超过 16 MB，不像一份通知，已拒绝读取。",
        }
    }
}

/// The text of a notice file.
pub fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return docx_text(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ReadError::OldWord);
    }
    if bytes.starts_with(b"%PDF") {
        return Err(ReadError::Pdf);
    }
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_TEXT_BYTES {
        return Err(ReadError::TooLarge);
    }
    let text = if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(ReadError::Binary);
        }
        text.into_owned()
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        text.to_owned()
    } else {
        let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(ReadError::Binary);
        }
        text.into_owned()
    };
    check_text(text)
}

fn check_text(text: String) -> Result<String, ReadError> {
    let controls = text.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')).count();
    if controls > 0 && controls * 100 > text.chars().count() {
        return Err(ReadError::Binary);
    }
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).collect())
}

fn docx_text(bytes: &[u8]) -> Result<String, ReadError> {
    let bad = |e: &dyn std::fmt::Display| ReadError::BadDocx(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(&e))?;
    if zip.len() > MAX_ENTRIES {
        return Err(ReadError::BadDocx("too many parts".into()));
    }
    let part = zip.by_name("word/document.xml").map_err(|e| bad(&e))?;
    if part.size() > MAX_TEXT_BYTES * 4 {
        return Err(ReadError::TooLarge);
    }
    // The declared size can lie: read at most the cap and refuse what goes past it.
    let mut xml = Vec::new();
    part.take(MAX_TEXT_BYTES * 4 + 1).read_to_end(&mut xml).map_err(|e| bad(&e))?;
    if xml.len() as u64 > MAX_TEXT_BYTES * 4 {
        return Err(ReadError::TooLarge);
    }
    let xml = String::from_utf8(xml).map_err(|e| bad(&e))?;
    let text = document_xml_text(&xml).map_err(|e| bad(&e))?;
    check_text(text)
}

/// Paragraphs become lines; tabs and breaks are kept; everything else in the markup is dropped.
fn document_xml_text(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event()? {
            Event::Start(e) if e.local_name().as_ref() == "t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => out.push('\n'),
                "tc" => out.push('\t'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => out.push('\t'),
                "br" | "cr" | "p" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => match r.resolve_char_ref()? {
                Some(c) => out.push(c),
                None => out.push_str(match r.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::Eof => break,
            _ => {}
        }
        if out.len() as u64 > MAX_TEXT_BYTES {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_gbk_and_utf16_text_decode_alike() {
        let text = "关于开展安全生产月活动的通知";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(text.as_bytes()).as_deref(), Ok(text));
        assert_eq!(decode(&gbk).as_deref(), Ok(text));
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16).as_deref(), Ok(text));
    }

    #[test]
    fn empty_binary_old_word_and_pdf_files_are_refused_by_name() {
        assert_eq!(decode(b""), Err(ReadError::Empty));
        assert_eq!(decode(b"  \n"), Err(ReadError::Empty));
        assert_eq!(decode(&[0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8]), Err(ReadError::Binary));
        assert_eq!(decode(&[0xD0, 0xCF, 0x11, 0xE0, 1, 2]), Err(ReadError::OldWord));
        assert_eq!(decode(b"%PDF-1.7 ..."), Err(ReadError::Pdf));
        assert!(matches!(decode(b"PK\x03\x04garbage"), Err(ReadError::BadDocx(_))));
    }

    #[test]
    fn document_xml_paragraphs_become_lines() {
        let xml = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>关于</w:t></w:r><w:r><w:t xml:space="preserve">开展 &amp; 检查</w:t></w:r></w:p><w:p><w:r><w:tab/><w:t>各村：</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(document_xml_text(xml).ok().as_deref(), Some("关于开展 & 检查\n\t各村：\n"));
    }
}
