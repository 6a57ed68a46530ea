//! The text proper: numbered sections (each a track of work), deadlines, the named key dates, the theme and
//! the campaign's period.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::{Captures, Regex};

use crate::dates::{self, DAY, MONTH, YEAR};
use crate::header::Head;
use crate::tail::Tail;
use crate::text::{Doc, captures_in, is_blank_char, join_lines, re, trim_range};
use crate::{Dated, Field, Marks, Period, Section};

const SP: &str = r"[\s\u{3000}]*";

static LEVELS: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        re(r"^(?P<n>[一二三四五六七八九十]{1,3})[\s\u{3000}]*[、．.]"),
        re(r"^[（(][\s\u{3000}]*(?P<n>[一二三四五六七八九十]{1,3})[\s\u{3000}]*[)）][、]?"),
        re(r"^(?P<n>[0-9０-９]{1,2})[\s\u{3000}]*[.．、](?P<after>.?)"),
        re(r"^[（(][\s\u{3000}]*(?P<n>[0-9０-９]{1,2})[\s\u{3000}]*[)）]"),
    ]
});

static DEADLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:(?P<y>{YEAR}){SP}年{SP})?(?P<m>{MONTH}){SP}月{SP}(?:(?P<d>{DAY}){SP}[日号]|(?:底|末)){SP}(?:[（(][^）)]{{0,8}}[)）]{SP})?(?:[0-9０-９]{{1,2}}{SP}[:：时点]{SP}[0-9０-９]{{0,2}}{SP}分?{SP})?(?:下班|中午|上午|下午|之)?前"
    ))
});
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:(?P<ay>{YEAR}){SP}年{SP})?(?P<am>{MONTH}){SP}月{SP}(?P<ad>{DAY}){SP}[日号]?{SP}(?:起|开始)?{SP}(?:至|到|—|–|-|~|～|－|——){SP}(?:(?P<by>{YEAR}){SP}年{SP})?(?:(?P<bm>{MONTH}){SP}月{SP})?(?P<bd>{DAY}){SP}[日号]"
    ))
});
static MONTH_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:(?P<ay>{YEAR}){SP}年{SP})?(?P<am>{MONTH}){SP}月份?{SP}(?:至|到|—|–|-|~|～|－|——){SP}(?:(?P<by>{YEAR}){SP}年{SP})?(?P<bm>{MONTH}){SP}月份?(?:[^0-9０-９一二三四五六七八九十日号]|$)"
    ))
});
static MONTH_IS: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(r"(?:(?P<y>{YEAR}){SP}年{SP})?(?P<m>{MONTH}){SP}月份?{SP}(?:是|为)[^。；]{{0,24}}月"))
});
static TIME_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十]{1,3}[)）])?[\s\u{3000}]*(?:活动|宣传|整治|行动|检查|排查|开展|实施|集中|工作|专项)?(?:时间|期间)(?:安排|范围)?[\s\u{3000}]*(?:[:：]|$)",
    )
});
static TIME_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:活动|宣传|整治|行动|检查|排查|开展|实施|集中|专项|攻坚)(?:时间|期间)(?:安排|范围)?[\s\u{3000}]*(?:为|是|：|:)",
    )
});
static THEME_QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:以[\s\u{3000}]*[“「『\x22](?P<a>[^”」』\x22]{2,60})[”」』\x22][\s\u{3000}]*为[\s\u{3000}]*(?:本次|今年|活动|宣传|本届)*主题(?P<of>的?)|主题[\s\u{3000}]*(?:为|是|：|:)[\s\u{3000}]*[“「『\x22](?P<b>[^”」』\x22]{2,60})[”」』\x22])",
    )
});
static THEME_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十]{1,3}[)）])?[\s\u{3000}]*(?:活动|宣传|年度)?主题[\s\u{3000}]*(?:[:：](?P<rest>.*))?$",
    )
});
static YEAR_ANY: LazyLock<Regex> = LazyLock::new(|| re(r"((?:19|20)[0-9]{2})[\s\u{3000}]*年"));

