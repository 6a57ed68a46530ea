//! The head of a notice: a web page's metadata block, the issuer mark (…文件), the document's own number,
//! the title with its kind (文种), and the recipients (主送).

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::text::{Doc, is_blank_char, re, squeeze, trim_range};
use crate::{Field, Marks, dates};

const META_LABELS: &[&str] = &[
    "索引号",
    "发布机构",
    "发文机关",
    "发文机构",
    "发文单位",
    "发文字号",
    "文号",
    "成文日期",
    "发布日期",
    "生成日期",
    "印发日期",
    "标题",
    "名称",
    "主题分类",
    "主题词",
    "体裁分类",
    "组配分类",
    "服务对象分类",
    "有效性",
    "生效日期",
    "废止日期",
    "信息来源",
    "公开方式",
    "公开范围",
    "公开时限",
    "所属机构",
    "文件编号",
    "文件类型",
    "公开形式",
    "来源",
    "分类",
    "效力状态",
    "公文种类",
    "文种",
    "信息名称",
    "发布时间",
    "所属主题",
    "关键词",
];

/// The labels, each allowing blanks between its characters (索 引 号：, 标　　题：).
fn meta_labels() -> String {
    let spaced: Vec<String> = META_LABELS
        .iter()
        .map(|l| l.chars().map(|c| c.to_string()).collect::<Vec<_>>().join(r"[\s\u{3000}]*"))
        .collect();
    spaced.join("|")
}

static META_LINE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"^(?:{})[\s\u{{3000}}]*[:：]", meta_labels())));
static META_LABEL: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"({})[\s\u{{3000}}]*[:：]", meta_labels())));

/// A document number: 青峰府发〔2021〕80号 with any of the brackets notices use.
pub(crate) static DOC_NO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<prefix>[\p{Han}A-Za-z]{1,16})[\s\u{3000}]*[〔\[【﹝（(［「][\s\u{3000}]*(?P<year>[0-9０-９]{4})[\s\u{3000}]*[〕\]】﹞）)］」][\s\u{3000}]*第?(?P<n>[0-9０-９]{1,5})[\s\u{3000}]*(?P<hao>号)",
    )
});

/// Words that run into a document number's prefix in a sentence (根据永川安办发…).
const LEAD_WORDS: &[&str] = &[
    "按照", "根据", "依据", "依照", "参照", "遵照", "对照", "执行", "落实", "贯彻", "印发", "转发", "详见", "见", "即",
    "和", "及", "与", "以", "经", "的", "是", "为", "将", "现将", "通过", "结合", "文件", "要求", "精神", "号", "并",
];

/// The kinds of document (文种) a title ends with; longer first where one ends another.
const KINDS: &[&str] = &[
    "倡议书",
    "公开信",
    "通知",
    "方案",
    "通报",
    "意见",
    "报告",
    "决定",
    "批复",
    "要点",
    "预案",
    "请示",
    "公告",
    "通告",
    "办法",
    "规定",
    "细则",
    "纪要",
    "决议",
    "命令",
    "公报",
    "议案",
    "计划",
    "规划",
    "总结",
    "指南",
    "通令",
    "指引",
    "清单",
    "规则",
    "函",
];

/// Endings of an organisation's name: how a line is told to be an issuer.
pub(crate) const ORG_ENDS: &[&str] = &[
    "政府",
    "委员会",
    "办公室",
    "局",
    "委",
    "办",
    "会",
    "部",
    "厅",
    "处",
    "科",
    "院",
    "所",
    "站",
    "中心",
    "队",
    "公司",
    "党委",
    "党工委",
    "支部",
    "指挥部",
    "领导小组",
    "办事处",
    "镇",
    "乡",
    "街道",
    "社区",
    "集团",
    "协会",
    "学校",
    "医院",
    "小组",
    "总队",
    "支队",
    "大队",
    "中队",
    "管委会",
    "组",
    "署",
    "室",
    "馆",
    "厂",
    "场",
];

pub(crate) fn is_org_name(s: &str) -> bool {
    let n = s.chars().count();
    (3..=40).contains(&n)
        && !s.contains(['：', ':', '。', '，', ',', '；', '、', '“', '《'])
        && !s.chars().any(|c| c.is_ascii_digit())
        && ORG_ENDS.iter().any(|e| s.ends_with(e))
}

