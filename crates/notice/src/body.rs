//! The text proper: numbered sections (each a track of work), deadlines, the named key dates, the theme and
//! the campaign's period.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::{Captures, Regex};

use crate::dates::{self, DAY, MONTH, YEAR};
use crate::header::Head;
use crate::tail::Tail;
use crate::text::{Doc, is_blank_char, re, trim_range};
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
static MONTH_IS: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?:(?P<y>{YEAR}){SP}年{SP})?(?P<m>{MONTH}){SP}月份?{SP}(?:是|为)[^。；]{{0,24}}月")));
static TIME_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十]{1,3}[)）])?[\s\u{3000}]*(?:活动|宣传|整治|行动|检查|排查|开展|实施|集中|工作|专项)?(?:时间|期间)(?:安排|范围)?[\s\u{3000}]*(?:[:：]|$)")
});
static THEME_QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:以[\s\u{3000}]*[“「『\x22](?P<a>[^”」』\x22\n]{2,60})[”」』\x22][\s\u{3000}]*为[\s\u{3000}]*(?:本次|今年|活动|宣传|本届)*主题(?P<of>的?)|主题[\s\u{3000}]*(?:为|是|：|:)[\s\u{3000}]*[“「『\x22](?P<b>[^”」』\x22\n]{2,60})[”」』\x22])")
});
static THEME_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十]{1,3}[)）])?[\s\u{3000}]*(?:活动|宣传|年度)?主题[\s\u{3000}]*(?:[:：](?P<rest>.*))?$")
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
    pub deadlines: Vec<Dated>,
    pub key_dates: Vec<Dated>,
}

pub(crate) fn first_year(doc: &Doc) -> Option<i32> {
    YEAR_ANY.captures(&doc.key).and_then(|c| c.get(1)?.as_str().parse().ok())
}

pub(crate) fn read(doc: &Doc, head: &Head, tail: &Tail, year: Option<i32>, marks: &mut Marks) -> Body {
    let lines: Vec<usize> =
        (head.body_start..doc.lines.len()).filter(|&i| !tail.taken[i] && !doc.is_blank(i)).collect();
    let (sections, first_section_line) = sections(doc, head, tail, &lines, marks);
    Body {
        theme: theme(doc, &lines, marks),
        period: year.and_then(|y| period(doc, &lines, first_section_line, y, marks)),
        sections,
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
        let number = if level == 0 || level == 2 { r.start + n.start()..r.start + n.end() } else { r.start..r.start + end };
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
        } else if let Some(run) = runs.last_mut() {
            if run.last().is_some_and(|&last| headings[last].value + 1 == h.value) {
                run.push(i);
            }
        }
    }
    runs.retain(|r| r.len() >= 2);
    runs
}

fn sections(doc: &Doc, head: &Head, tail: &Tail, lines: &[usize], marks: &mut Marks) -> (Vec<Section>, Option<usize>) {
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
        (_, None, None) => return (Vec::new(), None),
    };
    let mut out = Vec::new();
    for (k, &i) in run.iter().enumerate() {
        let h = hs[i];
        let next_line = run.get(k + 1).map_or(usize::MAX, |&j| hs[j].line);
        let inner: Vec<&Heading> =
            hs.iter().copied().filter(|c| c.level == level + 1 && c.line > h.line && c.line < next_line).collect();
        let children = runs(&inner)
            .into_iter()
            .next()
            .map(|run| run.into_iter().map(|j| leaf(doc, inner[j], marks)).collect())
            .unwrap_or_default();
        marks.add(Field::Section, out.len(), h.number.start..h.title.end.max(h.number.end));
        out.push(Section { number: doc.src[h.number.clone()].to_owned(), title: doc.src[h.title.clone()].to_owned(), children });
    }
    let first = run.first().map(|&i| hs[i].line);
    (out, first)
}

fn leaf(doc: &Doc, h: &Heading, marks: &mut Marks) -> Section {
    marks.add(Field::Section, usize::MAX, h.number.start..h.title.end.max(h.number.end));
    Section { number: doc.src[h.number.clone()].to_owned(), title: doc.src[h.title.clone()].to_owned(), children: Vec::new() }
}

/// Verbs that stand between a deadline and the thing due (前报送活动方案).
const LEADING: &[&str] = &[
    "书面报送", "报送至", "报送", "上报", "报给", "报至", "提交", "提供", "完成", "形成", "上传", "发送", "发至", "交至",
    "递交", "开展", "建立", "制定", "将", "把", "向", "以", "报", "交", "送", "并", "本单位", "本部门", "本村", "各自",
];
/// Where the thing due ends and the rest of the sentence (who it goes to) begins.
const TRAILING: &[&str] = &[
    "报送", "上报", "报至", "报给", "报到", "送至", "送达", "交至", "交到", "发送", "发至", "提交", "上传", "报镇", "报区",
    "报县", "报市", "报街道", "报乡", "报局", "交镇", "交区", "至", "到", "（", "(", "等",
];

