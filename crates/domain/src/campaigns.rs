//! Campaigns (活动): what a published notice becomes — status, tracks, deliverables, recipients — and the
//! rules for the fields an organiser edits.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::UnitKind;
use crate::text::{char_len, clean};

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being prepared; units see nothing yet.
    Draft,
    /// Sent: every recipient unit has its tasks.
    Published,
    /// Over: nothing more is handed in.
    Closed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Published => "published",
            CampaignStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CampaignStatus> {
        [CampaignStatus::Draft, CampaignStatus::Published, CampaignStatus::Closed].into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "草稿",
            CampaignStatus::Published => "已发布",
            CampaignStatus::Closed => "已结束",
        }
    }

    /// The one place that says which moves are allowed.
    pub fn transition(self, to: CampaignStatus) -> Result<CampaignStatus, &'static str> {
        use CampaignStatus::*;
        match (self, to) {
            (Draft, Published) | (Published, Published) => Ok(Published),
            (Published, Closed) => Ok(Closed),
            (Closed, Published) => Err("campaign_closed"),
            (Draft, Closed) => Err("campaign_not_published"),
            (_, Draft) => Err("campaign_published"),
            (Closed, Closed) => Err("campaign_closed"),
        }
    }
}

/// What a deliverable is, which later decides how it is reviewed and summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverableKind {
    /// 活动方案
    Plan,
    /// 活动总结
    Summary,
    /// Anything else named by the notice (台账, 自查报告, 排查清单…).
    Other,
}

impl DeliverableKind {
    pub fn of_name(name: &str) -> DeliverableKind {
        if name.contains("方案") || name.contains("计划") {
            DeliverableKind::Plan
        } else if name.contains("总结") || name.contains("小结") {
            DeliverableKind::Summary
        } else {
            DeliverableKind::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeliverableKind::Plan => "plan",
            DeliverableKind::Summary => "summary",
            DeliverableKind::Other => "other",
        }
    }
}

/// The unit kinds one 主送 phrase addresses: 各村（居）委会 → villages and communities, 企事业单位 →
/// enterprises and institutions, 镇属相关部门 → departments.
pub fn kinds_for_recipient(phrase: &str) -> Vec<UnitKind> {
    let p = phrase;
    let mut kinds = Vec::new();
    let mut add = |k: UnitKind| {
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    };
    if p.contains('村') {
        add(UnitKind::Village);
    }
    if p.contains('居') || p.contains("社区") {
        add(UnitKind::Community);
    }
    if p.contains("企事业") || p.contains("企、事业") {
        add(UnitKind::Enterprise);
        add(UnitKind::Institution);
    } else {
        if p.contains("企业") || p.contains("公司") || p.contains("生产经营单位") {
            add(UnitKind::Enterprise);
        }
        if p.contains("事业单位") || p.contains("卫生院") || p.contains("医院") {
            add(UnitKind::Institution);
        }
    }
    if p.contains("学校") || p.contains("中小学") || p.contains("幼儿园") || p.contains("校") {
        add(UnitKind::School);
    }
    if p.contains("部门") || p.contains("站所") || p.contains("办公室") || p.contains("各办") || p.contains("科室")
    {
        add(UnitKind::Department);
    }
    kinds
}

/// The kinds all the 主送 phrases address together, in register order.
pub fn kinds_for_recipients<S: AsRef<str>>(phrases: &[S]) -> Vec<UnitKind> {
    let found: Vec<UnitKind> = phrases.iter().flat_map(|p| kinds_for_recipient(p.as_ref())).collect();
    UnitKind::BELOW_TOWN.into_iter().filter(|k| found.contains(k)).collect()
}

/// The same day `years` later (29 February becomes the 28th in a common year).
pub fn shift_years(d: NaiveDate, years: i32) -> NaiveDate {
    let year = d.year() + years;
    NaiveDate::from_ymd_opt(year, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, d.month(), 28))
        .unwrap_or(d)
}

/// A title for next year's campaign: every `2021年` (and a bare `2021`) becomes `2022`.
pub fn shift_title_year(title: &str, from: i32, to: i32) -> String {
    title.replace(&from.to_string(), &to.to_string())
}

/// One numbered section of the notice: a line of work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackInput {
    /// Empty for a new track; the id of the track it edits otherwise.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

/// Something recipients hand in by a date; `unit_kinds` are the kinds it applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverableInput {
    /// Empty for a new deliverable; the id of the deliverable it edits otherwise.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub unit_kinds: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDateInput {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub what: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub doc_number: String,
}

