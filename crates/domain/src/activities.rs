//! Activity records (活动台账): what a unit did under a track — the fields every record has, the
//! track's own fields (its form, which the organiser may edit), sensible forms for the usual kinds of
//! track, and the validation of both.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::text::{char_len, clean, clean_multiline};

/// What kind of answer a track's own field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    /// A whole number, 0 or more.
    Number,
    /// One of the field's options.
    Choice,
    YesNo,
}

impl FieldKind {
    pub const ALL: [FieldKind; 4] = [FieldKind::Text, FieldKind::Number, FieldKind::Choice, FieldKind::YesNo];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Choice => "choice",
            FieldKind::YesNo => "yes_no",
        }
    }

    pub fn parse(s: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FieldKind::Text => "文字",
            FieldKind::Number => "数字",
            FieldKind::Choice => "选择",
            FieldKind::YesNo => "是/否",
        }
    }
}

/// One field of a track's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Stable name of the value in every record (`f1`, `visitors`, …).
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

fn field(key: &str, label: &str, kind: FieldKind, options: &[&str]) -> FormField {
    FormField { key: key.into(), label: label.into(), kind, options: options.iter().map(|o| (*o).to_owned()).collect() }
}

/// The form a track starts with, from what its title says it is about.
pub fn default_form(title: &str) -> Vec<FormField> {
    use FieldKind::*;
    let has = |words: &[&str]| words.iter().any(|w| title.contains(w));
    if has(&["咨询"]) {
        vec![
            field("location", "咨询点位置", Text, &[]),
            field("visitors", "咨询人数", Number, &[]),
            field("leaflets", "发放资料（份）", Number, &[]),
            field("posters", "张贴海报、悬挂横幅（幅）", Number, &[]),
        ]
    } else if has(&["五进"]) {
        vec![
            field("target", "进入对象", Choice, &["企业", "农村", "社区", "学校", "家庭"]),
            field("demo_site", "是否示范点", YesNo, &[]),
        ]
    } else if has(&["开放日", "开放"]) {
        vec![field("visitors", "参观人数", Number, &[])]
    } else if has(&["文艺", "作品", "征集", "比赛", "创作"]) {
        vec![
            field("title", "作品名称", Text, &[]),
            field("author", "作者", Text, &[]),
            field("category", "作品类别", Choice, &["书法", "绘画", "摄影", "视频", "征文", "文艺节目", "其他"]),
        ]
    } else if has(&["最美", "典型", "榜样", "宣讲", "巡讲"]) {
        vec![field("speaker", "宣讲人", Text, &[]), field("audience", "听众人数", Number, &[])]
    } else if has(&["警示"]) {
        vec![
            field("kind", "警示教育形式", Choice, &["观看警示教育片", "参观警示教育展", "其他"]),
            field("attendees", "参加人数", Number, &[]),
        ]
    } else if has(&["隐患", "排查", "自查", "曝光"]) {
        vec![field("hazards_found", "发现隐患（处）", Number, &[]), field("hazards_fixed", "已整改（处）", Number, &[])]
    } else if has(&["学习", "专题", "培训"]) {
        vec![field("topic", "学习主题", Text, &[]), field("attendees", "参加人数", Number, &[])]
    } else {
        Vec::new()
    }
}

/// One row of the form editor as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FormFieldInput {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub kind: String,
    /// Options separated by commas, 、 or new lines.
    #[serde(default)]
    pub options: String,
}

/// The most fields a track's form may have.
pub const MAX_FORM_FIELDS: usize = 20;

