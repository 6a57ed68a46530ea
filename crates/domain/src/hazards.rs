//! Hazard reports and their rectification cases: the case's state machine, the categories (Open311
//! services), grades, the channels a report comes in by, what a report must hold, receipt codes and the
//! 2018 reward rule.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::text::{char_len, clean_multiline};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardStatus {
    /// Came in; nobody has looked at it yet.
    Received,
    /// Not taken up (不予受理); the reason is shown to the reporter.
    Declined,
    /// Taken up (受理), not yet given to anyone.
    Accepted,
    /// Given to a responsible unit with a grade and a deadline (交办).
    Assigned,
    /// The unit has started the fix (整改中).
    Rectifying,
    /// The unit says it is fixed, with evidence (已整改); staff verify.
    Rectified,
    /// Verified and closed (销号).
    Closed,
    /// The fix did not hold (or the case was closed too soon); back to the unit.
    Reopened,
    /// The same hazard as an earlier case, which carries on.
    Merged,
}

/// What happens to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HazardEvent {
    Accept,
    Decline,
    /// To a unit, or again to another one.
    Assign,
    /// The unit starts.
    Start,
    /// The unit reports the fix.
    Rectify,
    /// Staff verify the fix and close the case.
    Close,
    Reopen,
    /// A duplicate of another case.
    Merge,
}

impl HazardStatus {
    pub const ALL: [HazardStatus; 9] = [
        HazardStatus::Received,
        HazardStatus::Declined,
        HazardStatus::Accepted,
        HazardStatus::Assigned,
        HazardStatus::Rectifying,
        HazardStatus::Rectified,
        HazardStatus::Closed,
        HazardStatus::Reopened,
        HazardStatus::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HazardStatus::Received => "received",
            HazardStatus::Declined => "declined",
            HazardStatus::Accepted => "accepted",
            HazardStatus::Assigned => "assigned",
            HazardStatus::Rectifying => "rectifying",
            HazardStatus::Rectified => "rectified",
            HazardStatus::Closed => "closed",
            HazardStatus::Reopened => "reopened",
            HazardStatus::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<HazardStatus> {
        HazardStatus::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            HazardStatus::Received => "已收到",
            HazardStatus::Declined => "不予受理",
            HazardStatus::Accepted => "已受理",
            HazardStatus::Assigned => "已交办",
            HazardStatus::Rectifying => "整改中",
            HazardStatus::Rectified => "已整改待核查",
            HazardStatus::Closed => "已销号",
            HazardStatus::Reopened => "重新整改",
            HazardStatus::Merged => "已合并",
        }
    }

    /// Nothing more happens to the case (Open311 `closed`).
    pub fn is_final(self) -> bool {
        matches!(self, HazardStatus::Declined | HazardStatus::Closed | HazardStatus::Merged)
    }

    /// A unit is responsible and the deadline runs.
    pub fn with_unit(self) -> bool {
        matches!(self, HazardStatus::Assigned | HazardStatus::Rectifying | HazardStatus::Reopened)
    }

    /// The next status, or the stable code of the refusal.
    pub fn transition(self, event: HazardEvent) -> Result<HazardStatus, &'static str> {
        use HazardEvent as E;
        use HazardStatus as S;
        match (self, event) {
            (S::Declined | S::Merged, _) => Err("case_final"),
            (S::Received, E::Accept) => Ok(S::Accepted),
            (S::Received, E::Decline) => Ok(S::Declined),
            (S::Received | S::Accepted | S::Assigned | S::Rectifying | S::Reopened, E::Merge) => Ok(S::Merged),
            (S::Accepted | S::Assigned | S::Reopened, E::Assign) => Ok(S::Assigned),
            (S::Assigned | S::Reopened, E::Start) => Ok(S::Rectifying),
            (S::Assigned | S::Rectifying | S::Reopened, E::Rectify) => Ok(S::Rectified),
            (S::Rectified, E::Close) => Ok(S::Closed),
            (S::Rectified | S::Closed, E::Reopen) => Ok(S::Reopened),
            (S::Received, _) => Err("case_not_accepted"),
            (S::Accepted, _) => Err("case_not_assigned"),
            (S::Closed, _) => Err("case_closed"),
            (S::Rectified, _) => Err("case_awaiting_verification"),
            (S::Assigned | S::Rectifying | S::Reopened, _) => Err("case_not_rectified"),
        }
    }
}

/// How a case came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public form (or an Open311 client).
    Public,
    /// A 12350 call entered by staff.
    Hotline,
    /// An employee through the enterprise's whistle-blower link (安全吹哨人).
    Whistle,
    /// The enterprise's own check (隐患大扫除).
    SelfCheck,
    /// Town staff on an inspection.
    Inspection,
}