fn strip_leading(mut s: &str) -> &str {
    loop {
        let t = s.trim_start_matches(is_blank_char);
        match LEADING.iter().find(|w| t.starts_with(**w)) {
            Some(w) => s = &t[w.len()..],
            None => return t,
        }
    }
}

/// What is due by a deadline found at `m` in `key`: the thing after it, or before it, or the heading holding it.
fn due_what(doc: &Doc, line: usize, m: Range<usize>) -> Option<Range<usize>> {
    let r = doc.trimmed(line);
    let key = &doc.key;
    let before = &key[r.start..m.start];
    let after = &key[m.end..r.end];
    // （3月6日前） inside a heading: the heading's name.
    if before.ends_with(['（', '(']) && after.starts_with(['）', ')']) {
        if let Some(h) = heading(doc, line) {
            let end = h.title.start.max(m.start - before.chars().next_back().map_or(0, char::len_utf8));
            let t = trim_range(&doc.src, h.title.start..end);
            if !t.is_empty() {
                return Some(t);
            }
        }
    }
    let clause_end = after.find(|c: char| "，。；;,！!：:、\n".contains(c)).unwrap_or(after.len());
    let clause = &after[..clause_end];
    let rest = strip_leading(clause);
    let start = m.end + (clause.len() - rest.len());
    let cut = TRAILING.iter().filter_map(|w| rest.find(w).filter(|&at| at > 0)).min().unwrap_or(rest.len());
    let what = trim_range(&doc.src, start..start + cut);
    if !what.is_empty() && what.len() <= 60 {
        return Some(what);
    }
    // 活动方案请于5月31日前报送: the thing before the date.
    let clause_start = before
        .char_indices()
        .filter(|(_, c)| "，。；;,！!：:、".contains(*c))
        .last()
        .map_or(0, |(at, c)| at + c.len_utf8());
    let mut subject = &before[clause_start..];
    for w in ["于", "请", "须", "需", "务必", "必须", "应", "要", "并", "统一", "均", "在"] {
        subject = subject.trim_end_matches(is_blank_char).strip_suffix(w).unwrap_or(subject);
    }
    for w in ["于", "请", "须", "需", "务必", "必须", "应", "要"] {
        subject = subject.trim_end_matches(is_blank_char).strip_suffix(w).unwrap_or(subject);
    }
    let start = r.start + before.len() - before[clause_start..].len();
    let what = trim_range(&doc.src, start..start + subject.len());
    let text = &doc.key[what.clone()];
    (!what.is_empty() && what.len() <= 60 && !text.starts_with('各')).then_some(what)
}

fn deadlines(doc: &Doc, lines: &[usize], year: i32, marks: &mut Marks) -> Vec<Dated> {
    let mut out: Vec<Dated> = Vec::new();
    for &l in lines {
        let r = doc.trimmed(l);
        for c in DEADLINE.captures_iter(&doc.key[..r.end]).filter(|c| c.get(0).is_some_and(|m| m.start() >= r.start)) {
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
            let Some(what) = due_what(doc, l, m.range()) else { continue };
            let item = Dated { date, what: doc.src[what.clone()].to_owned() };
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
            if let Some(date) = dates::ymd(year, k.1, k.2) {
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

fn unquote(s: &str) -> &str {
    s.trim_matches(|c: char| "“”「」『』\"。；;".contains(c) || is_blank_char(c))
}

fn theme(doc: &Doc, lines: &[usize], marks: &mut Marks) -> Option<String> {
    // A heading or label 活动主题 first: it names the campaign's theme outright.
    for (k, &l) in lines.iter().enumerate() {
        let r = doc.trimmed(l);
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
    for &l in lines {
        let r = doc.trimmed(l);
        for c in THEME_QUOTED.captures_iter(&doc.key[..r.end]).filter(|c| c.get(0).is_some_and(|m| m.start() >= r.start)) {
            if c.name("of").is_some_and(|m| !m.is_empty()) {
                continue;
            }
            let Some(m) = c.name("a").or_else(|| c.name("b")) else { continue };
            marks.add(Field::Theme, 0, m.range());
            return Some(doc.src[m.range()].to_owned());
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
        (dates::ymd(ay, am, dates::number(c.name("ad")?.as_str())?)?, dates::ymd(by, bm, dates::number(c.name("bd")?.as_str())?)?)
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
    // 活动时间：… (or a heading 活动时间 with the dates on the next line).
    for (k, &l) in lines.iter().enumerate() {
        let r = doc.trimmed(l);
        let Some(m) = TIME_LABEL.find(&doc.key[r.clone()]) else { continue };
        found = find_range(doc, r.start + m.end()..r.end, year)
            .or_else(|| lines.get(k + 1).and_then(|&next| find_range(doc, doc.trimmed(next), year)));
        if found.is_some() {
            break;
        }
    }
    // 今年6月是第20个“安全生产月”: the whole month.
    if found.is_none() {
        for &l in lines {
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
