//! Text helpers for Chinese input: trimming, counting characters, sort and search keys.

use pinyin::ToPinyin;

/// Trims and folds inner runs of white space (including the full-width space) to one space.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{3000}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Text of several lines as typed into a text area: `\r\n` becomes `\n`, control characters go,
/// trailing spaces go, at most one blank line in a row, and no blank lines at either end.
pub fn clean_multiline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let line: String = line.chars().filter(|c| !c.is_control() || *c == '\t').collect();
        let line = line.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    // A stray space before the first word is a slip; a full-width indent (　　) is meant.
    out.trim_start_matches([' ', '\t']).to_owned()
}

/// Number of characters a person would count (汉字 count as one each).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// A key that sorts Chinese names the way a Chinese reader expects (by pinyin), and the same on
/// every database: collations differ between SQLite and PostgreSQL, plain ASCII does not.
pub fn sort_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() * 3);
    for c in name.chars() {
        match c.to_pinyin() {
            Some(p) => {
                key.push_str(p.plain());
                key.push(' ');
            }
            None => key.extend(c.to_lowercase()),
        }
    }
    key
}

/// The lower-cased text that unit search matches against: name, code, contact, and the pinyin
/// initials of the name (so `hdp` finds 胡豆坪村).
pub fn search_text(parts: &[&str], name: &str) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(&p.to_lowercase());
        out.push('\u{1f}');
    }
    for c in name.chars() {
        if let Some(p) = c.to_pinyin() {
            out.push_str(p.first_letter());
        }
    }
    out
}

/// Escapes `%`, `_` and `\` for use inside a LIKE pattern with `ESCAPE '\'`.
pub fn like_pattern(query: &str) -> String {
    let mut out = String::from("%");
    for c in query.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_text_keeps_its_lines_and_one_blank_line_at_most() {
        assert_eq!(clean_multiline("\r\n 一、方案 \r\n\r\n\r\n二、照片\u{3000}\n\u{7}"), "一、方案\n\n二、照片");
        assert_eq!(clean_multiline("\u{3000}\u{3000}各村"), "\u{3000}\u{3000}各村");
        assert_eq!(clean_multiline("  \n\t\n"), "");
    }

    #[test]
    fn clean_folds_full_width_and_ascii_spaces() {
        assert_eq!(clean("  胡豆坪村\u{3000}\u{3000}村委会 \n"), "胡豆坪村 村委会");
        assert_eq!(clean("   "), "");
    }

    #[test]
    fn sort_key_orders_villages_by_pinyin() {
        let mut names = vec!["莲花石村", "胡豆坪村", "佛岩寺村", "牌坊坝村", "凌阁堂村"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, vec!["佛岩寺村", "胡豆坪村", "莲花石村", "凌阁堂村", "牌坊坝村"]);
    }

    #[test]
    fn search_text_holds_pinyin_initials() {
        assert!(search_text(&["胡豆坪村"], "胡豆坪村").ends_with("hdpc"));
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