const KEY_DATES: [(&str, u32, u32, &str); 3] = [
    ("安全宣传咨询日", 6, 16, r"6[\s\u{3000}]*[·•．.・\-－][\s\u{3000}]*16(?:[^0-9万%]|$)|安全(?:宣传|生产)咨询日"),
    ("全国防灾减灾日", 5, 12, r"防灾减灾日|5[\s\u{3000}]*[·•．.・][\s\u{3000}]*12[\s\u{3000}]*(?:全国)?防灾"),
    ("全国消防日", 11, 9, r"消防(?:宣传)?日|11[\s\u{3000}]*[·•．.・][\s\u{3000}]*9[\s\u{3000}]*(?:全国)?消防"),
];
static KEY_DATE_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| KEY_DATES.iter().map(|k| re(k.3)).collect());

pub(crate) struct Body {
    pub theme: Option<String>,
    pub period: Option<Period>,
    pub sections: Vec<Section>,
    pub section_spans: Vec<Range<usize>>,
    pub deadlines: Vec<Dated>,
    pub key_dates: Vec<Dated>,
}

pub(crate) fn first_year(doc: &Doc) -> Option<i32> {
    YEAR_ANY.captures(&doc.key).and_then(|c| c.get(1)?.as_str().parse().ok())
}

pub(crate) fn read(doc: &Doc, head: &Head, tail: &Tail, year: Option<i32>, marks: &mut Marks) -> Body {
    let lines: Vec<usize> =
        (head.body_start..doc.lines.len()).filter(|&i| !tail.taken[i] && !doc.is_blank(i)).collect();
    let (sections, section_spans, first_section_line) = sections(doc, head, tail, &lines, marks);
    Body {
        theme: theme(doc, &lines, marks),
        period: year.and_then(|y| period(doc, &lines, first_section_line, y, marks)),
        sections,
        section_spans,
        deadlines: year.map(|y| deadlines(doc, &lines, y, marks)).unwrap_or_default(),
        key_dates: year.map(|y| key_dates(doc, head.title_line, y, marks)).unwrap_or_default(),
    }
}

struct Heading {
    line: usize,
    level: usize,
    value: u32,
    number: Range<usize>,
    title: Range<usize>,
}

fn heading(doc: &Doc, line: usize) -> Option<Heading> {
    let r = doc.trimmed(line);
    let key = &doc.key[r.clone()];
    // Headings start with a numeral or a bracket; most lines do not.
    if !key.starts_with(|c: char| c.is_ascii_digit() || "（(一二三四五六七八九十０１２３４５６７８９".contains(c))
    {
        return None;
    }
    for (level, re) in LEVELS.iter().enumerate() {
        let Some(c) = re.captures(key) else { continue };
        let whole = c.get(0)?;
        let n = c.name("n")?;
        let mut end = whole.end();
        if let Some(after) = c.name("after") {
            // "1.5万" is a number, not a heading.
            if after.as_str().chars().next().is_some_and(|ch| ch.is_ascii_digit() || ('０'..='９').contains(&ch)) {
                return None;
            }
            end = after.start();
        }
        let value = dates::number(n.as_str())?;
        let number =
            if level == 0 || level == 2 { r.start + n.start()..r.start + n.end() } else { r.start..r.start + end };
        let number = trim_range(&doc.src, number.start..number.end.max(number.start));
        let rest = &key[end..];
        let cut = rest.find('。').unwrap_or(rest.len());
        let title = rest[..cut].trim_end_matches(|c: char| "：:；;，,、".contains(c) || is_blank_char(c));
        let title = trim_range(&doc.src, r.start + end..r.start + end + title.len());
        return Some(Heading { line, level, value, number, title });
    }
    None
}

/// Numbered runs: 一、二、三、 (a new run where the numbering starts again at one).
fn runs(headings: &[&Heading]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for (i, h) in headings.iter().enumerate() {
        if h.value == 1 {
            runs.push(vec![i]);
        } else if let Some(run) = runs.last_mut()
            && run.last().is_some_and(|&last| headings[last].value + 1 == h.value)
        {
            run.push(i);
        }
    }
    runs.retain(|r| r.len() >= 2);
    runs
}

type Sections = (Vec<Section>, Vec<Range<usize>>, Option<usize>);