/// Splits a line holding several names side by side (joint issuers) at runs of two or more blanks.
pub(crate) fn split_wide(doc: &Doc, r: Range<usize>) -> Vec<Range<usize>> {
    let s = &doc.src[r.clone()];
    let mut out = Vec::new();
    let mut start = 0;
    let mut blanks = 0;
    let mut blank_from = 0;
    for (i, c) in s.char_indices() {
        if is_blank_char(c) {
            if blanks == 0 {
                blank_from = i;
            }
            blanks += if c == '\u{3000}' || c == '\t' { 2 } else { 1 };
        } else {
            if blanks >= 2 && blank_from > start {
                out.push(trim_range(&doc.src, r.start + start..r.start + blank_from));
                start = i;
            }
            blanks = 0;
        }
    }
    out.push(trim_range(&doc.src, r.start + start..r.end));
    out.retain(|r| !r.is_empty());
    out
}

/// A document number found in the key text at `m`, normalised to 〔YYYY〕N号, with its range.
pub(crate) fn doc_number_at(doc: &Doc, caps: &regex::Captures<'_>) -> Option<(String, Range<usize>)> {
    let prefix = caps.name("prefix")?;
    let mut start = prefix.start();
    loop {
        let rest = &doc.key[start..prefix.end()];
        match LEAD_WORDS.iter().find(|w| rest.starts_with(**w) && rest.len() > w.len()) {
            Some(w) => start += w.len(),
            None => break,
        }
    }
    let digits = |s: &str| -> String {
        s.chars().filter_map(|c| dates::number(&c.to_string()).and_then(|d| char::from_digit(d, 10))).collect()
    };
    let year = digits(caps.name("year")?.as_str());
    let n = digits(caps.name("n")?.as_str());
    let whole = caps.get(0)?;
    // 号 as written (號 in a traditional text); only the brackets and digits are normalised.
    let hao = caps.name("hao").map_or("号", |m| &doc.src[m.range()]);
    let text = format!("{}〔{year}〕{n}{hao}", squeeze(&doc.src[start..prefix.end()]));
    Some((text, start..whole.end()))
}

/// The metadata block a web page puts before the text (索引号：… 发布机构：… 发文字号：…).
pub(crate) struct Metadata {
    fields: Vec<(String, Range<usize>)>,
    pub end_line: usize,
}

impl Metadata {
    pub fn read(doc: &Doc) -> Metadata {
        let mut fields = Vec::new();
        let mut last = None;
        for i in 0..doc.lines.len().min(60) {
            let key = doc.key(i);
            if key.is_empty() {
                continue;
            }
            if !META_LINE.is_match(key) {
                if key.contains("关于") && fields.len() >= 2 {
                    break;
                }
                continue;
            }
            last = Some(i);
            let base = doc.trimmed(i).start;
            let found: Vec<_> = META_LABEL.captures_iter(key).filter_map(|c| Some((c.get(1)?, c.get(0)?))).collect();
            for (n, (label, whole)) in found.iter().enumerate() {
                let value_end = found.get(n + 1).map_or(key.len(), |(_, next)| next.start());
                let value = trim_range(&doc.src, base + whole.end()..base + value_end);
                fields.push((squeeze(label.as_str()), value));
            }
        }
        if fields.len() < 2 {
            return Metadata { fields: Vec::new(), end_line: 0 };
        }
        Metadata { fields, end_line: last.map_or(0, |l| l + 1) }
    }

