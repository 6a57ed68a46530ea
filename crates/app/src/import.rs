//! Importing units from CSV or XLSX: every row is checked and reported; the import applies
//! fully or changes nothing.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader};
use domain::UnitKind;
use domain::units::UnitInput;
use futures::StreamExt as _;
use serde_json::json;
use store::files::FileRow;
use store::imports::ImportRow;
use store::units::UnitRow;
use uuid::Uuid;

use crate::auth::{Actor, record};
use crate::units::{changes, check_placement};
use crate::{App, Error, Result};

/// Most rows one file may hold.
pub const MAX_ROWS: usize = 10_000;

/// What happened (or would happen) to one row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowReport {
    /// Line in the file as a spreadsheet shows it (the header is line 1).
    pub line: usize,
    pub name: String,
    /// `create`, `update`, `unchanged` or `error`.
    pub outcome: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub import_id: Uuid,
    pub file_id: Uuid,
    pub file_name: String,
    pub applied: bool,
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub rows: Vec<RowReport>,
}

/// Column names people use in their sheets, mapped to the field they fill.
const HEADERS: [(&str, &[&str]); 7] = [
    ("name", &["名称", "单位名称", "单位", "name"]),
    ("kind", &["类型", "单位类型", "类别", "kind", "type"]),
    ("code", &["代码", "单位代码", "统一社会信用代码", "信用代码", "统计代码", "code"]),
    ("industry", &["行业", "行业领域", "所属行业", "industry"]),
    ("contact_name", &["联系人", "联络员", "负责人", "contact", "contact_name"]),
    ("contact_phone", &["联系电话", "电话", "手机", "手机号", "联系方式", "phone", "contact_phone"]),
    ("address", &["地址", "单位地址", "address"]),
];

/// Reads the whole table (header first) from CSV (UTF-8 or GB18030, as Excel saves it) or XLSX.
pub fn read_table(bytes: &[u8], content_type: &str) -> Result<Vec<Vec<String>>> {
    let bad = |m: &str| Error::invalid("file", "unreadable", m.to_owned());
    if content_type == store::files::kinds::XLSX {
        let mut book =
            calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| bad("无法读取该 Excel 文件，请确认是 .xlsx 格式"))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| bad("该 Excel 文件没有工作表"))?
            .map_err(|_| bad("无法读取第一个工作表"))?;
        return Ok(range.rows().map(|r| r.iter().map(cell_text).collect()).collect());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => {
            let (s, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(bad("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"));
            }
            s.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad(&format!("第{}行不是合法的 CSV：{e}", i + 1)))?;
        rows.push(rec.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Codes and phone numbers typed into Excel become numbers; give them back as digits.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Rows of the table as unit inputs with their line numbers; errors name missing columns.
pub fn rows_to_inputs(table: &[Vec<String>]) -> Result<Vec<(usize, UnitInput)>> {
    let Some(header) = table.first() else {
        return Err(Error::invalid("file", "empty", "文件是空的"));
    };
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = domain::text::clean(h).to_lowercase();
        let h = h.trim_end_matches(['*', '＊']).trim();
        if let Some((field, _)) = HEADERS.iter().find(|(_, names)| names.contains(&h)) {
            col.entry(field).or_insert(i);
        }
    }
    let missing: Vec<&str> = [("name", "名称"), ("kind", "类型")]
        .into_iter()
        .filter(|(f, _)| !col.contains_key(f))
        .map(|(_, zh)| zh)
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid("file", "missing_columns", format!("第1行（表头）缺少列：{}", missing.join("、"))));
    }
    if table.len() - 1 > MAX_ROWS {
        return Err(Error::invalid("file", "too_many_rows", format!("一次最多导入{MAX_ROWS}行")));
    }
    let get = |row: &[String], f: &str| col.get(f).and_then(|&i| row.get(i)).cloned().unwrap_or_default();
    Ok(table
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, row)| {
            (
                i + 1,
                UnitInput {
                    name: get(row, "name"),
                    kind: get(row, "kind"),
                    code: get(row, "code"),
                    industry: get(row, "industry"),
                    contact_name: get(row, "contact_name"),
                    contact_phone: get(row, "contact_phone"),
                    address: get(row, "address"),
                    is_sample: false,
                },
            )
        })
        .collect())
}