fn sections(doc: &Doc, head: &Head, tail: &Tail, lines: &[usize], marks: &mut Marks) -> Sections {
    let headings: Vec<Heading> = lines.iter().filter_map(|&l| heading(doc, l)).collect();
    let split = tail.date_line.unwrap_or(usize::MAX);
    let issued = head.title.as_deref().is_some_and(|t| t.contains("印发") || t.contains("印發"));
    let in_body: Vec<&Heading> = headings.iter().filter(|h| h.line < split).collect();
    let attached: Vec<&Heading> = headings.iter().filter(|h| h.line > split).collect();
    // The highest numbering level with a run; a notice that issues a plan takes the plan's sections.
    let pick = |hs: &[&Heading]| -> Option<(usize, Vec<usize>)> {
        (0..4).find_map(|level| {
            let at: Vec<usize> = (0..hs.len()).filter(|&i| hs[i].level == level).collect();
            let of_level: Vec<&Heading> = at.iter().map(|&i| hs[i]).collect();
            runs(&of_level).into_iter().next().map(|run| (level, run.into_iter().map(|i| at[i]).collect()))
        })
    };
    let (hs, (level, run)) = match (issued, pick(&in_body), pick(&attached)) {
        (true, _, Some(a)) => (attached, a),
        (_, Some(b), _) => (in_body, b),
        (_, None, Some(a)) => (attached, a),
        (_, None, None) => return (Vec::new(), Vec::new(), None),
    };
    let mut out = Vec::new();
    for (k, &i) in run.iter().enumerate() {
        let h = hs[i];
        let next_line = run.get(k + 1).map_or(usize::MAX, |&j| hs[j].line);
        // The children are the next level down that numbers a run inside the section (（一） or, without it, 1.).
        let children = (level + 1..4)
            .find_map(|below| {
                let inner: Vec<&Heading> =
                    hs.iter().copied().filter(|c| c.level == below && c.line > h.line && c.line < next_line).collect();
                let run = runs(&inner).into_iter().next()?;
                Some(run.into_iter().map(|j| leaf(doc, inner[j], marks)).collect())
            })
            .unwrap_or_default();
        marks.add(Field::Section, out.len(), h.number.start..h.title.end.max(h.number.end));
        out.push(Section {
            number: doc.src[h.number.clone()].to_owned(),
            title: doc.src[h.title.clone()].to_owned(),
            children,
        });
    }
    let first = run.first().map(|&i| hs[i].line);
    // Each section's text: from its heading to the next one; the last ends before the contacts and the
    // signature (or the end of an attached plan).
    let starts: Vec<usize> = run.iter().map(|&i| hs[i].line).collect();
    let last_end = starts.last().map_or(doc.lines.len(), |&last| {
        (last + 1..doc.lines.len())
            .find(|&l| {
                tail.taken[l] || doc.key(l).contains("联系人") || heading(doc, l).is_some_and(|h| h.level < level)
            })
            .unwrap_or(doc.lines.len())
    });
    let spans = starts
        .iter()
        .enumerate()
        .map(|(k, &l)| {
            let end_line = starts.get(k + 1).copied().unwrap_or(last_end);
            let end = doc.lines.get(end_line.saturating_sub(1)).map_or(doc.src.len(), |r| r.end);
            trim_range(&doc.src, doc.lines[l].start..end.max(doc.lines[l].start))
        })
        .collect();
    (out, spans, first)
}

fn leaf(doc: &Doc, h: &Heading, marks: &mut Marks) -> Section {
    marks.add(Field::Section, usize::MAX, h.number.start..h.title.end.max(h.number.end));
    Section {
        number: doc.src[h.number.clone()].to_owned(),
        title: doc.src[h.title.clone()].to_owned(),
        children: Vec::new(),
    }
}

/// Verbs that hand something in (前报送活动方案, 前将方案报送镇安办).
const SEND: &[&str] = &[
    "书面报送",
    "报送",
    "上报",
    "提交",
    "报给",
    "报至",
    "报",
    "递交",
    "交",
    "送",
    "发送",
    "发至",
    "上传",
    "反馈",
    "提报",
    "传至",
];
/// Verbs of doing before the thing done (前修订完善应急预案, 前完成隐患排查).
const DO: &[&str] = &[
    "修订完善",
    "修订",
    "完善",
    "完成",
    "制定",
    "建立",
    "形成",
    "开展",
    "组织",
    "编制",
    "落实",
    "签订",
    "提供",
    "书面",
];
/// Whose or how much of it (本辖区（行业）排查整治方案 → 排查整治方案).
const SCOPE: &[&str] = &[
    "本辖区",
    "本行业",
    "本单位",
    "本部门",
    "本村",
    "本组",
    "本企业",
    "本校",
    "辖区",
    "全镇",
    "全县",
    "全区",
    "全乡",
    "全街道",
    "全市",
    "各自",
    "有关",
    "相关",
];
/// Who sends it, at the head of a clause (各村（社区）活动方案请于…).
const SENDERS: &[&str] = &[
    "乡镇",
    "镇",
    "村",
    "社区",
    "组",
    "单位",
    "部门",
    "学校",
    "企业",
    "街道",
    "网格",
    "科室",
    "站所",
    "村组",
    "中心学校",
];
/// Where a sent thing goes, not the thing itself (报送镇应急办).
const PLACE_ENDS: &[&str] =
    &["办", "局", "委", "会", "队", "股", "室", "所", "站", "中心", "部门", "办公室", "政府", "科", "群"];