/// A campaign as a form or a request gives it: text everywhere, checked by [`CampaignInput::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub period_start: String,
    #[serde(default)]
    pub period_end: String,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub tracks: Vec<TrackInput>,
    #[serde(default)]
    pub deliverables: Vec<DeliverableInput>,
    #[serde(default)]
    pub key_dates: Vec<KeyDateInput>,
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    #[serde(default)]
    pub references: Vec<ReferenceInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub id: Option<uuid::Uuid>,
    pub number: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliverable {
    pub id: Option<uuid::Uuid>,
    pub name: String,
    pub kind: DeliverableKind,
    pub due_on: NaiveDate,
    pub unit_kinds: Vec<UnitKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDate {
    pub date: NaiveDate,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub title: Option<String>,
    pub doc_number: Option<String>,
}

/// A checked campaign: every value of the right shape, every list without blank rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFields {
    pub title: String,
    pub theme: Option<String>,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub signed_on: Option<NaiveDate>,
    pub public: bool,
    pub tracks: Vec<Track>,
    pub deliverables: Vec<Deliverable>,
    pub key_dates: Vec<KeyDate>,
    pub contacts: Vec<Contact>,
    pub references: Vec<Reference>,
}

fn optional(s: &str) -> Option<String> {
    let s = clean(s);
    (!s.is_empty()).then_some(s)
}

/// Text that should have been a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotADate;

/// `2021-05-31` (also `2021/5/31` and `2021.5.31`), or `None` when blank.
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, NotADate> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    let [y, m, d] = parts.as_slice() else { return Err(NotADate) };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else { return Err(NotADate) };
    if !(2000..=2100).contains(&y) {
        return Err(NotADate);
    }
    NaiveDate::from_ymd_opt(y, m, d).map(Some).ok_or(NotADate)
}

const MAX_ROWS: usize = 60;

fn row_id(s: &str) -> Result<Option<uuid::Uuid>, ()> {
    let s = s.trim();
    if s.is_empty() { Ok(None) } else { uuid::Uuid::parse_str(s).map(Some).map_err(|_| ()) }
}

