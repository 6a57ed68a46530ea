//! Whom and what a notice cites: referenced documents (《title》 and/or a document number) and the contact
//! people with their phones.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::header::{DOC_NO, doc_number_at};
use crate::tail::Tail;
use crate::text::{Doc, captures_in, join_lines, re, squeeze};
use crate::{Contact, Field, Marks, Reference};

static BOOK: LazyLock<Regex> = LazyLock::new(|| re(r"《(?P<t>[^《》]{1,150})》"));
/// What follows a 《title》 when it is a film, a programme or a newspaper, not a document.
const NOT_A_DOCUMENT_AFTER: &[&str] = &[
    "电视专题片",
    "专题片",
    "警示教育片",
    "警示片",
    "纪录片",
    "宣传片",
    "电影",
    "影片",
    "视频",
    "节目",
    "栏目",
    "动画",
    "微电影",
    "一书",
    "读本",
    "杂志",
    "专栏",
    "公益广告",
    "短片",
    "话剧",
    "歌曲",
    "展览",
];
const NOT_A_DOCUMENT_BEFORE: &[&str] = &[
    "观看",
    "收看",
    "播放",
    "收听",
    "放映",
    "观影",
    "教育片",
    "专题片",
    "纪录片",
    "宣传片",
    "警示片",
    "影片",
    "短片",
    "电影",
];

fn is_law_or_media(title: &str) -> bool {
    let t = squeeze(title);
    t.starts_with("中华人民共和国")
        || ["法", "条例", "法典", "日报", "晚报", "杂志", "周刊"].iter().any(|e| t.ends_with(e))
}

pub(crate) struct People {
    pub references: Vec<Reference>,
    pub contacts: Vec<Contact>,
}

pub(crate) fn read(doc: &Doc, from: usize, tail: &Tail, marks: &mut Marks) -> People {
    let lines: Vec<usize> = (from..doc.lines.len()).filter(|&i| !tail.taken[i] && !doc.is_blank(i)).collect();
    People { references: references(doc, &lines, marks), contacts: contacts(doc, &lines, marks) }
}

fn references(doc: &Doc, lines: &[usize], marks: &mut Marks) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    let mut push = |out: &mut Vec<Reference>, r: Reference, range: Range<usize>| {
        if !out.contains(&r) {
            marks.add(Field::Reference, out.len(), range);
            out.push(r);
        }
    };
    for r in doc.paragraphs(lines).into_iter().filter(|r| doc.key[r.clone()].contains(['《', '号'])) {
        let hay = &doc.key[..r.end];
        let mut numbers: Vec<(usize, String, Range<usize>)> = captures_in(&DOC_NO, hay, r.clone())
            .filter_map(|c| doc_number_at(doc, &c).map(|(n, range)| (range.start, n, range)))
            .collect();
        let books: Vec<_> = captures_in(&BOOK, hay, r.clone()).collect();
        let mut items: Vec<(usize, Reference, Range<usize>)> = Vec::new();
        for c in books {
            let (Some(whole), Some(t)) = (c.get(0), c.name("t")) else { continue };
            let after = &doc.key[whole.end()..r.end];
            let before_start =
                doc.key[r.start..whole.start()].char_indices().rev().nth(9).map_or(r.start, |(i, _)| r.start + i);
            let before = &doc.key[before_start..whole.start()];
            if is_law_or_media(t.as_str())
                || NOT_A_DOCUMENT_AFTER.iter().any(|w| after.trim_start().starts_with(w))
                || NOT_A_DOCUMENT_BEFORE.iter().any(|w| before.contains(w))
            {
                continue;
            }
            // A number right after the title, bare or in brackets, is that document's.
            let gap_end = whole.end() + after.len().min(after.char_indices().nth(3).map_or(after.len(), |(i, _)| i));
            let number = numbers.iter().position(|(start, _, _)| *start >= whole.end() && *start <= gap_end);
            let (doc_number, end) = match number {
                Some(k) => {
                    let (_, n, range) = numbers.remove(k);
                    (Some(n), range.end)
                }
                None => (None, whole.end()),
            };
            let title = join_lines(&doc.src[t.range()]);
            items.push((whole.start(), Reference { title: Some(title), doc_number }, whole.start()..end));
        }
        for (start, n, range) in numbers {
            items.push((start, Reference { title: None, doc_number: Some(n) }, range));
        }
        items.sort_by_key(|i| i.0);
        for (_, reference, range) in items {
            push(&mut out, reference, range);
        }
    }
    out
}