/// Nouns of things handed in.
const DOC_ENDS: &[&str] = &[
    "方案", "总结", "小结", "报告", "表", "台账", "清单", "情况", "材料", "名单", "计划", "预案", "资料", "说明",
    "档案",
];

fn strip_words<'a>(mut s: &'a str, words: &[&str]) -> &'a str {
    loop {
        let t = s.trim_start_matches(is_blank_char);
        match words.iter().find(|w| t.starts_with(**w) && t.len() > w.len()) {
            Some(w) => s = &t[w.len()..],
            None => return t,
        }
    }
}

/// The thing itself: scope words and a bracketed qualifier after them dropped, cut before 至/到/（.
fn thing(s: &str) -> &str {
    let s = strip_words(after_bracket(strip_words(s, SCOPE)), SCOPE);
    let cut = ["至", "到", "（", "(", "等", "并"]
        .iter()
        .filter_map(|w| s.find(w).filter(|&at| at > 0))
        .chain(send_verb_at(s))
        .min()
        .unwrap_or(s.len());
    s[..cut].trim_end_matches(is_blank_char)
}

/// `s` without a bracketed part at its head: （行业）排查方案 → 排查方案.
fn after_bracket(s: &str) -> &str {
    if !s.starts_with(['（', '(']) {
        return s;
    }
    match s.char_indices().find(|(_, c)| matches!(c, '）' | ')')) {
        Some((at, c)) => &s[at + c.len_utf8()..],
        None => s,
    }
}

fn is_place(s: &str) -> bool {
    PLACE_ENDS.iter().any(|e| s.ends_with(e)) && !DOC_ENDS.iter().any(|e| s.ends_with(e))
}

/// The range of `part` (a slice of the document's key) in the source text.
fn range_of(doc: &Doc, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - doc.key.as_ptr() as usize;
    trim_range(&doc.src, start..start + part.len())
}

/// The first of `stops` in `s` outside brackets.
fn top_level_find(s: &str, stops: &[char]) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '（' | '(' | '《' | '“' => depth += 1,
            '）' | ')' | '》' | '”' => depth -= 1,
            _ if depth <= 0 && stops.contains(&c) => return Some(i),
            _ => {}
        }
    }
    None
}

/// Where a verb of sending starts in `s` (past its first character): 报 of 报送 or 报镇, not of 报告 or 报表.
fn send_verb_at(s: &str) -> Option<usize> {
    SEND.iter()
        .flat_map(|v| s.match_indices(v).map(|(i, _)| i))
        .filter(|&i| i > 0 && !["报告", "报表", "报道", "报名", "报警", "送检"].iter().any(|w| s[i..].starts_with(w)))
        .min()
}

/// 将X报送 in `s`: X.
fn sent_object(s: &str) -> Option<&str> {
    let at = s.find('将').or_else(|| s.find('把'))?;
    let rest = &s[at + 3..];
    let end = send_verb_at(rest)?;
    Some(thing(&rest[..end])).filter(|t| !t.is_empty())
}