    fn get<'d>(&self, doc: &'d Doc, labels: &[&str]) -> Option<&'d str> {
        self.fields
            .iter()
            .find(|(l, r)| labels.contains(&l.as_str()) && !r.is_empty())
            .map(|(_, r)| &doc.src[r.clone()])
            .filter(|v| !matches!(*v, "无" | "-" | "—" | "/"))
    }

    pub fn doc_number(&self, doc: &Doc) -> Option<String> {
        let r = self
            .fields
            .iter()
            .find(|(l, r)| matches!(l.as_str(), "发文字号" | "文号" | "文件编号") && !r.is_empty())?;
        doc_number_in(doc, r.1.clone()).map(|(n, _)| n)
    }

    pub fn title(&self, doc: &Doc) -> Option<String> {
        self.get(doc, &["标题", "名称"]).map(squeeze)
    }

    pub fn issuer(&self, doc: &Doc) -> Option<String> {
        self.get(doc, &["发文机关", "发布机构", "发文机构", "发文单位"]).map(str::to_owned)
    }

    pub fn date(&self, doc: &Doc) -> Option<NaiveDate> {
        static DATE: LazyLock<Regex> = LazyLock::new(|| {
            re(
                r"(?P<y>[0-9０-９]{4})[\s\u{3000}]*[年\-/.][\s\u{3000}]*(?P<m>[0-9０-９]{1,2})[\s\u{3000}]*[月\-/.][\s\u{3000}]*(?P<d>[0-9０-９]{1,2})",
            )
        });
        let r = self.fields.iter().find(|(l, r)| l == "成文日期" && !r.is_empty())?;
        let caps = DATE.captures(&doc.key[r.1.clone()])?;
        dates::from_captures(&caps, "", None)
    }
}

/// What the head of the notice says.
pub(crate) struct Head {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub doc_number: Option<String>,
    pub issuers: Vec<String>,
    pub issuer_marks: Vec<Range<usize>>,
    pub recipients: Vec<String>,
    /// The document's year as the head gives it (its number, or a year in its title).
    pub year: Option<i32>,
    /// The first line of the text proper (after title and recipients).
    pub body_start: usize,
    /// The title's first line, or the first line after the metadata when there is no title.
    pub title_line: usize,
}

fn is_doc_number_line(doc: &Doc, i: usize) -> bool {
    let key = doc.key(i);
    DOC_NO.find(key).is_some_and(|m| {
        let rest: String = key[..m.start()].chars().chain(key[m.end()..].chars()).collect();
        let rest = rest.trim_matches(|c: char| is_blank_char(c) || "（）()〔〕[]【】".contains(c));
        rest.is_empty() || rest.contains("签发人")
    })
}

fn kind_of(title: &str) -> Option<&'static str> {
    let t = title.trim_end_matches(['”', '"', '》', '）', ')']);
    KINDS.iter().find(|k| t.ends_with(**k)).copied()
}

fn balanced(s: &str) -> bool {
    let count = |c: char| s.chars().filter(|x| *x == c).count();
    count('《') == count('》') && count('（') == count('）') && count('(') == count(')') && count('“') == count('”')
}

fn title_complete(joined: &str) -> bool {
    kind_of(joined).is_some() && balanced(joined) && !joined.ends_with('的')
}

fn looks_like_title_line(doc: &Doc, i: usize) -> bool {
    let key = doc.key(i);
    !key.contains('。')
        && !key.ends_with(['：', ':'])
        && !META_LINE.is_match(key)
        && !is_doc_number_line(doc, i)
        && key.chars().count() <= 80
}