static CONTACT_LABEL: LazyLock<Regex> = LazyLock::new(|| re(r"联[\s\u{3000}]*系[\s\u{3000}]*人"));
static PHONE_LABEL_LINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:联系)?(?:电[\s\u{3000}]*话|手[\s\u{3000}]*机|座机|固话|办公电话|联系方式)"));
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<label>联[\s\u{3000}]*系[\s\u{3000}]*人|联系电话|联系方式|办公电话|固定电话|移动电话|电话号码|手机号码|手机号|电[\s\u{3000}]*话|手[\s\u{3000}]*机|座机|固话|传[\s\u{3000}]*真|电子邮箱|电子邮件|邮箱|邮件|E-?mail|e-?mail|EMAIL|QQ|qq|Qq|微信|地址|姓名)|(?P<mail>[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+)|(?P<phone>1[3-9][0-9][\s\-]?[0-9]{4}[\s\-]?[0-9]{4}|(?:[（(]0[0-9]{2,3}[)）][\s]*|0[0-9]{2,3}[\s]*[-－—][\s]*|0[0-9]{2,3}[\s]+)?[0-9]{7,8}(?:[-－][0-9]{1,4})?)|(?P<num>[0-9]+)|(?P<han>\p{Han}+)",
    )
});
/// Words next to a name that are not names: titles, and the words of a contact line.
const NOT_NAMES: &[&str] = &[
    "同志",
    "及",
    "和",
    "分别",
    "如下",
    "负责人",
    "联系",
    "咨询",
    "工作人员",
    "办公室",
    "主任",
    "副主任",
    "科长",
    "副科长",
    "所长",
    "站长",
    "局长",
    "副局长",
    "镇长",
    "副镇长",
    "书记",
    "干事",
    "队长",
    "组长",
    "部长",
    "专干",
    "股长",
    "同事",
    "号码",
    "方式",
    "其他",
    "电话",
    "手机",
    "传真",
    "邮箱",
    "地址",
    "办公",
    "固定",
    "移动",
    "联系方式",
    "联系电话",
    "座机",
    "无",
    "人",
    "女士",
    "先生",
    "老师",
    "或",
];
const ORG_TAILS: &[&str] = &[
    "中心",
    "办公室",
    "委员会",
    "应急办",
    "安办",
    "党委",
    "政府",
    "管理局",
    "执法队",
    "大队",
    "中队",
    "派出所",
    "工作站",
    "供电所",
    "卫生院",
    "小组",
    "安监站",
    "消防站",
    "指挥部",
    "服务站",
    "公司",
    "单位",
    "部门",
];

fn name_of(s: &str) -> Option<&str> {
    let s = s.strip_suffix("同志").unwrap_or(s);
    let n = s.chars().count();
    let org = ORG_TAILS.iter().any(|t| s.ends_with(t))
        || (n >= 3
            && s.starts_with(['镇', '区', '县', '乡', '村'])
            && s.ends_with(['办', '局', '所', '站', '委', '院', '处', '科', '部']));
    ((2..=4).contains(&n) && !org && !NOT_NAMES.contains(&s)).then_some(s)
}

enum Token {
    Name(String, Range<usize>),
    Phone(Range<usize>),
}