/// What is due by a deadline found at `m`: the thing handed in after it (前报送活动方案, 前将方案报送…), the thing
/// before it (活动方案请于5月31日前报送镇安办), or the heading holding it (动员部署阶段（3月6日前）).
fn due_what(doc: &Doc, r: Range<usize>, m: Range<usize>) -> Option<Range<usize>> {
    let line = doc.line_of(m.start);
    let key = &doc.key;
    let before = &key[r.start..m.start];
    let after = &key[m.end..r.end];
    if before.ends_with(['（', '('])
        && after.starts_with(['）', ')'])
        && let Some(h) = heading(doc, line)
    {
        let end = h.title.start.max(m.start - before.chars().next_back().map_or(0, char::len_utf8));
        let t = trim_range(&doc.src, h.title.start..end);
        if !t.is_empty() {
            return Some(t);
        }
    }
    let sentence = &after[..after.find(['。', '；', ';']).unwrap_or(after.len())];
    // Stop before the next deadline of the same sentence (…小结，12月15日前报送…).
    let sentence = &sentence[..DEADLINE.find(sentence).map_or(sentence.len(), |d| d.start())];
    let clause = &sentence[..top_level_find(sentence, &['，', ',', '、', '：', ':']).unwrap_or(sentence.len())];
    let clause = clause.trim_start_matches(is_blank_char);
    let found: Option<&str> = if clause.starts_with(['将', '把']) {
        sent_object(clause)
    } else if let Some(v) = SEND.iter().find(|v| clause.starts_with(**v)) {
        let object = thing(&clause[v.len()..]);
        if object.is_empty() || is_place(object) { None } else { Some(object) }
    } else {
        sent_object(sentence).or_else(|| Some(thing(strip_words(clause, DO))).filter(|t| !t.is_empty()))
    };
    if let Some(what) = found.filter(|w| w.len() <= 60) {
        return Some(range_of(doc, what));
    }
    // The thing named before the date, after whoever sends it.
    let clause_start =
        before.char_indices().rfind(|(_, c)| "，。；;,！!：:、".contains(*c)).map_or(0, |(at, c)| at + c.len_utf8());
    let mut subject = &before[clause_start..];
    for _ in 0..3 {
        for w in ["于", "请", "须", "需", "务必", "必须", "应", "要", "并", "统一", "均", "在"] {
            subject = subject.trim_end_matches(is_blank_char).strip_suffix(w).unwrap_or(subject);
        }
    }
    if let Some(rest) = subject.strip_prefix('各') {
        let rest = strip_words(rest, SENDERS);
        subject = after_bracket(rest);
    }
    let subject = thing(subject);
    (!subject.is_empty() && subject.len() <= 60 && DOC_ENDS.iter().any(|e| subject.ends_with(e)))
        .then(|| range_of(doc, subject))
}

fn deadlines(doc: &Doc, lines: &[usize], year: i32, marks: &mut Marks) -> Vec<Dated> {
    let mut out: Vec<Dated> = Vec::new();
    // A cheap test first: a deadline needs 月 and 前 in its paragraph.
    for r in doc
        .paragraphs(lines)
        .into_iter()
        .filter(|r| doc.key[r.clone()].contains('前') && doc.key[r.clone()].contains('月'))
    {
        for c in captures_in(&DEADLINE, &doc.key, r.clone()) {
            let Some(m) = c.get(0) else { continue };
            let before = &doc.key[r.start..m.start()];
            let tail: String = before.chars().rev().take(8).collect();
            // Recurring deadlines and the end of a range are not deadlines.
            if tail.contains('每')
                || before.ends_with(['至', '到', '—', '-', '～', '~'])
                || doc.key[m.end()..r.end].starts_with('后')
            {
                continue;
            }
            let Some(date) = dates::from_captures(&c, "", Some(year)) else { continue };
            let Some(what) = due_what(doc, r.clone(), m.range()) else { continue };
            let item = Dated { date, what: join_lines(&doc.src[what.clone()]) };
            if !out.contains(&item) {
                marks.add(Field::Deadline, out.len(), m.start()..m.end().max(what.end));
                out.push(item);
            }
        }
    }
    out
}

fn key_dates(doc: &Doc, from_line: usize, year: i32, marks: &mut Marks) -> Vec<Dated> {
    let from = doc.lines.get(from_line).map_or(0, |l| l.start);
    let mut found: Vec<(usize, Dated, Range<usize>)> = Vec::new();
    for (k, re) in KEY_DATES.iter().zip(KEY_DATE_RES.iter()) {
        if let Some(m) = re.find_at(&doc.key, from) {
            let stated = re
                .find_iter(&doc.key[..])
                .filter(|x| x.start() >= from)
                .find_map(|x| stated_date(doc, x.start(), year, k.1));
            if let Some(date) = stated.or_else(|| dates::ymd(year, k.1, k.2)) {
                found.push((m.start(), Dated { date, what: k.0.to_owned() }, m.range()));
            }
        }
    }
    found.sort_by_key(|f| f.0);
    found
        .into_iter()
        .enumerate()
        .map(|(i, (_, d, r))| {
            marks.add(Field::KeyDate, i, r);
            d
        })
        .collect()
}

