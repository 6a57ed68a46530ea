//! Dates as notices write them: 2021年5月25日, 二〇二一年五月二十五日, 5月31日 (the year from the document),
//! 6月底 (the month's last day).

use chrono::{Datelike, NaiveDate};
use regex::Captures;

/// The pieces of a date pattern, for building larger patterns: year, month, day.
pub(crate) const YEAR: &str = r"[0-9０-９]{4}|[〇零一二三四五六七八九OＯ]{4}";
pub(crate) const MONTH: &str = r"[0-9０-９]{1,2}|十[一二]?|[一二三四五六七八九]";
pub(crate) const DAY: &str = r"[0-9０-９]{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]";

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        '〇' | '零' | 'O' | 'Ｏ' | '○' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

/// A number written in digits or in Chinese numerals up to 99 (十, 十五, 二十, 三十一).
pub(crate) fn number(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Some((tens, ones)) = s.split_once('十') {
        let tens = if tens.is_empty() { 1 } else { digit(single(tens)?)? };
        let ones = if ones.is_empty() { 0 } else { digit(single(ones)?)? };
        return Some(tens * 10 + ones);
    }
    let mut n: u32 = 0;
    let mut any = false;
    for c in s.chars() {
        n = n.checked_mul(10)?.checked_add(digit(c)?)?;
        any = true;
    }
    any.then_some(n)
}

fn single(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

pub(crate) fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

pub(crate) fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 { ymd(year + 1, 1, 1)? } else { ymd(year, month + 1, 1)? };
    first_of_next.pred_opt()
}

/// A date from named captures `y` (optional), `m` and `d` (or `end` for 月底).
pub(crate) fn from_captures(c: &Captures<'_>, prefix: &str, default_year: Option<i32>) -> Option<NaiveDate> {
    let name = |n: &str| format!("{prefix}{n}");
    let year = match c.name(&name("y")) {
        Some(y) => i32::try_from(number(y.as_str())?).ok()?,
        None => default_year?,
    };
    let month = number(c.name(&name("m"))?.as_str())?;
    match c.name(&name("d")) {
        Some(d) => ymd(year, month, number(d.as_str())?),
        None => month_end(year, month),
    }
}

pub(crate) fn year_of(d: NaiveDate) -> i32 {
    d.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_in_digits_and_chinese_numerals() {
        for (text, n) in
            [("5", 5), ("２５", 25), ("十", 10), ("十五", 15), ("二十", 20), ("三十一", 31), ("二〇二一", 2021)]
        {
            assert_eq!(number(text), Some(n), "{text}");
        }
        assert_eq!(number("十十"), None);
        assert_eq!(number(""), None);
        assert_eq!(number("99999999999"), None);
    }

    #[test]
    fn a_month_ends_on_its_last_day() {
        assert_eq!(month_end(2024, 2), ymd(2024, 2, 29));
        assert_eq!(month_end(2021, 12), ymd(2021, 12, 31));
        assert_eq!(month_end(2021, 13), None);
    }
}