fn contacts(doc: &Doc, lines: &[usize], marks: &mut Marks) -> Vec<Contact> {
    let mut out: Vec<Contact> = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let l = lines[k];
        let r = doc.trimmed(l);
        let Some(label) = CONTACT_LABEL.find(&doc.key[r.clone()]) else {
            k += 1;
            continue;
        };
        // The contact line, and the phone lines right below it.
        let mut windows: Vec<Range<usize>> = Vec::new();
        windows.push(r.start + label.start()..r.end);
        while let Some(&next) = lines.get(k + 1) {
            let nr = doc.trimmed(next);
            let key = &doc.key[nr.clone()];
            // A phone line, or the next name of a list wrapped onto this line (张伟，电话：…；\n李志强，电话：…).
            let prev = &doc.key[windows.last().map_or(0..0, Clone::clone)];
            let wrapped = prev.ends_with(['；', ';', '，', ',', '、'])
                && key.chars().count() <= 60
                && TOKEN.captures_iter(key).any(|c| c.name("phone").is_some());
            if !(PHONE_LABEL_LINE.is_match(key) || wrapped) || CONTACT_LABEL.is_match(key) {
                break;
            }
            windows.push(nr);
            k += 1;
        }
        k += 1;
        let tokens = tokens(doc, &windows);
        for (name, phone, range) in pair(&tokens) {
            let c = Contact { name, phone: doc.src[phone].to_owned() };
            if !out.contains(&c) {
                marks.add(Field::Contact, out.len(), range);
                out.push(c);
            }
        }
    }
    out
}

fn tokens(doc: &Doc, windows: &[Range<usize>]) -> Vec<Token> {
    let mut out = Vec::new();
    for w in windows {
        // The label before a number says whether it is a phone (电话, 手机) or noise (传真, QQ, 邮箱).
        let mut noise_label = false;
        for c in captures_in(&TOKEN, &doc.key, w.clone()) {
            if let Some(m) = c.name("label") {
                let label = squeeze(m.as_str());
                noise_label =
                    matches!(label.as_str(), "传真" | "邮箱" | "电子邮箱" | "电子邮件" | "邮件" | "微信" | "地址")
                        || label.eq_ignore_ascii_case("qq")
                        || label.to_ascii_lowercase().starts_with("e");
            } else if let Some(m) = c.name("phone") {
                if !noise_label {
                    out.push(Token::Phone(m.range()));
                }
            } else if let Some(m) = c.name("han")
                && let Some(name) = name_of(&doc.src[m.range()])
            {
                noise_label = false;
                out.push(Token::Name(name.to_owned(), m.range()));
            }
        }
    }
    out
}

/// Names and phones paired: listed in parallel (张三、李四 … 电话1、电话2) by position, otherwise each phone
/// with the name before it.
fn pair(tokens: &[Token]) -> Vec<(String, Range<usize>, Range<usize>)> {
    let names: Vec<(&String, &Range<usize>)> =
        tokens.iter().filter_map(|t| if let Token::Name(n, r) = t { Some((n, r)) } else { None }).collect();
    let phones: Vec<&Range<usize>> =
        tokens.iter().filter_map(|t| if let Token::Phone(r) = t { Some(r) } else { None }).collect();
    let mut out = Vec::new();
    let parallel = names.len() >= 2
        && names.len() == phones.len()
        && names.last().zip(phones.first()).is_some_and(|(n, p)| n.1.end <= p.start);
    if parallel {
        for ((name, nr), pr) in names.iter().zip(&phones) {
            out.push(((*name).clone(), (*pr).clone(), nr.start..pr.end));
        }
        return out;
    }
    for pr in phones {
        let owner = names.iter().rev().find(|(_, nr)| nr.end <= pr.start).or_else(|| names.first());
        if let Some((name, nr)) = owner {
            out.push(((*name).clone(), pr.clone(), nr.start.min(pr.start)..nr.end.max(pr.end)));
        }
    }
    out
}
