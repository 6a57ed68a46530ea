//! The end of a notice: attachments (附件), the signature (发文机关署名 and 成文日期), 此件公开发布, 抄送 and the
//! 印发 colophon.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::dates::{self, DAY, MONTH, YEAR};
use crate::header::{is_org_name, split_wide};
use crate::text::{Doc, is_blank_char, re, squeeze, trim_range};
use crate::{Field, Marks, Printed};

static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:(?P<org>.*?)[\s\u{{3000}}]+)?[（(]?(?P<y>{YEAR})[\s\u{{3000}}]*年[\s\u{{3000}}]*(?P<m>{MONTH})[\s\u{{3000}}]*月[\s\u{{3000}}]*(?P<d>{DAY})[\s\u{{3000}}]*日[）)]?$"
    ))
});
static COLOPHON: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<org>.*?)[\s\u{{3000}}]*(?P<y>{YEAR})[\s\u{{3000}}]*年[\s\u{{3000}}]*(?P<m>{MONTH})[\s\u{{3000}}]*月[\s\u{{3000}}]*(?P<d>{DAY})[\s\u{{3000}}]*日[\s\u{{3000}}]*印[\s\u{{3000}}]*发[\s\u{{3000}}]*$"
    ))
});
static PUBLIC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"此[\s\u{3000}]*件[\s\u{3000}]*(?:公[\s\u{3000}]*开[\s\u{3000}]*发[\s\u{3000}]*布|主[\s\u{3000}]*动[\s\u{3000}]*公[\s\u{3000}]*开)",
    )
});
static PUBLIC_NOTE: LazyLock<Regex> = LazyLock::new(|| re(r"^[（(]?[\s\u{3000}]*此[\s\u{3000}]*件[^）)]{0,12}[）)]?$"));
static ATTACHMENT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^附[\s\u{3000}]*件[\s\u{3000}]*[0-9０-９]{0,2}[\s\u{3000}]*[:：]"));
static NUMBERED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[0-9０-９]{1,2}[\s\u{3000}]*[.．、:：]|[（(][0-9０-９]{1,2}[)）])[\s\u{3000}]*"));
static INLINE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| re(r"[\s\u{3000}]+(?:[0-9０-９]{1,2}[.．、]|[（(][0-9０-９]{1,2}[)）])"));
static CC: LazyLock<Regex> = LazyLock::new(|| re(r"^抄[\s\u{3000}]*送[\s\u{3000}]*[:：]"));

/// What the end of the notice says, and which lines it took (so the body does not read them again).
pub(crate) struct Tail {
    pub date: Option<NaiveDate>,
    /// The line of the signature date, when there is one.
    pub date_line: Option<usize>,
    pub issuers: Vec<String>,
    pub issuer_marks: Vec<Range<usize>>,
    pub public: bool,
    pub attachments: Vec<String>,
    pub cc: Vec<String>,
    pub printed: Option<Printed>,
    /// Lines that belong to the tail: attachment list, signature, notes, 抄送, colophon.
    pub taken: Vec<bool>,
}

pub(crate) fn read(doc: &Doc, from: usize, marks: &mut Marks) -> Tail {
    let n = doc.lines.len();
    let mut tail = Tail {
        date: None,
        date_line: None,
        issuers: Vec::new(),
        issuer_marks: Vec::new(),
        public: false,
        attachments: Vec::new(),
        cc: Vec::new(),
        printed: None,
        taken: vec![false; n],
    };
    signature(doc, from, &mut tail, marks);

    if let Some(m) = PUBLIC.find_at(&doc.key, doc.lines.get(from).map_or(0, |l| l.start)) {
        tail.public = true;
        marks.add(Field::Public, 0, m.range());
        let line = doc.line_of(m.start());
        if PUBLIC_NOTE.is_match(doc.key(line)) {
            tail.taken[line] = true;
        }
    }

    let mut i = from;
    while i < n {
        let key = doc.key(i);
        if let Some(c) = key.ends_with('发').then(|| COLOPHON.captures(key)).flatten() {
            let base = doc.trimmed(i).start;
            let org = c.name("org").map_or(0..0, |m| trim_range(&doc.src, base + m.start()..base + m.end()));
            tail.printed = Some(Printed { by: doc.src[org].to_owned(), on: dates::from_captures(&c, "", None) });
            marks.add(Field::Printed, 0, doc.trimmed(i));
            tail.taken[i] = true;
        } else if CC.is_match(key) {
            i = cc(doc, i, &mut tail, marks);
            continue;
        } else if tail.attachments.is_empty() && ATTACHMENT.is_match(key) && tail.date_line.is_none_or(|d| i < d) {
            i = attachments(doc, i, &mut tail, marks);
            continue;
        }
        i += 1;
    }
    if tail.issuers.is_empty() {
        closing_issuer(doc, from, &mut tail);
    }
    tail
}

/// No dated signature: the issuer's name standing last in the text (a 预案 signed without a date).
fn closing_issuer(doc: &Doc, from: usize, tail: &mut Tail) {
    let Some(last) = (from..doc.lines.len()).rev().find(|&i| !doc.is_blank(i) && !tail.taken[i]) else { return };
    let parts = split_wide(doc, doc.trimmed(last));
    if parts.is_empty() || !parts.iter().all(|r| is_org_name(&squeeze(&doc.src[r.clone()]))) {
        return;
    }
    tail.taken[last] = true;
    for r in parts {
        tail.issuers.push(squeeze(&doc.src[r.clone()]));
        tail.issuer_marks.push(r);
    }
}

