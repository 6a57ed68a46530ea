//! The text a notice is read from: line breaks made uniform, page numbers of a copied PDF taken out, and a
//! "key" twin of the same byte length in which traditional characters read as simplified ones.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::trad;

/// `— 2 —`, `－3－`, `- 4 -` or `第 2 页` on a line of its own.
static PAGE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[\s\u{3000}]*(?:[—－\-–―─]+[\s\u{3000}]*[0-9０-９]{1,3}[\s\u{3000}]*[—－\-–―─]+|第[\s\u{3000}]*[0-9０-９]{1,3}[\s\u{3000}]*页(?:[\s\u{3000}]*共[\s\u{3000}]*[0-9０-９]{1,3}[\s\u{3000}]*页)?)[\s\u{3000}]*$",
    )
});
/// A page number inside a line: long dashes on both sides (a hyphen alone would catch dates like 2021-05-25).
static PAGE_INLINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"[\s\u{3000}]*[—－–―─]+[\s\u{3000}]*[0-9０-９]{1,3}[\s\u{3000}]*[—－–―─]+[\s\u{3000}]*"));

/// A regex from one of the crate's fixed patterns; every pattern is compiled by the tests.
#[expect(clippy::expect_used, reason = "fixed patterns, each compiled by the tests")]
pub(crate) fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a fixed pattern")
}

/// Every match of `re` inside `range` of `hay`, with offsets into the whole of `hay` (so a search over one
/// line costs that line, not the text before it).
pub(crate) fn captures_in<'r, 'h>(
    re: &'r Regex,
    hay: &'h str,
    range: Range<usize>,
) -> impl Iterator<Item = regex::Captures<'h>> + use<'r, 'h> {
    let hay = &hay[..range.end];
    let mut at = range.start;
    std::iter::from_fn(move || {
        if at > hay.len() {
            return None;
        }
        let c = re.captures_at(hay, at)?;
        let m = c.get(0)?;
        at = if m.is_empty() { m.end() + hay[m.end()..].chars().next().map_or(1, char::len_utf8) } else { m.end() };
        Some(c)
    })
}

/// The cleaned text, its key twin and its lines.
pub(crate) struct Doc {
    pub src: String,
    pub key: String,
    pub lines: Vec<Range<usize>>,
    /// Each line without the blanks around it.
    trimmed: Vec<Range<usize>>,
}

impl Doc {
    pub fn new(input: &str) -> Doc {
        let src = clean(input);
        let key = key_text(&src);
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                lines.push(start..i);
                start = i + 1;
            }
        }
        lines.push(start..src.len());
        let trimmed = lines.iter().map(|l| trim_range(&src, l.clone())).collect();
        Doc { src, key, lines, trimmed }
    }

    /// The line's range without the blanks around it.
    pub fn trimmed(&self, i: usize) -> Range<usize> {
        self.trimmed[i].clone()
    }

    pub fn text(&self, i: usize) -> &str {
        &self.src[self.trimmed(i)]
    }

    pub fn key(&self, i: usize) -> &str {
        &self.key[self.trimmed(i)]
    }

    pub fn is_blank(&self, i: usize) -> bool {
        self.trimmed(i).is_empty()
    }

    /// The next non-blank line at or after `i`, before `end`.
    pub fn next_filled(&self, mut i: usize, end: usize) -> Option<usize> {
        while i < end {
            if !self.is_blank(i) {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// `lines` (ascending indices) grouped into paragraphs: a line that does not end a sentence runs on into
    /// the next one, as text pasted from a PDF breaks mid-sentence — unless either is a numbered heading.
    pub fn paragraphs(&self, lines: &[usize]) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        let mut open = false;
        for (k, &l) in lines.iter().enumerate() {
            let r = self.trimmed(l);
            match out.last_mut() {
                Some(p) if open && k > 0 && lines[k - 1] + 1 == l && !starts_numbered(&self.key[r.clone()]) => {
                    p.end = r.end
                }
                _ => out.push(r.clone()),
            }
            let key = &self.key[r];
            open = !ends_sentence(key) && !starts_numbered(key) && key.chars().count() >= 12;
        }
        out
    }

    /// The line holding byte offset `at`.
    pub fn line_of(&self, at: usize) -> usize {
        self.lines.partition_point(|l| l.end < at).min(self.lines.len().saturating_sub(1))
    }
}

pub(crate) fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}'
}

