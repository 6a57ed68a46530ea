//! `anjian notice parse FILE [--json]`: read a notice (text or .docx) and print what it says.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use notice::Notice;

/// The largest file the command reads; a notice is a few pages, a .docx a few hundred KB.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub fn parse(path: &Path, json: bool) -> Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE_BYTES {
        bail!("{} is {} MiB; a notice file is at most {} MiB", path.display(), len >> 20, MAX_FILE_BYTES >> 20);
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    let text = notice::decode(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let notice = notice::parse(&text);
    if json {
        return serde_json::to_string_pretty(&notice).context("cannot print the notice as JSON");
    }
    Ok(summary(&notice))
}

fn or_none(v: Option<&str>) -> &str {
    v.unwrap_or("（无）")
}

/// The notice as a person reads it: one labelled line per value.
pub fn summary(n: &Notice) -> String {
    let mut s = String::new();
    let list = |items: &[String]| if items.is_empty() { "（无）".to_owned() } else { items.join("；") };
    let _ = writeln!(s, "标题：{}", or_none(n.title.as_deref()));
    let _ = writeln!(s, "文种：{}", or_none(n.kind.as_deref()));
    let _ = writeln!(s, "发文机关：{}", list(&n.issuer));
    let _ = writeln!(s, "发文字号：{}", or_none(n.doc_number.as_deref()));
    let _ = writeln!(s, "主送：{}", list(&n.recipients));
    let _ = writeln!(s, "主题：{}", or_none(n.theme.as_deref()));
    match &n.period {
        Some(p) => writeln!(s, "活动时间：{} 至 {}", p.start, p.end),
        None => writeln!(s, "活动时间：（无）"),
    }
    .ok();
    let _ = writeln!(s, "成文日期：{}", n.date.map_or("（无）".to_owned(), |d| d.to_string()));
    let _ = writeln!(s, "公开：{}", if n.public { "此件公开发布" } else { "否" });
    let _ = writeln!(s, "正文条目（{}）：", n.sections.len());
    for sec in &n.sections {
        let _ = writeln!(s, "  {} {}", sec.number, sec.title);
        for c in &sec.children {
            let _ = writeln!(s, "    {} {}", c.number, c.title);
        }
    }
    let _ = writeln!(s, "报送时限（{}）：", n.deadlines.len());
    for d in &n.deadlines {
        let _ = writeln!(s, "  {} 前 {}", d.date, d.what);
    }
    let _ = writeln!(s, "重要日子（{}）：", n.key_dates.len());
    for d in &n.key_dates {
        let _ = writeln!(s, "  {} {}", d.date, d.what);
    }
    let _ = writeln!(s, "引用文件（{}）：", n.references.len());
    for r in &n.references {
        let title = r.title.as_deref().map(|t| format!("《{t}》")).unwrap_or_default();
        let _ = writeln!(s, "  {title}{}", r.doc_number.as_deref().map(|d| format!("（{d}）")).unwrap_or_default());
    }
    let _ = writeln!(s, "联系人（{}）：", n.contacts.len());
    for c in &n.contacts {
        let _ = writeln!(s, "  {} {}", c.name, c.phone);
    }
    let _ = writeln!(s, "附件：{}", list(&n.attachments));
    let _ = writeln!(s, "抄送：{}", list(&n.cc));
    match &n.printed {
        Some(p) => writeln!(s, "印发：{} {}", p.by, p.on.map_or(String::new(), |d| d.to_string())),
        None => writeln!(s, "印发：（无）"),
    }
    .ok();
    s
}
