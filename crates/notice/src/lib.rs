//! Reads an official notice (公文, GB/T 9704) and returns its structure: issuer, number, title, recipients,
//! theme, period, sections, deadlines, key dates, references, contacts, signature date and colophon —
//! each with where in the text it was found. Pure: text or bytes in, values out; no I/O, no clock.

mod body;
mod dates;
mod docx;
mod header;
mod people;
mod tail;
mod text;
mod trad;

use std::ops::Range;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use docx::{MAX_TEXT_BYTES, ReadError, decode};

/// A notice's structure, as `anjian notice parse --json` prints it. Every key is always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: Option<String>,
    pub issuer: Vec<String>,
    pub doc_number: Option<String>,
    pub title: Option<String>,
    pub recipients: Vec<String>,
    pub theme: Option<String>,
    pub period: Option<Period>,
    pub sections: Vec<Section>,
    pub deadlines: Vec<Dated>,
    pub key_dates: Vec<Dated>,
    pub references: Vec<Reference>,
    pub contacts: Vec<Contact>,
    pub date: Option<NaiveDate>,
    pub public: bool,
    pub attachments: Vec<String>,
    pub cc: Vec<String>,
    pub printed: Option<Printed>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub number: String,
    pub title: String,
    pub children: Vec<Section>,
}

/// A date and what it is for: a deadline (what is due) or a key date (the named day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated {
    pub date: NaiveDate,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub title: Option<String>,
    pub doc_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printed {
    pub by: String,
    pub on: Option<NaiveDate>,
}

/// Which value a stretch of the text gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Issuer,
    DocNumber,
    Title,
    Recipient,
    Theme,
    Period,
    Section,
    Deadline,
    KeyDate,
    Reference,
    Contact,
    Date,
    Public,
    Attachment,
    Cc,
    Printed,
}

/// Where a value was found: byte offsets into [`Reading::text`]; `index` is the value's place in its list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub field: Field,
    pub index: usize,
    pub start: usize,
    pub end: usize,
}

/// A notice read from text: its structure, the text it was read from (page numbers of a copied PDF taken out)
/// and the marks showing where each value came from, in text order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub notice: Notice,
    pub text: String,
    pub marks: Vec<Mark>,
    /// The text of each top-level section (a campaign's track), as byte ranges of `text`.
    pub section_spans: Vec<Range<usize>>,
}

impl Reading {
    /// The text of section `i`, heading included.
    pub fn section_text(&self, i: usize) -> &str {
        self.section_spans.get(i).and_then(|r| self.text.get(r.clone())).unwrap_or("")
    }
}

/// Marks being collected while the parts of the reader run.
#[derive(Default)]
pub(crate) struct Marks(Vec<Mark>);

impl Marks {
    pub fn add(&mut self, field: Field, index: usize, range: Range<usize>) {
        if !range.is_empty() {
            self.0.push(Mark { field, index, start: range.start, end: range.end });
        }
    }
}

/// The structure of the notice in `text`.
pub fn parse(text: &str) -> Notice {
    read(text).notice
}

/// The structure of the notice in `text`, with where each value was found.
pub fn read(text: &str) -> Reading {
    let doc = text::Doc::new(text);
    let mut marks = Marks::default();
    let meta = header::Metadata::read(&doc);
    let head = header::read(&doc, &meta, &mut marks);
    let tail = tail::read(&doc, head.body_start, &mut marks);
    let year = tail
        .date
        .map(dates::year_of)
        .or(head.year)
        .or_else(|| meta.date(&doc).map(dates::year_of))
        .or_else(|| body::first_year(&doc));
    let mut body = body::read(&doc, &head, &tail, year, &mut marks);
    let section_spans = std::mem::take(&mut body.section_spans);
    let people = people::read(&doc, head.body_start, &tail, &mut marks);

    let issuer = if !tail.issuers.is_empty() {
        tail.issuers.clone()
    } else if !head.issuers.is_empty() {
        head.issuers.clone()
    } else {
        meta.issuer(&doc).into_iter().collect()
    };
    for (i, r) in if !tail.issuers.is_empty() { &tail.issuer_marks } else { &head.issuer_marks }.iter().enumerate() {
        marks.add(Field::Issuer, i, r.clone());
    }
    let notice = Notice {
        kind: head.kind,
        issuer,
        doc_number: head.doc_number.or_else(|| meta.doc_number(&doc)),
        title: head.title.or_else(|| meta.title(&doc)),
        recipients: head.recipients,
        theme: body.theme,
        period: body.period,
        sections: body.sections,
        deadlines: body.deadlines,
        key_dates: body.key_dates,
        references: people.references,
        contacts: people.contacts,
        date: tail.date.or_else(|| meta.date(&doc)),
        public: tail.public,
        attachments: tail.attachments,
        cc: tail.cc,
        printed: tail.printed,
    };
    let mut marks = marks.0;
    marks.sort_by_key(|m| (m.start, m.end));
    Reading { notice, text: doc.src, marks, section_spans }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// Pieces of real notices, so random text reaches the deep paths (headings, dates, numbers, contacts).
    const PIECES: &[&str] = &[
        "关于",
        "印发",
        "的通知",
        "通   知",
        "\n",
        "\n\n",
        "一、",
        "（一）",
        "1.",
        "（1）",
        "2021年",
        "二〇二一年",
        "5月31日前",
        "6月底前",
        "报送",
        "活动方案",
        "将",
        "〔2021〕80号",
        "[2022]",
        "【",
        "】",
        "《",
        "》",
        "联系人：",
        "电话：",
        "023-49626010",
        "13912345678",
        "传真：",
        "附件：",
        "抄送：",
        "印发",
        "（此件公开发布）",
        "— 2 —",
        "各村（居）委会、",
        "：",
        "。",
        "，",
        "人民政府",
        "文件",
        "以“",
        "”为主题",
        "至",
        "6·16",
        "月",
        "日",
        "年",
        "索引号：",
        "标题：",
        "關於",
        "號",
        "　",
        "\u{feff}",
        "\r\n",
        "自",
        "起",
        "止",
        "宣传周",
        "汛期",
        "每周五前",
        "（3月6日前）",
    ];

    fn notice_like() -> impl Strategy<Value = String> {
        prop::collection::vec(prop_oneof![prop::sample::select(PIECES).prop_map(str::to_owned), any::<String>()], 0..80)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn any_text_reads_without_panic_and_marks_stay_inside_it(text in notice_like()) {
            let reading = crate::read(&text);
            for m in &reading.marks {
                prop_assert!(m.start < m.end && m.end <= reading.text.len());
                prop_assert!(reading.text.is_char_boundary(m.start) && reading.text.is_char_boundary(m.end));
            }
            for i in 0..reading.section_spans.len() {
                let _ = reading.section_text(i);
            }
        }

        #[test]
        fn any_bytes_decode_or_are_refused_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
            let _ = crate::decode(&bytes);
        }
    }
}