/// The 成文日期: the first date standing alone on its line (or after the issuer's name) below an issuer.
fn signature(doc: &Doc, from: usize, tail: &mut Tail, marks: &mut Marks) {
    let n = doc.lines.len();
    let mut fallback = None;
    for i in from..n {
        let key = doc.key(i);
        if !key.ends_with(['日', '）', ')']) {
            continue;
        }
        let Some(c) = DATE_LINE.captures(key) else { continue };
        let base = doc.trimmed(i).start;
        let mut issuers: Vec<Range<usize>> = Vec::new();
        if let Some(org) = c.name("org") {
            let r = trim_range(&doc.src, base + org.start()..base + org.end());
            issuers = split_wide(doc, r);
            if !issuers.iter().all(|r| is_org_name(&squeeze(&doc.src[r.clone()]))) {
                continue;
            }
        } else {
            // Up to three lines of issuers above the date, side by side or one under another.
            let mut up = i;
            let mut above: Vec<Vec<Range<usize>>> = Vec::new();
            let mut blanks = 0;
            while up > from && above.len() < 3 {
                up -= 1;
                if doc.is_blank(up) {
                    blanks += 1;
                    if blanks > 2 {
                        break;
                    }
                    continue;
                }
                blanks = 0;
                let parts = split_wide(doc, doc.trimmed(up));
                if parts.is_empty() || !parts.iter().all(|r| is_org_name(&squeeze(&doc.src[r.clone()]))) {
                    break;
                }
                above.push(parts);
            }
            if above.is_empty() {
                fallback = fallback.or(Some((i, c.get(0).map(|_| dates::from_captures(&c, "", None)))));
                continue;
            }
            for parts in above.into_iter().rev() {
                issuers.extend(parts);
            }
        }
        for r in &issuers {
            tail.taken[doc.line_of(r.start)] = true;
            tail.issuer_marks.push(r.clone());
            tail.issuers.push(squeeze(&doc.src[r.clone()]));
        }
        tail.date = dates::from_captures(&c, "", None);
        tail.date_line = Some(i);
        tail.taken[i] = true;
        marks.add(Field::Date, 0, doc.trimmed(i));
        return;
    }
    if let Some((i, Some(date))) = fallback {
        tail.date = date;
        tail.date_line = Some(i);
        tail.taken[i] = true;
        marks.add(Field::Date, 0, doc.trimmed(i));
    }
}

fn clean_item(doc: &Doc, r: Range<usize>) -> Range<usize> {
    let r = trim_range(&doc.src, r);
    let key = &doc.key[r.clone()];
    let skip = NUMBERED.find(key).map_or(0, |m| m.end());
    let kept = key.trim_end_matches(|c: char| "。；;，,".contains(c) || is_blank_char(c)).len();
    trim_range(&doc.src, r.start + skip.min(kept)..r.start + kept)
}

/// 附件：1.… then numbered lines below it (or several 附件N： lines).
fn attachments(doc: &Doc, first: usize, tail: &mut Tail, marks: &mut Marks) -> usize {
    let n = doc.lines.len();
    let mut i = first;
    while i < n {
        let r = doc.trimmed(i);
        let key = &doc.key[r.clone()];
        let body = if let Some(m) = ATTACHMENT.find(key) {
            r.start + m.end()..r.end
        } else if i > first && NUMBERED.is_match(key) {
            r.clone()
        } else {
            break;
        };
        // Several numbered names on one line.
        let mut cuts: Vec<usize> =
            INLINE_NUMBER.find_iter(&doc.key[body.clone()]).map(|m| body.start + m.start()).collect();
        cuts.push(body.end);
        let mut start = body.start;
        for cut in cuts {
            let item = clean_item(doc, start..cut);
            if !item.is_empty() {
                marks.add(Field::Attachment, tail.attachments.len(), item.clone());
                tail.attachments.push(doc.src[item].to_owned());
            }
            start = cut;
        }
        tail.taken[i] = true;
        i += 1;
    }
    i
}

/// 抄送：A，B，C。 — perhaps over more than one line.
fn cc(doc: &Doc, first: usize, tail: &mut Tail, marks: &mut Marks) -> usize {
    let n = doc.lines.len();
    let mut i = first;
    loop {
        let r = doc.trimmed(i);
        let key = &doc.key[r.clone()];
        let from = if i == first { CC.find(key).map_or(0, |m| m.end()) } else { 0 };
        let mut depth = 0i32;
        let mut start = r.start + from;
        for (at, c) in key[from..].char_indices() {
            let at = r.start + from + at;
            match c {
                '（' | '(' | '《' => depth += 1,
                '）' | ')' | '》' => depth -= 1,
                '、' | '，' | ',' | '；' | ';' if depth <= 0 => {
                    push_cc(doc, start..at, tail, marks);
                    start = at + c.len_utf8();
                }
                _ => {}
            }
        }
        push_cc(doc, start..r.end, tail, marks);
        tail.taken[i] = true;
        i += 1;
        // A list wrapped onto the next line ends its line with a separator.
        let wrapped = key.ends_with(['、', '，', ',']);
        if !wrapped || i >= n || doc.is_blank(i) || COLOPHON.is_match(doc.key(i)) {
            return i;
        }
    }
}

fn push_cc(doc: &Doc, r: Range<usize>, tail: &mut Tail, marks: &mut Marks) {
    let item = clean_item(doc, r);
    if !item.is_empty() {
        marks.add(Field::Cc, tail.cc.len(), item.clone());
        tail.cc.push(doc.src[item].to_owned());
    }
}