/// A form from the editor: blank rows dropped, keys kept for fields that had one (so records keep their
/// values) and made up for new ones.
pub fn parse_form(rows: &[FormFieldInput]) -> Result<Vec<FormField>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out: Vec<FormField> = Vec::new();
    for row in rows {
        let label = clean(&row.label);
        if label.is_empty() {
            continue;
        }
        if char_len(&label) > 30 {
            errors.push(FieldError::new("form", "too_long", format!("字段名“{label}”超过 30 字")));
            continue;
        }
        let Some(kind) = FieldKind::parse(row.kind.trim()) else {
            errors.push(FieldError::new("form", "invalid", format!("请为字段“{label}”选择类型")));
            continue;
        };
        let options: Vec<String> =
            row.options.split([',', '，', '、', '\n']).map(clean).filter(|o| !o.is_empty()).collect();
        if kind == FieldKind::Choice && options.len() < 2 {
            errors.push(FieldError::new("form", "invalid", format!("选择题“{label}”至少要有两个选项")));
            continue;
        }
        let key = row.key.trim();
        let key = if !key.is_empty() && key.len() <= 40 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            key.to_owned()
        } else {
            (1..)
                .map(|n| format!("f{n}"))
                .find(|k| !out.iter().any(|f| &f.key == k) && !rows.iter().any(|r| r.key == *k))
                .unwrap_or_default()
        };
        if out.iter().any(|f| f.key == key || f.label == label) {
            errors.push(FieldError::new("form", "duplicate", format!("字段“{label}”重复")));
            continue;
        }
        out.push(FormField { key, label, kind, options: if kind == FieldKind::Choice { options } else { Vec::new() } });
    }
    if out.len() > MAX_FORM_FIELDS {
        errors.push(FieldError::new("form", "too_many", format!("每项活动最多 {MAX_FORM_FIELDS} 个字段")));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// An activity record as typed: the common fields, and the track's own by key.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivityInput {
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub participants: String,
    #[serde(default)]
    pub materials: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

/// A record that holds together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityFields {
    pub occurred_on: NaiveDate,
    pub place: String,
    pub form: String,
    pub participants: i32,
    pub materials: i32,
    pub description: String,
    /// The track's own fields, by key: strings, whole numbers or booleans.
    pub extra: BTreeMap<String, serde_json::Value>,
}

fn count(field: &'static str, label: &str, s: &str, errors: &mut Vec<FieldError>) -> i32 {
    let s = s.trim();
    if s.is_empty() {
        return 0;
    }
    match s.parse::<i32>() {
        Ok(n) if (0..=10_000_000).contains(&n) => n,
        _ => {
            errors.push(FieldError::new(field, "invalid", format!("{label}须是 0 或正整数")));
            0
        }
    }
}