static DAY_OF_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:(?P<y>{YEAR}){SP}年{SP})?(?P<m>{MONTH}){SP}月{SP}(?P<d>{DAY}){SP}[日号](?:{SP}[（(][^）)]{{0,6}}[)）])?{SP}(?:是|为)?{SP}(?:第[^“”]{{1,6}}个?)?{SP}(?:全国)?{SP}[“\x22]?$"
    ))
});

/// A day written right before the named day (6月17日（星期日）是全国“安全宣传咨询日”), when it falls in the
/// named day's month: that year the day was kept on another date.
fn stated_date(doc: &Doc, at: usize, year: i32, month: u32) -> Option<NaiveDate> {
    let line = doc.trimmed(doc.line_of(at));
    let start = doc.key[line.start..at].char_indices().rev().nth(24).map_or(line.start, |(i, _)| line.start + i);
    let c = DAY_OF_MONTH.captures(&doc.key[start..at])?;
    let date = dates::from_captures(&c, "", Some(year))?;
    (chrono::Datelike::month(&date) == month).then_some(date)
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c: char| "“”「」『』\"。；;".contains(c) || is_blank_char(c))
}

fn theme(doc: &Doc, lines: &[usize], marks: &mut Marks) -> Option<String> {
    // A heading or label 活动主题 first: it names the campaign's theme outright.
    for (k, &l) in lines.iter().enumerate() {
        let r = doc.trimmed(l);
        if !doc.key[r.clone()].contains("主题") {
            continue;
        }
        let Some(c) = THEME_LABEL.captures(&doc.key[r.clone()]) else { continue };
        let found = match c.name("rest").filter(|m| !unquote(m.as_str()).is_empty()) {
            Some(m) => r.start + m.start()..r.start + m.end(),
            None => match lines.get(k + 1) {
                Some(&next) => doc.trimmed(next),
                None => continue,
            },
        };
        let text = unquote(&doc.src[found.clone()]);
        if !text.is_empty() && text.chars().count() <= 60 && !text.contains('。') {
            marks.add(Field::Theme, 0, found);
            return Some(text.to_owned());
        }
    }
    for r in doc.paragraphs(lines).into_iter().filter(|r| doc.key[r.clone()].contains("主题")) {
        for c in captures_in(&THEME_QUOTED, &doc.key, r.clone()) {
            if c.name("of").is_some_and(|m| !m.is_empty()) {
                continue;
            }
            let Some(m) = c.name("a").or_else(|| c.name("b")) else { continue };
            marks.add(Field::Theme, 0, m.range());
            return Some(join_lines(&doc.src[m.range()]));
        }
    }
    None
}

fn range_at(c: &Captures<'_>, year: i32, months_only: bool) -> Option<Period> {
    let ay = match c.name("ay") {
        Some(y) => i32::try_from(dates::number(y.as_str())?).ok()?,
        None => year,
    };
    let by = match c.name("by") {
        Some(y) => i32::try_from(dates::number(y.as_str())?).ok()?,
        None => ay,
    };
    let am = dates::number(c.name("am")?.as_str())?;
    let bm = match c.name("bm") {
        Some(m) => dates::number(m.as_str())?,
        None => am,
    };
    let (start, end): (NaiveDate, NaiveDate) = if months_only {
        (dates::ymd(ay, am, 1)?, dates::month_end(by, bm)?)
    } else {
        (
            dates::ymd(ay, am, dates::number(c.name("ad")?.as_str())?)?,
            dates::ymd(by, bm, dates::number(c.name("bd")?.as_str())?)?,
        )
    };
    (start <= end).then_some(Period { start, end })
}

