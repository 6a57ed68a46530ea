//! The rectification notice (隐患整改通知书) as a Word document, written from staff's summary of the case —
//! never from the report as written, never with anything about who reported (a transfer notice that
//! carried a reporter's identity once reached the reported mine).

use std::io::Write;

use domain::Role;
use domain::hazards::{Grade, HazardStatus};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::cases::{case_number, handler_of, visible};
use crate::{App, Error, Result};

/// What the notice says.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub number: String,
    pub town: String,
    pub unit: String,
    pub summary: String,
    pub grade: String,
    pub deadline: chrono::NaiveDate,
    pub issued_on: chrono::NaiveDate,
}

/// The notice of a case given to a unit, for the town's handlers and the unit's liaisons; the download is
/// in the trail.
pub async fn notice(app: &App, actor: &Actor, id: Uuid) -> Result<(String, Vec<u8>)> {
    if !(actor.role == Role::Liaison || (actor.role.handles_hazards() && actor.authority_is_town)) {
        return Err(Error::Forbidden);
    }
    let (case, town) = visible(app, actor, id).await?;
    let own_unit = actor.role == Role::Liaison && actor.unit_id.is_some() && actor.unit_id == case.unit_id;
    if !(own_unit || handler_of(actor, &town)) {
        return Err(Error::Forbidden);
    }
    let (Some(unit), Some(summary), Some(deadline)) = (case.unit_id, case.summary.clone(), case.deadline) else {
        return Err(Error::Conflict {
            code: "case_not_assigned", message: "案件交办后才有整改通知书".into()
        });
    };
    if HazardStatus::parse(&case.status) == Some(HazardStatus::Merged) {
        return Err(Error::Conflict { code: "case_final", message: "已合并的案件没有整改通知书".into() });
    }
    let unit = store::units::get(&app.db, unit).await?.ok_or(Error::NotFound)?;
    let n = Notice {
        number: case_number(case.id),
        town: town.name.clone(),
        unit: unit.name,
        summary,
        grade: case.grade.as_deref().and_then(Grade::parse).map(|g| g.label_zh()).unwrap_or("一般事故隐患").to_owned(),
        deadline,
        issued_on: crate::work::today(app),
    };
    let bytes = docx(&n).map_err(|e| Error::Internal(e.to_string()))?;
    let mut tx = app.db.begin().await?;
    record_in(&mut tx, actor, &town.path, "hazard.notice", "hazard_case", Some(id), json!({ "number": n.number }))
        .await?;
    tx.commit().await?;
    Ok((format!("隐患整改通知书-{}.docx", n.number), bytes))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One paragraph: `center`/`right` alignment, bold, size in half-points.
fn para(text: &str, align: Option<&str>, bold: bool, size: u32) -> String {
    let jc = align.map(|a| format!("<w:jc w:val=\"{a}\"/>")).unwrap_or_default();
    let b = if bold { "<w:b/>" } else { "" };
    format!(
        "<w:p><w:pPr>{jc}<w:spacing w:line=\"560\" w:lineRule=\"exact\"/></w:pPr><w:r><w:rPr>\
         <w:rFonts w:ascii=\"FangSong\" w:eastAsia=\"仿宋\" w:hAnsi=\"FangSong\"/>{b}<w:sz w:val=\"{size}\"/></w:rPr>\
         <w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
        escape(text)
    )
}

/// The notice as a .docx (Office Open XML: three parts in a zip).
pub fn docx(n: &Notice) -> std::io::Result<Vec<u8>> {
    let mut body = String::new();
    body.push_str(&para("隐患整改通知书", Some("center"), true, 44));
    body.push_str(&para(&format!("编号：{}", n.number), Some("right"), false, 28));
    body.push_str(&para(&format!("{}：", n.unit), None, false, 32));
    body.push_str(&para("　　经核查，你单位存在以下安全隐患：", None, false, 32));
    for line in n.summary.lines().filter(|l| !l.trim().is_empty()) {
        body.push_str(&para(&format!("　　{}", line.trim()), None, false, 32));
    }
    body.push_str(&para(&format!("　　隐患等级：{}。", n.grade), None, false, 32));
    body.push_str(&para(
        &format!(
            "　　请你单位于{}前整改完毕，整改期间落实防范措施，并将整改情况（附整改前后照片）报送{}。逾期未整改或整改不到位的，将依法依规处理。",
            n.deadline.format("%Y年%m月%d日"),
            n.town
        ),
        None,
        false,
        32,
    ));
    body.push_str(&para(&n.town, Some("right"), false, 32));
    body.push_str(&para(&n.issued_on.format("%Y年%m月%d日").to_string(), Some("right"), false, 32));
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" \
         w:left=\"1588\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>"
    );
    let types = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/word/document.xml\" \
         ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    let rels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" \
         Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" \
         Target=\"word/document.xml\"/></Relationships>";
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        for (name, text) in
            [("[Content_Types].xml", types), ("_rels/.rels", rels), ("word/document.xml", document.as_str())]
        {
            z.start_file(name, options).map_err(std::io::Error::other)?;
            z.write_all(text.as_bytes())?;
        }
        z.finish().map_err(std::io::Error::other)?;
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_is_a_word_document_that_reads_back_with_the_summary_and_the_deadline() {
        let n = Notice {
            number: "YH-1A2B3C4D".into(),
            town: "青峰镇人民政府".into(),
            unit: "胡豆坪村".into(),
            summary: "老街 12 号饭店后厨气瓶未分隔 & 软管老化".into(),
            grade: "一般事故隐患".into(),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
        };
        let bytes = docx(&n).unwrap();
        let text = notice::decode(&bytes).unwrap();
        for want in ["隐患整改通知书", "胡豆坪村", "软管老化", "2026年12月10日", "YH-1A2B3C4D"] {
            assert!(text.contains(want), "{want} in {text}");
        }
    }
}