pub(crate) fn trim_range(s: &str, r: Range<usize>) -> Range<usize> {
    let part = &s[r.clone()];
    let lead = part.len() - part.trim_start_matches(is_blank_char).len();
    let rest = &part[lead..];
    let kept = rest.trim_end_matches(is_blank_char).len();
    r.start + lead..r.start + lead + kept
}

/// A value that a line break cut in two, joined again (the break and the blanks around it dropped).
pub(crate) fn join_lines(s: &str) -> String {
    if !s.contains('\n') {
        return s.to_owned();
    }
    s.split('\n').map(|part| part.trim_matches(is_blank_char)).collect()
}

/// Every blank removed: how titles and names are compared and printed.
pub(crate) fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !is_blank_char(*c)).collect()
}

/// The key twin: a copy of the text in which only the characters that read differently are rewritten, each
/// by one of the same UTF-8 length, so offsets stay shared.
fn key_text(src: &str) -> String {
    let mut bytes = src.as_bytes().to_vec();
    for (i, c) in src.char_indices().filter(|(_, c)| *c as u32 >= 0x25CB) {
        let k = match c {
            '○' | '◯' => '〇',
            _ => trad::simplify(c),
        };
        if k != c && k.len_utf8() == c.len_utf8() {
            k.encode_utf8(&mut bytes[i..i + c.len_utf8()]);
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| src.to_owned())
}

/// Whether a line starts with a heading's number (一、 （一） 1. （1）).
fn starts_numbered(key: &str) -> bool {
    let mut chars = key.chars();
    match chars.next() {
        Some('（' | '(') => chars.next().is_some_and(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c)),
        Some(c) if "一二三四五六七八九十".contains(c) => chars.take(3).any(|c| c == '、'),
        Some(c) if c.is_ascii_digit() => chars.take(2).any(|c| matches!(c, '.' | '．' | '、')),
        _ => false,
    }
}

/// Whether a line ends a sentence, so a page break after it is a paragraph break, not a cut sentence.
fn ends_sentence(line: &str) -> bool {
    line.trim_end_matches(is_blank_char).chars().last().is_none_or(|c| "。：:；;！!？?”」）)".contains(c))
}

fn clean(input: &str) -> String {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut out = String::with_capacity(input.len());
    // A page number on its own line: drop it; when it cut a sentence in two, join the halves.
    let mut join_next = false;
    for raw in input.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let line: std::borrow::Cow<'_, str> =
            if line.contains('\r') { line.replace('\r', "\n").into() } else { line.into() };
        if PAGE_LINE.is_match(&line) {
            let prev = out.trim_end_matches('\n');
            join_next = !prev.is_empty() && !ends_sentence(prev);
            continue;
        }
        let line = if has_long_dash_digit(&line) { PAGE_INLINE.replace_all(&line, "") } else { line };
        if join_next {
            if line.trim_matches(is_blank_char).is_empty() {
                continue;
            }
            join_next = false;
            while out.ends_with('\n') {
                out.pop();
            }
            out.push_str(line.trim_start_matches(is_blank_char));
            out.push('\n');
            continue;
        }
        out.push_str(&line);
        out.push('\n');
    }
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

/// A cheap test before the inline page-number regex runs over a line.
fn has_long_dash_digit(line: &str) -> bool {
    line.contains(['—', '－', '–', '―', '─']) && line.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_on_their_own_line_are_dropped_and_cut_sentences_joined() {
        let doc = Doc::new("各单位要高度重视\n\n— 2 —\n\n精心组织。\n下一段");
        assert_eq!(doc.src, "各单位要高度重视精心组织。\n下一段");
    }

    #[test]
    fn a_page_number_after_a_full_sentence_keeps_the_paragraph_break() {
        let doc = Doc::new("各单位要高度重视。\n- 3 -\n二、加强领导");
        assert_eq!(doc.src, "各单位要高度重视。\n二、加强领导");
    }

    #[test]
    fn page_numbers_inside_a_line_are_dropped_but_dates_with_hyphens_stay() {
        let doc = Doc::new("于2021-05-25前报送 — 12 — 活动方案");
        assert_eq!(doc.src, "于2021-05-25前报送活动方案");
    }

    #[test]
    fn the_key_twin_reads_traditional_and_keeps_offsets() {
        let doc = Doc::new("\u{feff}關於開展二○二一年\r\n工作");
        assert_eq!(doc.key, "关于开展二〇二一年\n工作");
        assert_eq!(doc.key.len(), doc.src.len());
        assert_eq!(doc.text(1), "工作");
    }
}