/// The first date range in `r`.
fn find_range(doc: &Doc, r: Range<usize>, year: i32) -> Option<(Period, Range<usize>)> {
    let hay = &doc.key[..r.end];
    let a = RANGE.captures_at(hay, r.start).and_then(|c| Some((range_at(&c, year, false)?, c.get(0)?.range())));
    let b = MONTH_RANGE.captures_at(hay, r.start).and_then(|c| Some((range_at(&c, year, true)?, c.get(0)?.range())));
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.1.start < a.1.start { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn sentence_around(doc: &Doc, l: usize, at: usize) -> Range<usize> {
    let r = doc.trimmed(l);
    let key = &doc.key;
    let start = key[r.start..at].rfind('。').map_or(r.start, |i| r.start + i + 3);
    let end = key[at..r.end].find('。').map_or(r.end, |i| at + i);
    start..end
}

fn period(doc: &Doc, lines: &[usize], first_section: Option<usize>, year: i32, marks: &mut Marks) -> Option<Period> {
    let mut found: Option<(Period, Range<usize>)> = None;
    // 活动时间：2023年11月1日至11月30日 or 整治时间为…, anywhere in a sentence.
    for &l in lines.iter().filter(|&&l| doc.key(l).contains(['时', '期'])) {
        let r = doc.trimmed(l);
        for m in TIME_INLINE.find_iter(&doc.key[r.clone()]) {
            let from = r.start + m.end();
            let near = doc.key[from..r.end].char_indices().nth(4).map_or(r.end, |(i, _)| from + i);
            if let Some(f) = find_range(doc, from..r.end, year).filter(|f| f.1.start <= near) {
                found = Some(f);
                break;
            }
        }
        if found.is_some() {
            break;
        }
    }
    // A heading 活动时间 with the dates on its line or the next (not a phase: 动员部署阶段（…）).
    for (k, &l) in lines.iter().enumerate() {
        if found.is_some() {
            break;
        }
        let r = doc.trimmed(l);
        if !doc.key[r.clone()].contains(['时', '期']) {
            continue;
        }
        let Some(m) = TIME_LABEL.find(&doc.key[r.clone()]) else { continue };
        found = find_range(doc, r.start + m.end()..r.end, year).or_else(|| {
            let &next = lines.get(k + 1)?;
            if doc.key(next).contains("阶段") {
                return None;
            }
            find_range(doc, doc.trimmed(next), year)
        });
        if found.is_some() {
            break;
        }
    }
    // 今年6月是第20个“安全生产月”: the whole month.
    if found.is_none() {
        for &l in lines.iter().filter(|&&l| doc.key(l).contains('月')) {
            let r = doc.trimmed(l);
            if let Some(c) = MONTH_IS.captures_at(&doc.key[..r.end], r.start) {
                let y = c.name("y").and_then(|y| dates::number(y.as_str())).and_then(|y| i32::try_from(y).ok());
                let m = c.name("m").and_then(|m| dates::number(m.as_str()));
                let whole = c.get(0).map(|m| m.range());
                if let (Some(m), Some(whole)) = (m, whole) {
                    let y = y.unwrap_or(year);
                    if let (Some(start), Some(end)) = (dates::ymd(y, m, 1), dates::month_end(y, m)) {
                        found = Some((Period { start, end }, whole));
                        break;
                    }
                }
            }
        }
    }
    // 整治行动自3月10日起至12月31日止: a range the campaign runs, not one of its phases (阶段).
    if found.is_none() {
        'lines: for &l in lines.iter().filter(|&&l| doc.key(l).contains(['自', '从', '为'])) {
            let r = doc.trimmed(l);
            let mut at = r.start;
            while let Some((p, range)) = find_range(doc, at..r.end, year) {
                let s = sentence_around(doc, l, range.start);
                let lead = &doc.key[s.start..range.start];
                let tail: String = lead.chars().rev().take(4).collect::<String>().chars().rev().collect();
                if (tail.contains('自') || tail.contains('从') || tail.ends_with("时间为")) && !lead.contains("阶段")
                {
                    found = Some((p, range));
                    break 'lines;
                }
                at = range.end;
            }
        }
    }
    // 宣传周 (5·12) and 汛期: the range in the sentence naming them.
    if found.is_none() {
        'words: for word in ["宣传周", "汛期"] {
            for &l in lines {
                let r = doc.trimmed(l);
                let Some(at) = doc.key[r.clone()].find(word) else { continue };
                let s = sentence_around(doc, l, r.start + at);
                if let Some(f) = find_range(doc, s, year) {
                    found = Some(f);
                    break 'words;
                }
            }
        }
    }
    // Otherwise the first range in the preamble, before the first section.
    if found.is_none() {
        for &l in lines.iter().filter(|&&l| first_section.is_none_or(|f| l < f)) {
            if let Some(f) = find_range(doc, doc.trimmed(l), year) {
                found = Some(f);
                break;
            }
        }
    }
    let (period, r) = found?;
    marks.add(Field::Period, 0, r);
    Some(period)
}