impl Channel {
    pub const ALL: [Channel; 5] =
        [Channel::Public, Channel::Hotline, Channel::Whistle, Channel::SelfCheck, Channel::Inspection];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Public => "public",
            Channel::Hotline => "hotline",
            Channel::Whistle => "whistle",
            Channel::SelfCheck => "self_check",
            Channel::Inspection => "inspection",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Public => "群众举报",
            Channel::Hotline => "12350热线",
            Channel::Whistle => "安全吹哨人",
            Channel::SelfCheck => "企业自查",
            Channel::Inspection => "执法检查",
        }
    }

    /// A person outside the office reported it: they get a receipt code and may be rewarded.
    pub fn has_reporter(self) -> bool {
        matches!(self, Channel::Public | Channel::Hotline | Channel::Whistle)
    }
}

/// 一般 or 重大 (《安全生产事故隐患排查治理暂行规定》).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    General,
    Major,
}

impl Grade {
    pub const ALL: [Grade; 2] = [Grade::General, Grade::Major];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::General => "general",
            Grade::Major => "major",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::General => "一般事故隐患",
            Grade::Major => "重大事故隐患",
        }
    }
}

/// The industry fields reports are filed under (the controlled vocabulary of the notices); these are
/// also the Open311 services. Codes are stable: clients keep them.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("hazardous_chemicals", "危险化学品"),
    ("non_coal_mines", "非煤矿山"),
    ("fireworks", "烟花爆竹"),
    ("industry_trade", "工贸"),
    ("civil_explosives", "民爆物品"),
    ("construction", "建筑施工"),
    ("town_gas", "城镇燃气"),
    ("road_transport", "道路交通运输"),
    ("water_transport", "水上交通"),
    ("special_equipment", "特种设备"),
    ("fire_safety", "消防"),
    ("oil_gas_pipelines", "油气管道"),
    ("electric_power", "电力"),
    ("forest_fire", "森林防火"),
    ("flood_drought", "防汛抗旱"),
    ("geological_hazards", "地质灾害"),
    ("culture_tourism", "文化旅游"),
    ("campus_safety", "校园安全"),
    ("hazardous_waste", "危险废物"),
    ("agriculture", "农业农村"),
    ("other", "其他"),
];

/// The category's Chinese name, if the code is one.
pub fn category_name(code: &str) -> Option<&'static str> {
    CATEGORIES.iter().find(|(c, _)| *c == code.trim()).map(|(_, n)| *n)
}

/// A category code, accepting the Chinese name too (a hotline clerk may type either).
pub fn parse_category(s: &str) -> Option<&'static str> {
    let s = s.trim();
    CATEGORIES.iter().find(|(c, n)| *c == s || *n == s).map(|(c, _)| *c)
}

/// Lengths a report may have.
pub const DESCRIPTION_MAX: usize = 4_000;
pub const LOCATION_MAX: usize = 200;
pub const NAME_MAX: usize = 50;

/// What a reporter typed, as received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportInput {
    pub category: String,
    pub description: String,
    pub location: String,
    pub lat: Option<String>,
    pub lon: Option<String>,
    /// "1"/"on"/"true" when the reporter stays anonymous; anything else with a name or contact given
    /// is a named report.
    pub anonymous: bool,
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// Who the reporter is; only ever stored sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl Identity {
    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.phone.is_empty() && self.email.is_empty()
    }
}

/// A valid report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub category: &'static str,
    pub description: String,
    pub location: String,
    pub point: Option<(f64, f64)>,
    /// `None`: anonymous.
    pub identity: Option<Identity>,
}