impl ActivityInput {
    /// Checks the record against the track's form; `today` bounds the date (a record is of something done).
    pub fn parse(&self, form: &[FormField], today: NaiveDate) -> Result<ActivityFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let occurred_on = match crate::campaigns::parse_date(&self.occurred_on) {
            Ok(Some(d)) if d <= today => Some(d),
            Ok(Some(_)) => {
                errors.push(FieldError::new("occurred_on", "in_future", "活动日期不能晚于今天"));
                None
            }
            _ => {
                errors.push(FieldError::new("occurred_on", "required", "请填写活动日期（如 2026-06-16）"));
                None
            }
        };
        let place = clean(&self.place);
        if place.is_empty() || char_len(&place) > 60 {
            errors.push(FieldError::new("place", "required", "请填写活动地点（不超过 60 字）"));
        }
        let form_text = clean(&self.form);
        if char_len(&form_text) > 60 {
            errors.push(FieldError::new("form", "too_long", "活动形式不超过 60 字"));
        }
        let participants = count("participants", "参与人数", &self.participants, &mut errors);
        let materials = count("materials", "发放资料数", &self.materials, &mut errors);
        let description = clean_multiline(&self.description);
        if char_len(&description) > 5000 {
            errors.push(FieldError::new("description", "too_long", "活动情况不超过 5000 字"));
        }
        let mut extra = BTreeMap::new();
        for f in form {
            let raw = self.extra.get(&f.key).map(|s| clean(s)).unwrap_or_default();
            if raw.is_empty() {
                continue;
            }
            let value = match f.kind {
                FieldKind::Text if char_len(&raw) <= 200 => serde_json::Value::from(raw),
                FieldKind::Number => match raw.parse::<i64>() {
                    Ok(n) if (0..=10_000_000).contains(&n) => serde_json::Value::from(n),
                    _ => {
                        errors.push(FieldError::new("extra", "invalid", format!("{}须是 0 或正整数", f.label)));
                        continue;
                    }
                },
                FieldKind::Choice if f.options.contains(&raw) => serde_json::Value::from(raw),
                FieldKind::YesNo if raw == "yes" || raw == "no" => serde_json::Value::from(raw == "yes"),
                _ => {
                    errors.push(FieldError::new("extra", "invalid", format!("{}填写有误", f.label)));
                    continue;
                }
            };
            extra.insert(f.key.clone(), value);
        }
        match occurred_on {
            Some(occurred_on) if errors.is_empty() => {
                Ok(ActivityFields { occurred_on, place, form: form_text, participants, materials, description, extra })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_tracks_get_the_forms_their_titles_ask_for() {
        let keys = |t: &str| default_form(t).into_iter().map(|f| f.key).collect::<Vec<_>>().join(",");
        assert_eq!(keys("创新方式方法，开展好“6·16安全宣传咨询日”活动"), "location,visitors,leaflets,posters");
        assert_eq!(keys("突出精准有效，务实推进安全宣传“五进”工作"), "target,demo_site");
        assert_eq!(keys("积极广泛发动，开展安全文艺创作比赛"), "title,author,category");
        assert_eq!(keys("加强典型示范，深入开展“最美应急人”学习宣传活动"), "speaker,audience");
        assert_eq!(keys("强化隐患曝光，参与“安全生产渝州行”活动"), "hazards_found,hazards_fixed");
        assert_eq!(
            keys("总结经验做法，开展好“大学习大排查大整治大执法百日行动”专题宣传活动"),
            "hazards_found,hazards_fixed"
        );
        assert_eq!(keys("突出活动主题，推动学习贯彻习近平总书记关于安全生产重要论述精神走深走实"), "topic,attendees");
        assert_eq!(keys("组织企业开展安全生产公众开放日"), "visitors");
        assert_eq!(keys("组织观看警示教育片"), "kind,attendees");
        assert_eq!(keys("其他工作"), "");
    }

    fn row(key: &str, label: &str, kind: &str, options: &str) -> FormFieldInput {
        FormFieldInput { key: key.into(), label: label.into(), kind: kind.into(), options: options.into() }
    }

    #[test]
    fn the_form_editor_keeps_keys_drops_blank_rows_and_refuses_a_choice_without_options() {
        let form = parse_form(&[
            row("visitors", "咨询人数", "number", ""),
            row("", "", "text", ""),
            row("", "天气", "choice", "晴、雨，阴"),
        ])
        .unwrap();
        assert_eq!(form.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["visitors", "f1"]);
        assert_eq!(form[1].options, ["晴", "雨", "阴"]);
        let refused = |rows: &[FormFieldInput]| -> Vec<(&str, String)> {
            parse_form(rows).unwrap_err().into_iter().map(|e| (e.code, e.message)).collect()
        };
        assert_eq!(refused(&[row("", "天气", "choice", "晴")]), [("invalid", "选择题“天气”至少要有两个选项".into())]);
        assert_eq!(
            refused(&[row("", "人数", "number", ""), row("", "人数", "number", "")]),
            [("duplicate", "字段“人数”重复".into())]
        );
        assert_eq!(refused(&[row("", "人数", "date", "")]), [("invalid", "请为字段“人数”选择类型".into())]);
    }

    #[test]
    fn a_record_is_checked_against_its_tracks_form() {
        let form = default_form("6·16安全宣传咨询日");
        let today = NaiveDate::from_ymd_opt(2026, 6, 20).unwrap_or_default();
        let mut input = ActivityInput {
            occurred_on: "2026-06-16".into(),
            place: "青峰场".into(),
            participants: "120".into(),
            extra: [("visitors", "86"), ("leaflets", "300"), ("unknown", "x")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            ..ActivityInput::default()
        };
        let ok = input.parse(&form, today).unwrap();
        assert_eq!((ok.participants, ok.extra["visitors"].as_i64(), ok.extra.get("unknown")), (120, Some(86), None));
        input.extra.insert("visitors".into(), "很多".into());
        input.occurred_on = "2026-07-01".into();
        let errs = input.parse(&form, today).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field).collect::<Vec<_>>(), ["occurred_on", "extra"]);
    }
}