async fn read_blob(app: &App, file: &FileRow) -> Result<Vec<u8>> {
    let mut stream = app.files.read(&file.sha256, None).await.map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(usize::try_from(file.size).unwrap_or(0));
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.map_err(|e| Error::Internal(e.to_string()))?);
    }
    Ok(out)
}

/// Imports the units of `file` into the town `authority_id` (the caller's own when omitted).
/// With `dry_run`, or when any row is wrong, nothing changes and the report says why.
pub async fn import_units(
    app: &App,
    actor: &Actor,
    authority_id: Option<&str>,
    file: &FileRow,
    dry_run: bool,
) -> Result<ImportReport> {
    if !actor.role.edits_unit_register() {
        return Err(Error::Forbidden);
    }
    let town_id = crate::units::parse_optional_id("authority_id", authority_id)?.unwrap_or(actor.authority_id);
    let town = store::units::get(&app.db, town_id).await?;
    let town = match town {
        Some(t) if actor.sees(&t.path) && t.kind == UnitKind::Town.as_str() => t,
        _ => return Err(Error::invalid("authority_id", "not_a_town", "请选择要导入到的镇街")),
    };
    let table = read_table(&read_blob(app, file).await?, &file.content_type)?;
    let inputs = rows_to_inputs(&table)?;
    if inputs.is_empty() {
        return Err(Error::invalid("file", "no_rows", "文件中没有数据行"));
    }

    let mut tx = app.db.begin().await?;
    let existing = store::units::children_for_update(&mut tx, town.id).await?;
    let by_code: HashMap<&str, &UnitRow> = existing.iter().filter_map(|u| u.code.as_deref().map(|c| (c, u))).collect();
    let by_name: HashMap<&str, &UnitRow> = existing.iter().map(|u| (u.name.as_str(), u)).collect();
    let mut seen_codes: HashMap<String, usize> = HashMap::new();
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(inputs.len());
    let mut writes: Vec<(Option<UnitRow>, UnitRow)> = Vec::new();
    let now = store::now();
    for (line, input) in &inputs {
        let mut report =
            RowReport { line: *line, name: domain::text::clean(&input.name), outcome: String::new(), errors: vec![] };
        match input.parse() {
            Err(errs) => report.errors.extend(errs.into_iter().map(|e| e.message)),
            Ok(fields) => {
                if !UnitKind::BELOW_TOWN.contains(&fields.kind) {
                    report.errors.push(format!("镇街下不能导入“{}”类单位", fields.kind.label_zh()));
                }
                if let Some(first) = seen_names.insert(fields.name.clone(), *line) {
                    report.errors.push(format!("与第{first}行名称重复"));
                }
                if let Some(code) = &fields.code
                    && let Some(first) = seen_codes.insert(code.clone(), *line)
                {
                    report.errors.push(format!("与第{first}行代码重复"));
                }
                let current = fields
                    .code
                    .as_deref()
                    .and_then(|c| by_code.get(c))
                    .or_else(|| by_name.get(fields.name.as_str()))
                    .map(|u| (*u).clone());
                if report.errors.is_empty() {
                    let except = current.as_ref().map(|u| u.id);
                    if let Err(errs) = check_placement(&mut tx, actor, &fields, Some(&town), except).await {
                        report.errors.extend(errs.into_iter().map(|e| e.message));
                    }
                }
                if report.errors.is_empty() {
                    let id = current.as_ref().map(|u| u.id).unwrap_or_else(Uuid::now_v7);
                    let mut new = crate::units::row_from(&fields, id, Some(&town), now);
                    if let Some(old) = &current {
                        new.active = old.active;
                        new.created_at = old.created_at;
                        new.is_sample = old.is_sample;
                        if changes(old, &new).as_object().is_some_and(|m| m.is_empty()) {
                            report.outcome = "unchanged".into();
                        } else {
                            report.outcome = "update".into();
                            writes.push((current.clone(), new));
                        }
                    } else {
                        report.outcome = "create".into();
                        writes.push((None, new));
                    }
                }
            }
        }
        if !report.errors.is_empty() {
            report.outcome = "error".into();
        }
        rows.push(report);
    }
    let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
    let failed = count("error");
    let apply = failed == 0 && !dry_run;
    let import_id = Uuid::now_v7();
    if apply {
        for (old, new) in &writes {
            match old {
                None => {
                    store::units::insert(&mut tx, new).await?;
                    record(
                        &mut tx,
                        actor,
                        "unit.create",
                        "unit",
                        Some(new.id),
                        json!({ "name": new.name, "kind": new.kind, "parent": town.name, "import": import_id }),
                    )
                    .await?;
                }
                Some(old) => {
                    store::units::update(&mut tx, new).await?;
                    record(
                        &mut tx,
                        actor,
                        "unit.update",
                        "unit",
                        Some(new.id),
                        json!({ "name": new.name, "changes": changes(old, new), "import": import_id }),
                    )
                    .await?;
                }
            }
        }
    }
    let report = ImportReport {
        import_id,
        file_id: file.id,
        file_name: file.original_name.clone(),
        applied: apply,
        dry_run,
        created: count("create"),
        updated: count("update"),
        unchanged: count("unchanged"),
        failed,
        rows,
    };
    let stored = ImportRow {
        id: import_id,
        authority_id: town.id,
        file_id: file.id,
        applied: apply,
        rows_total: i32::try_from(report.rows.len()).unwrap_or(i32::MAX),
        rows_failed: i32::try_from(failed).unwrap_or(i32::MAX),
        report: serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?,
        created_by: actor.user_id.ok_or(Error::Forbidden)?,
        created_at: now,
    };
    store::imports::insert(&mut tx, &stored).await?;
    let action = if apply { "unit.import" } else { "unit.import_checked" };
    record(&mut tx, actor, action, "unit_import", Some(import_id), json!({ "file": file.original_name, "town": town.name, "created": report.created, "updated": report.updated, "failed": failed, "dry_run": dry_run })).await?;
    tx.commit().await?;
    if apply && report.updated > 0 {
        // Units' names and kinds are on the boards of the campaigns sent to them.
        app.boards.forget_all();
    }
    Ok(report)
}