impl ReportInput {
    /// Checks every field and says what is wrong with each, in Chinese.
    pub fn parse(&self) -> Result<Report, Vec<FieldError>> {
        let mut errors = Vec::new();
        let category = parse_category(&self.category);
        if category.is_none() {
            errors.push(FieldError::new("category", "invalid", "请选择隐患所属行业领域"));
        }
        let description = clean_multiline(&self.description);
        if char_len(&description) < 5 {
            errors.push(FieldError::new("description", "too_short", "请说明发现了什么隐患（至少 5 个字）"));
        } else if char_len(&description) > DESCRIPTION_MAX {
            errors.push(FieldError::new("description", "too_long", format!("描述最多 {DESCRIPTION_MAX} 字")));
        }
        let location = clean_multiline(&self.location).replace('\n', " ");
        if char_len(&location) > LOCATION_MAX {
            errors.push(FieldError::new("location", "too_long", format!("地点最多 {LOCATION_MAX} 字")));
        }
        let point = match parse_point(self.lat.as_deref(), self.lon.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if location.is_empty() && point.is_none() {
            errors.push(FieldError::new("location", "required", "请填写隐患所在地点，或允许使用手机定位"));
        }
        let identity = if self.anonymous {
            None
        } else {
            match parse_identity(&self.name, &self.phone, &self.email) {
                Ok(i) if i.is_empty() => {
                    errors.push(FieldError::new(
                        "phone",
                        "required",
                        "实名举报请留下电话或邮箱，以便核实和奖励；不愿留下请选择匿名举报",
                    ));
                    None
                }
                Ok(i) => Some(i),
                Err(mut e) => {
                    errors.append(&mut e);
                    None
                }
            }
        };
        match (category, errors.is_empty()) {
            (Some(category), true) => Ok(Report { category, description, location, point, identity }),
            _ => Err(errors),
        }
    }
}

/// A name with a phone number or an e-mail address.
pub fn parse_identity(name: &str, phone: &str, email: &str) -> Result<Identity, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = name.trim().to_owned();
    if char_len(&name) > NAME_MAX {
        errors.push(FieldError::new("name", "too_long", format!("姓名最多 {NAME_MAX} 字")));
    }
    let phone: String = phone.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let phone_ok = (7..=20).contains(&phone.len()) && phone.chars().all(|c| c.is_ascii_digit() || c == '+');
    if !phone.is_empty() && !phone_ok {
        errors.push(FieldError::new("phone", "invalid", "电话号码格式不对"));
    }
    let email = email.trim().to_owned();
    if !email.is_empty() && crate::users::parse_email(&email).is_err() {
        errors.push(FieldError::new("email", "invalid", "邮箱格式不对"));
    }
    if !name.is_empty() && phone.is_empty() && email.is_empty() {
        errors.push(FieldError::new("phone", "required", "请留下电话或邮箱"));
    }
    if errors.is_empty() { Ok(Identity { name, phone, email }) } else { Err(errors) }
}

/// Latitude and longitude in degrees (WGS 84, as a phone gives them), both or neither.
pub fn parse_point(lat: Option<&str>, lon: Option<&str>) -> Result<Option<(f64, f64)>, FieldError> {
    fn pick(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|s| !s.is_empty())
    }
    match (pick(lat), pick(lon)) {
        (None, None) => Ok(None),
        (Some(a), Some(o)) => match (a.parse::<f64>(), o.parse::<f64>()) {
            (Ok(a), Ok(o))
                if a.is_finite() && o.is_finite() && (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&o) =>
            {
                Ok(Some((a, o)))
            }
            _ => Err(FieldError::new("lat", "invalid", "位置坐标无效")),
        },
        _ => Err(FieldError::new("lat", "invalid", "位置坐标需同时给出纬度和经度")),
    }
}

/// Receipt codes: 26 characters of Crockford base32 (130 random bits), shown in groups of four.
pub const RECEIPT_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const RECEIPT_LEN: usize = 26;

/// A receipt code from 17 random bytes (the top 6 bits of the last are dropped: 130 bits).
pub fn receipt_code(random: &[u8; 17]) -> String {
    let mut bits: u128 = 0;
    let mut out = String::with_capacity(RECEIPT_LEN);
    for b in &random[..16] {
        bits = (bits << 8) | u128::from(*b);
    }
    for i in 0..25 {
        let shift = 128 - 5 * (i + 1);
        let v = if shift >= 0 { (bits >> shift) & 31 } else { 0 };
        out.push(char::from(RECEIPT_ALPHABET[usize::try_from(v).unwrap_or(0)]));
    }
    // 125 bits so far; the last character takes the remaining 3 bits and 2 of the 17th byte.
    let last = ((bits & 0b111) << 2) as u8 | (random[16] & 0b11);
    out.push(char::from(RECEIPT_ALPHABET[usize::from(last & 31)]));
    out
}

/// A code as typed back: case, spaces, dashes and the look-alikes Crockford allows (O→0, I/L→1) do not
/// matter. `None` when it cannot be a code.
pub fn normalise_receipt(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(RECEIPT_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\u{3000}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !RECEIPT_ALPHABET.contains(&u8::try_from(u32::from(c)).ok()?) {
            return None;
        }
        out.push(c);
    }
    (out.len() == RECEIPT_LEN).then_some(out)
}