pub(crate) fn read(doc: &Doc, meta: &Metadata, marks: &mut Marks) -> Head {
    let n = doc.lines.len();
    let from = meta.end_line;
    // The header zone: the first filled lines after the metadata.
    let window: Vec<usize> = (from..n).filter(|&i| !doc.is_blank(i)).take(14).collect();
    let start = window
        .iter()
        .copied()
        .find(|&i| {
            let key = doc.key(i);
            (key.contains("关于") || key.starts_with("印发") || key.starts_with("转发"))
                && looks_like_title_line(doc, i)
        })
        .or_else(|| {
            // A standalone 方案, 预案 or 要点: the line ending with the kind, and the lines above it that are
            // not the bare issuer mark (白鹤…专项整治\n实 施 方 案).
            let end = window.iter().copied().take(8).find(|&i| {
                let s = squeeze(doc.key(i));
                looks_like_title_line(doc, i) && kind_of(&s).is_some() && !s.ends_with("文件") && s.chars().count() > 1
            })?;
            let mut start = end;
            while start > from && end - start < 2 {
                let above = start - 1;
                let s = squeeze(doc.key(above));
                if s.is_empty() || !looks_like_title_line(doc, above) || is_org_name(&s) || s.ends_with("文件") {
                    break;
                }
                start = above;
            }
            Some(start)
        });

    let mut head = Head {
        kind: None,
        title: None,
        doc_number: None,
        issuers: Vec::new(),
        issuer_marks: Vec::new(),
        recipients: Vec::new(),
        year: None,
        body_start: from,
        title_line: from,
    };
    let Some(start) = start else {
        return head;
    };
    head.title_line = start;

    // The title: joined from its split lines until it ends with its kind.
    let mut end = start;
    let mut joined = squeeze(doc.key(start));
    while end + 1 < n && end - start < 3 {
        let next = end + 1;
        let next_key = squeeze(doc.key(next));
        // A title complete at a line's end may still go on (…工作总结\n和2026年工作计划的函).
        let continues = next_key.starts_with(['的', '和', '及', '与', '暨', '并', '、', '等']);
        if (title_complete(&joined) && !continues) || next_key.is_empty() || !looks_like_title_line(doc, next) {
            break;
        }
        joined.push_str(&next_key);
        end = next;
    }
    let title_src: String = (start..=end).map(|i| squeeze(doc.text(i))).collect();
    for i in start..=end {
        marks.add(Field::Title, 0, doc.trimmed(i));
    }
    if let Some(kind) = kind_of(&joined) {
        let t = title_src.trim_end_matches(['”', '"', '》', '）', ')']);
        head.kind = Some(t.get(t.len().saturating_sub(kind.len())..).unwrap_or(kind).to_owned());
    }
    head.year = title_year(&joined);
    head.title = Some(title_src);

    // The issuer mark and the number above the title.
    for &i in window.iter().filter(|&&i| i < start) {
        if let Some((number, r)) = doc_number_in(doc, doc.trimmed(i)) {
            if head.doc_number.is_none() {
                marks.add(Field::DocNumber, 0, r);
                head.doc_number = Some(number);
            }
            continue;
        }
        for r in split_wide(doc, doc.trimmed(i)) {
            let s = &doc.src[r.clone()];
            let name = s.strip_suffix("文件").unwrap_or(s).trim_end_matches(is_blank_char);
            if is_org_name(&squeeze(name)) {
                head.issuer_marks.push(r.start..r.start + name.len());
                head.issuers.push(squeeze(name));
            }
        }
    }

    // Below the title: perhaps the number (web reprints), then the recipients ending with a colon.
    let mut i = end + 1;
    let mut lines = Vec::new();
    while let Some(l) = doc.next_filled(i, n) {
        if lines.is_empty() && head.doc_number.is_none() && is_doc_number_line(doc, l) {
            if let Some((number, r)) = doc_number_in(doc, doc.trimmed(l)) {
                marks.add(Field::DocNumber, 0, r);
                head.doc_number = Some(number);
            }
            i = l + 1;
            continue;
        }
        let key = doc.key(l);
        // A web page's buttons between the title and the text: 【字体：大 中 小】【打印本页】.
        if key.starts_with('【') && ["字体", "打印", "关闭", "分享", "收藏"].iter().any(|w| key.contains(w))
        {
            i = l + 1;
            continue;
        }
        if key.contains('。') || lines.len() >= 3 || key.chars().count() > 200 {
            break;
        }
        lines.push(l);
        if key.ends_with(['：', ':']) {
            recipients(doc, &lines, &mut head, marks);
            head.body_start = l + 1;
            break;
        }
        i = l + 1;
    }
    if head.body_start == from {
        head.body_start = end + 1;
    }
    if head.year.is_none() {
        head.year = head.doc_number.as_deref().and_then(title_year);
    }
    head
}

/// The first document number inside `r`, normalised, with its range.
pub(crate) fn doc_number_in(doc: &Doc, r: Range<usize>) -> Option<(String, Range<usize>)> {
    let caps = DOC_NO.captures_at(&doc.key[..r.end], r.start)?;
    doc_number_at(doc, &caps)
}

fn title_year(s: &str) -> Option<i32> {
    static YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"((?:19|20)[0-9]{2})"));
    YEAR.captures(s).and_then(|c| c.get(1)?.as_str().parse().ok())
}