impl CampaignInput {
    /// Checks every field and reports every problem at once; rows left wholly blank are dropped.
    pub fn parse(&self) -> Result<CampaignFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let date = |field: &'static str, label: &str, s: &str, errors: &mut Vec<FieldError>| match parse_date(s) {
            Ok(d) => d,
            Err(NotADate) => {
                errors.push(FieldError::new(field, "invalid_date", format!("{label}应为日期，如 2021-05-31")));
                None
            }
        };
        let title = clean(&self.title);
        if title.is_empty() {
            errors.push(FieldError::new("title", "required", "请填写活动名称"));
        } else if char_len(&title) > 120 {
            errors.push(FieldError::new("title", "too_long", "活动名称不能超过120个字"));
        }
        let theme = optional(&self.theme);
        if theme.as_deref().is_some_and(|t| char_len(t) > 60) {
            errors.push(FieldError::new("theme", "too_long", "活动主题不能超过60个字"));
        }
        let doc_number = optional(&self.doc_number);
        if doc_number.as_deref().is_some_and(|t| char_len(t) > 40) {
            errors.push(FieldError::new("doc_number", "too_long", "发文字号不能超过40个字"));
        }
        let issuer = optional(&self.issuer);
        if issuer.as_deref().is_some_and(|t| char_len(t) > 120) {
            errors.push(FieldError::new("issuer", "too_long", "发文机关不能超过120个字"));
        }
        let start = date("period_start", "开始日期", &self.period_start, &mut errors);
        let end = date("period_end", "结束日期", &self.period_end, &mut errors);
        let period = match (start, end) {
            (Some(s), Some(e)) if s <= e => Some((s, e)),
            (Some(_), Some(_)) => {
                errors.push(FieldError::new("period_end", "before_start", "结束日期不能早于开始日期"));
                None
            }
            (None, None) => None,
            (Some(_), None) => {
                errors.push(FieldError::new("period_end", "required", "请同时填写结束日期"));
                None
            }
            (None, Some(_)) => {
                errors.push(FieldError::new("period_start", "required", "请同时填写开始日期"));
                None
            }
        };
        let signed_on = date("signed_on", "成文日期", &self.signed_on, &mut errors);

        let mut tracks = Vec::new();
        for (i, t) in self.tracks.iter().enumerate() {
            let (number, title, body) = (clean(&t.number), clean(&t.title), t.body.trim().to_owned());
            if number.is_empty() && title.is_empty() && body.is_empty() {
                continue;
            }
            if title.is_empty() || char_len(&title) > 120 || char_len(&number) > 10 || char_len(&body) > 20_000 {
                errors.push(FieldError::new(
                    "tracks",
                    "invalid",
                    format!("第{}项活动事项：请填写名称（不超过120字），编号不超过10字", i + 1),
                ));
                continue;
            }
            let Ok(id) = row_id(&t.id) else {
                errors.push(FieldError::new("tracks", "invalid_id", format!("第{}项活动事项的编号无效", i + 1)));
                continue;
            };
            tracks.push(Track { id, number, title, body });
        }

        let mut deliverables = Vec::new();
        for (i, d) in self.deliverables.iter().enumerate() {
            let name = clean(&d.name);
            if name.is_empty() && d.due_on.trim().is_empty() {
                continue;
            }
            let row = i + 1;
            if name.is_empty() || char_len(&name) > 40 {
                errors.push(FieldError::new(
                    "deliverables",
                    "invalid",
                    format!("第{row}项报送要求：请填写名称（不超过40字）"),
                ));
            }
            let due = match parse_date(&d.due_on) {
                Ok(Some(due)) => Some(due),
                Ok(None) => {
                    errors.push(FieldError::new(
                        "deliverables",
                        "required",
                        format!("第{row}项报送要求：请填写截止日期"),
                    ));
                    None
                }
                Err(NotADate) => {
                    errors.push(FieldError::new(
                        "deliverables",
                        "invalid_date",
                        format!("第{row}项报送要求：截止日期应为日期，如 2021-05-31"),
                    ));
                    None
                }
            };
            let mut kinds = Vec::new();
            for k in &d.unit_kinds {
                match UnitKind::parse(k) {
                    Some(k) if UnitKind::BELOW_TOWN.contains(&k) => {
                        if !kinds.contains(&k) {
                            kinds.push(k)
                        }
                    }
                    _ => errors.push(FieldError::new(
                        "deliverables",
                        "invalid_kind",
                        format!("第{row}项报送要求：没有这种单位类型"),
                    )),
                }
            }
            if kinds.is_empty() {
                errors.push(FieldError::new(
                    "deliverables",
                    "no_kinds",
                    format!("第{row}项报送要求：请选择需要报送的单位类型"),
                ));
            }
            let id = row_id(&d.id).unwrap_or_else(|()| {
                errors.push(FieldError::new("deliverables", "invalid_id", format!("第{row}项报送要求的编号无效")));
                None
            });
            if let (Some(due), false) = (due, name.is_empty()) {
                deliverables.push(Deliverable {
                    id,
                    kind: DeliverableKind::of_name(&name),
                    name,
                    due_on: due,
                    unit_kinds: kinds,
                });
            }
        }
        let names: Vec<&str> = deliverables.iter().map(|d| d.name.as_str()).collect();
        if (1..names.len()).any(|i| names[..i].contains(&names[i])) {
            errors.push(FieldError::new("deliverables", "duplicate", "报送要求的名称不能重复"));
        }

        let mut key_dates = Vec::new();
        for (i, k) in self.key_dates.iter().enumerate() {
            let what = clean(&k.what);
            match (parse_date(&k.date), what.is_empty()) {
                (Ok(None), true) => {}
                (Ok(Some(date)), false) if char_len(&what) <= 40 => key_dates.push(KeyDate { date, what }),
                _ => errors.push(FieldError::new(
                    "key_dates",
                    "invalid",
                    format!("第{}个重要日子：请填写日期和名称", i + 1),
                )),
            }
        }
        let mut contacts = Vec::new();
        for (i, c) in self.contacts.iter().enumerate() {
            let (name, phone) = (clean(&c.name), clean(&c.phone));
            match (name.is_empty(), phone.is_empty()) {
                (true, true) => {}
                (false, _) if char_len(&name) <= 20 && char_len(&phone) <= 30 => contacts.push(Contact { name, phone }),
                _ => errors.push(FieldError::new(
                    "contacts",
                    "invalid",
                    format!("第{}位联系人：请填写姓名（不超过20字）", i + 1),
                )),
            }
        }
        let mut references = Vec::new();
        for r in &self.references {
            let (title, number) = (optional(&r.title), optional(&r.doc_number));
            if title.is_none() && number.is_none() {
                continue;
            }
            if title.as_deref().is_some_and(|t| char_len(t) > 200)
                || number.as_deref().is_some_and(|n| char_len(n) > 40)
            {
                errors.push(FieldError::new("references", "too_long", "引用文件的标题不能超过200字，文号不能超过40字"));
                continue;
            }
            references.push(Reference { title, doc_number: number });
        }
        for (field, n, what) in [
            ("tracks", tracks.len(), "活动事项"),
            ("deliverables", deliverables.len(), "报送要求"),
            ("key_dates", key_dates.len(), "重要日子"),
            ("contacts", contacts.len(), "联系人"),
            ("references", references.len(), "引用文件"),
        ] {
            if n > MAX_ROWS {
                errors.push(FieldError::new(field, "too_many", format!("{what}不能超过{MAX_ROWS}项")));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CampaignFields {
            title,
            theme,
            doc_number,
            issuer,
            period,
            signed_on,
            public: self.public,
            tracks,
            deliverables,
            key_dates,
            contacts,
            references,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_recipients_map_to_villages_communities_enterprises_institutions_and_departments() {
        let kinds = kinds_for_recipients(&["各村（居）委会", "企事业单位", "镇属相关部门"]);
        assert_eq!(
            kinds,
            [UnitKind::Department, UnitKind::Community, UnitKind::Village, UnitKind::Institution, UnitKind::Enterprise]
        );
        assert_eq!(kinds_for_recipient("各中小学校、幼儿园"), [UnitKind::School]);
        assert_eq!(kinds_for_recipient("各社区居委会"), [UnitKind::Community]);
        assert!(kinds_for_recipient("区政府办公室").contains(&UnitKind::Department));
        assert!(kinds_for_recipient("各位同志").is_empty());
    }

    #[test]
    fn every_status_move_is_allowed_or_refused_with_a_reason() {
        use CampaignStatus::*;
        let all = [Draft, Published, Closed];
        let allowed = [(Draft, Published), (Published, Published), (Published, Closed)];
        for from in all {
            for to in all {
                let r = from.transition(to);
                assert_eq!(r.is_ok(), allowed.contains(&(from, to)), "{from:?} → {to:?}");
            }
        }
        assert_eq!(Closed.transition(Published), Err("campaign_closed"));
    }

    #[test]
    fn deliverables_are_named_plans_summaries_or_other() {
        assert_eq!(DeliverableKind::of_name("活动方案"), DeliverableKind::Plan);
        assert_eq!(DeliverableKind::of_name("活动总结"), DeliverableKind::Summary);
        assert_eq!(DeliverableKind::of_name("隐患排查台账"), DeliverableKind::Other);
    }

    #[test]
    fn next_year_keeps_the_day_and_leap_days_fall_back() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(shift_years(d(2021, 5, 31), 1), d(2022, 5, 31));
        assert_eq!(shift_years(d(2024, 2, 29), 1), d(2025, 2, 28));
        assert_eq!(
            shift_title_year("关于开展2021年“安全生产月”活动的通知", 2021, 2022),
            "关于开展2022年“安全生产月”活动的通知"
        );
    }

    #[test]
    fn a_campaign_form_reports_every_problem_and_drops_blank_rows() {
        let input = CampaignInput {
            title: " ".into(),
            period_start: "2021-06-30".into(),
            period_end: "2021-06-01".into(),
            deliverables: vec![
                DeliverableInput {
                    name: "活动方案".into(),
                    due_on: "2021-02-30".into(),
                    unit_kinds: vec!["village".into()],
                    ..Default::default()
                },
                DeliverableInput::default(),
                DeliverableInput {
                    name: "活动总结".into(),
                    due_on: "2021-06-30".into(),
                    unit_kinds: vec![],
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let errors = input.parse().unwrap_err();
        let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.field, e.code)).collect();
        assert!(codes.contains(&("title", "required")));
        assert!(codes.contains(&("period_end", "before_start")));
        assert!(codes.contains(&("deliverables", "invalid_date")));
        assert!(codes.contains(&("deliverables", "no_kinds")));

        let ok = CampaignInput {
            title: "安全生产月".into(),
            deliverables: vec![
                DeliverableInput {
                    name: "活动方案".into(),
                    due_on: "2021/5/31".into(),
                    unit_kinds: vec!["村".into()],
                    ..Default::default()
                },
                DeliverableInput::default(),
            ],
            tracks: vec![TrackInput::default()],
            ..Default::default()
        };
        let fields = ok.parse().unwrap();
        assert_eq!(fields.deliverables.len(), 1);
        assert_eq!(fields.deliverables[0].unit_kinds, [UnitKind::Village]);
        assert!(fields.tracks.is_empty());
    }
}