/// `ABCD-EFGH-…` for reading aloud and copying.
pub fn group_receipt(code: &str) -> String {
    code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// The reward the 2018 rules suggest for a fine (both in fen): 15 %, at least ¥3,000, at most ¥300,000.
pub fn suggested_reward(fine_fen: i64) -> i64 {
    (fine_fen.max(0).saturating_mul(15) / 100).clamp(300_000, 30_000_000)
}

/// Money typed as yuan ("12000", "1.5万" is not accepted, "12,000.50" is) into fen.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s: String = s.trim().trim_start_matches('¥').chars().filter(|c| *c != ',' && *c != '，').collect();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// Fen as "¥12,000.50".
pub fn format_yuan(fen: i64) -> String {
    let yuan = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fen % 100 {
        0 => format!("¥{grouped}"),
        f => format!("¥{grouped}.{f:02}"),
    }
}

/// What staff decide when they assign a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub grade: Grade,
    pub deadline: NaiveDate,
    /// Written by staff for the unit: the rectification notice is made from this, never from the report.
    pub summary: String,
}

/// Checks an assignment typed into the form.
pub fn parse_assignment(
    grade: &str,
    deadline: &str,
    summary: &str,
    today: NaiveDate,
) -> Result<Assignment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let grade = Grade::parse(grade);
    if grade.is_none() {
        errors.push(FieldError::new("grade", "invalid", "请选择隐患等级"));
    }
    let deadline = NaiveDate::parse_from_str(deadline.trim(), "%Y-%m-%d").ok();
    match deadline {
        None => errors.push(FieldError::new("deadline", "invalid", "请填写整改期限（日期）")),
        Some(d) if d < today => errors.push(FieldError::new("deadline", "past", "整改期限不能早于今天")),
        Some(_) => {}
    }
    let summary = clean_multiline(summary);
    if char_len(&summary) < 5 {
        errors.push(FieldError::new("summary", "too_short", "请写明交办的隐患情况和整改要求（至少 5 个字）"));
    } else if char_len(&summary) > DESCRIPTION_MAX {
        errors.push(FieldError::new("summary", "too_long", format!("最多 {DESCRIPTION_MAX} 字")));
    }
    match (grade, deadline, errors.is_empty()) {
        (Some(grade), Some(deadline), true) => Ok(Assignment { grade, deadline, summary }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HazardEvent as E;
    use HazardStatus as S;

    const EVENTS: [HazardEvent; 8] =
        [E::Accept, E::Decline, E::Assign, E::Start, E::Rectify, E::Close, E::Reopen, E::Merge];

    #[test]
    fn every_status_allows_exactly_the_moves_of_the_design_and_refuses_the_rest_with_a_code() {
        let allowed: &[(S, E, S)] = &[
            (S::Received, E::Accept, S::Accepted),
            (S::Received, E::Decline, S::Declined),
            (S::Received, E::Merge, S::Merged),
            (S::Accepted, E::Assign, S::Assigned),
            (S::Accepted, E::Merge, S::Merged),
            (S::Assigned, E::Assign, S::Assigned),
            (S::Assigned, E::Start, S::Rectifying),
            (S::Assigned, E::Rectify, S::Rectified),
            (S::Assigned, E::Merge, S::Merged),
            (S::Rectifying, E::Rectify, S::Rectified),
            (S::Rectifying, E::Merge, S::Merged),
            (S::Rectified, E::Close, S::Closed),
            (S::Rectified, E::Reopen, S::Reopened),
            (S::Closed, E::Reopen, S::Reopened),
            (S::Reopened, E::Assign, S::Assigned),
            (S::Reopened, E::Start, S::Rectifying),
            (S::Reopened, E::Rectify, S::Rectified),
            (S::Reopened, E::Merge, S::Merged),
        ];
        for s in S::ALL {
            for e in EVENTS {
                let expected = allowed.iter().find(|(a, b, _)| *a == s && *b == e).map(|(_, _, to)| *to);
                match (s.transition(e), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{s:?} + {e:?}"),
                    (Err(code), None) => assert!(code.starts_with("case_"), "{s:?} + {e:?}: {code}"),
                    (got, want) => panic!("{s:?} + {e:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn declined_closed_and_merged_cases_are_final_for_open311() {
        let finals: Vec<_> = S::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [S::Declined, S::Closed, S::Merged]);
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }

    fn report() -> ReportInput {
        ReportInput {
            category: "town_gas".into(),
            description: "饭店后厨液化气瓶与灶具未分隔，软管老化".into(),
            location: "青峰场社区老街 12 号".into(),
            anonymous: true,
            ..ReportInput::default()
        }
    }

    #[test]
    fn an_anonymous_report_keeps_no_identity_even_when_one_was_typed() {
        let mut r = report();
        r.name = "张三".into();
        r.phone = "13800000000".into();
        let ok = r.parse().unwrap();
        assert_eq!(ok.identity, None);
        assert_eq!(ok.category, "town_gas");
    }

    #[test]
    fn a_named_report_needs_a_phone_or_an_email_and_checks_them() {
        let mut r = report();
        r.anonymous = false;
        let e = r.parse().unwrap_err();
        assert_eq!(e[0].field, "phone");
        r.name = "张三".into();
        r.phone = "138-0000-0000".into();
        assert_eq!(r.parse().unwrap().identity.unwrap().phone, "13800000000");
        r.phone = "call me".into();
        assert_eq!(r.parse().unwrap_err()[0].code, "invalid");
    }

    #[test]
    fn a_report_needs_a_category_a_description_and_a_place_or_a_point() {
        let r = ReportInput { anonymous: true, ..ReportInput::default() };
        let fields: Vec<_> = r.parse().unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["category", "description", "location"]);
        let mut r = report();
        r.location.clear();
        r.lat = Some("29.35".into());
        r.lon = Some("105.9".into());
        assert_eq!(r.parse().unwrap().point, Some((29.35, 105.9)));
        let refused = |r: &ReportInput| -> Vec<(&str, &str, String)> {
            r.parse().unwrap_err().into_iter().map(|e| (e.field, e.code, e.message)).collect()
        };
        r.lon = Some("NaN".into());
        assert_eq!(
            refused(&r),
            [
                ("lat", "invalid", "位置坐标无效".into()),
                ("location", "required", "请填写隐患所在地点，或允许使用手机定位".into())
            ]
        );
        r.lon = None;
        assert_eq!(refused(&r)[0], ("lat", "invalid", "位置坐标需同时给出纬度和经度".into()));
        assert_eq!(parse_category("城镇燃气"), Some("town_gas"));
    }

    #[test]
    fn receipt_codes_carry_130_bits_and_read_back_whatever_the_reader_types() {
        let code = receipt_code(&[0xff; 17]);
        assert_eq!(code.len(), RECEIPT_LEN);
        assert_eq!(code, "ZZZZZZZZZZZZZZZZZZZZZZZZZZ");
        let zero = receipt_code(&[0; 17]);
        assert_eq!(zero, "0".repeat(26));
        let mut one = [0u8; 17];
        one[16] = 1;
        assert_ne!(receipt_code(&one), zero, "the 17th byte counts");
        let mut top = [0u8; 17];
        top[0] = 0x80;
        assert!(receipt_code(&top).starts_with('G'));
        let code = receipt_code(&[7, 1, 99, 200, 13, 0, 255, 8, 3, 44, 91, 17, 5, 250, 61, 129, 2]);
        let grouped = group_receipt(&code);
        assert_eq!(grouped.len(), 26 + 6);
        assert_eq!(normalise_receipt(&grouped.to_lowercase()), Some(code.clone()));
        assert_eq!(normalise_receipt(&code.replace('0', "O")), Some(code.clone()));
        assert_eq!(normalise_receipt("ABC"), None);
        assert_eq!(normalise_receipt(&format!("{code}U")), None);
        assert_eq!(normalise_receipt("隐患隐患"), None);
    }

    #[test]
    fn the_reward_is_fifteen_percent_of_the_fine_between_three_thousand_and_three_hundred_thousand_yuan() {
        const YUAN: i64 = 100;
        assert_eq!(suggested_reward(100_000 * YUAN), 15_000 * YUAN);
        assert_eq!(suggested_reward(1_000 * YUAN), 3_000 * YUAN);
        assert_eq!(suggested_reward(10_000_000 * YUAN), 300_000 * YUAN);
        assert_eq!(suggested_reward(-5), 3_000 * YUAN);
        assert_eq!(parse_yuan("12,000.5"), Some(1_200_050));
        assert_eq!(parse_yuan("¥3000"), Some(300_000));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("一万"), None);
        assert_eq!(parse_yuan("99999999999999999999"), None);
        assert_eq!(format_yuan(1_200_050), "¥12,000.50");
        assert_eq!(format_yuan(30_000_000), "¥300,000");
    }

    #[test]
    fn an_assignment_needs_a_grade_a_deadline_not_past_and_a_staff_summary() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let a = parse_assignment("major", "2026-06-15", "后厨气瓶间未分隔，限期整改", today).unwrap();
        assert_eq!((a.grade, a.deadline.to_string()), (Grade::Major, "2026-06-15".to_owned()));
        let e = parse_assignment("big", "2026-05-01", "", today).unwrap_err();
        let codes: Vec<_> = e.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(codes, [("grade", "invalid"), ("deadline", "past"), ("summary", "too_short")]);
    }
}