/// Splits the 主送 line on top-level 、，, (never inside brackets).
fn recipients(doc: &Doc, lines: &[usize], head: &mut Head, marks: &mut Marks) {
    let mut items: Vec<Range<usize>> = Vec::new();
    for &l in lines {
        let r = doc.trimmed(l);
        let mut key = &doc.key[r.clone()];
        let mut base = r.start;
        for label in ["主送机关", "主送"] {
            if let Some(rest) = key.strip_prefix(label) {
                let rest2 = rest.trim_start_matches(is_blank_char).trim_start_matches(['：', ':']);
                base += key.len() - rest2.len();
                key = rest2;
            }
        }
        let key = key.trim_end_matches(['：', ':']);
        let mut depth = 0i32;
        let mut item_start = 0;
        for (i, c) in key.char_indices() {
            match c {
                '（' | '(' | '《' | '〔' | '【' | '[' | '“' => depth += 1,
                '）' | ')' | '》' | '〕' | '】' | ']' | '”' => depth -= 1,
                '、' | '，' | ',' | '；' | ';' if depth <= 0 => {
                    items.push(trim_range(&doc.src, base + item_start..base + i));
                    item_start = i + c.len_utf8();
                }
                _ => {}
            }
        }
        items.push(trim_range(&doc.src, base + item_start..base + key.len()));
    }
    for r in items.into_iter().filter(|r| !r.is_empty()) {
        marks.add(Field::Recipient, head.recipients.len(), r.clone());
        head.recipients.push(doc.src[r].to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        let doc = Doc::new(text);
        let meta = Metadata::read(&doc);
        read(&doc, &meta, &mut Marks::default())
    }

    #[test]
    fn a_title_split_over_lines_and_spaced_out_is_joined() {
        let h = head(
            "青峰镇人民政府文件\n青峰府发〔2022〕12号\n关于开展2022年“119”消防宣传月\n活动的\n通   知\n各村（居）委会：\n正文。",
        );
        assert_eq!(h.title.as_deref(), Some("关于开展2022年“119”消防宣传月活动的通知"));
        assert_eq!(h.kind.as_deref(), Some("通知"));
        assert_eq!(h.doc_number.as_deref(), Some("青峰府发〔2022〕12号"));
        assert_eq!(h.issuers, ["青峰镇人民政府"]);
        assert_eq!(h.recipients, ["各村（居）委会"]);
    }

    #[test]
    fn doc_numbers_in_any_bracket_are_normalised() {
        for text in [
            "永川府发[2021]8号",
            "永川府发【2021】8号",
            "永川府发(2021)8号",
            "永川府发﹝2021﹞8号",
            "永川府发（２０２１）８号",
        ] {
            let h = head(&format!("{text}\n关于加强安全的通知\n各村：\n正文。"));
            assert_eq!(h.doc_number.as_deref(), Some("永川府发〔2021〕8号"), "{text}");
        }
    }

    #[test]
    fn recipients_split_on_top_level_separators_only() {
        let h = head("关于开展检查的通知\n各镇(街道)人民政府(办事处)、区级有关部门，有关单位：\n正文。");
        assert_eq!(h.recipients, ["各镇(街道)人民政府(办事处)", "区级有关部门", "有关单位"]);
    }

    #[test]
    fn a_metadata_block_is_read_and_skipped() {
        let doc = Doc::new(
            "索引号：11500118/2021-00123\n发布机构：青峰镇\n发文字号：\n成文日期：2021-05-25\n发布日期：2021-05-27\n标题：安全生产月通知\n关于开展安全生产月活动的通知\n各村：\n正文。",
        );
        let meta = Metadata::read(&doc);
        assert_eq!(meta.end_line, 6);
        assert_eq!(meta.doc_number(&doc), None);
        assert_eq!(meta.date(&doc), dates::ymd(2021, 5, 25));
        assert_eq!(meta.issuer(&doc).as_deref(), Some("青峰镇"));
        let h = read(&doc, &meta, &mut Marks::default());
        assert_eq!(h.title.as_deref(), Some("关于开展安全生产月活动的通知"));
    }

    #[test]
    fn the_kind_is_the_last_word_of_the_title() {
        assert_eq!(kind_of("青峰镇2022年安全生产工作要点"), Some("要点"));
        assert_eq!(kind_of("关于商请协助开展检查的函"), Some("函"));
        assert_eq!(kind_of("关于印发《青峰镇森林防火应急预案》的通知"), Some("通知"));
    }
}