/// A past import's report, for the caller's authority.
pub async fn get_import(app: &App, actor: &Actor, id: Uuid) -> Result<ImportReport> {
    if !actor.role.edits_unit_register() {
        return Err(Error::Forbidden);
    }
    let row = store::imports::get(&app.db, id).await?.ok_or(Error::NotFound)?;
    let town = store::units::get(&app.db, row.authority_id).await?.ok_or(Error::NotFound)?;
    if !actor.sees(&town.path) {
        return Err(Error::NotFound);
    }
    serde_json::from_str(&row.report).map_err(|e| Error::Internal(e.to_string()))
}

/// The CSV template offered for download: the header and one example row.
pub fn template_csv() -> String {
    "\u{feff}名称,类型,代码,行业,联系人,联系电话,地址\n示例村,村,,,张三,13800138000,示例镇示例路1号\n示例公司,企业,91500118MA5U4X2K3B,工贸,李四,023-49626010,\n".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_csv_as_saved_by_excel_is_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("名称,类型\n胡豆坪村,村\n");
        let t = read_table(&bytes, "text/csv").unwrap();
        assert_eq!(t[1], vec!["胡豆坪村", "村"]);
    }

    #[test]
    fn headers_are_found_by_common_names_and_blank_rows_skipped() {
        let table = vec![
            vec!["单位名称*".into(), "单位类型".into(), "手机".into()],
            vec!["胡豆坪村".into(), "村".into(), "13800138000".into()],
            vec!["".into(), " ".into(), "".into()],
        ];
        let rows = rows_to_inputs(&table).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.contact_phone, "13800138000");
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let err = rows_to_inputs(&[vec!["联系人".into()]]).unwrap_err();
        assert!(err.message_zh().contains("名称、类型"), "{}", err.message_zh());
    }

    #[test]
    fn numeric_cells_come_back_as_digits() {
        assert_eq!(cell_text(&Data::Float(500118100.0)), "500118100");
        assert_eq!(cell_text(&Data::Float(13800138000.0)), "13800138000");
    }
}
