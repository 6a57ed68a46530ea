//! Units (单位): the organisations a notice goes to, their kinds and the rules for their fields.

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::text::{char_len, clean};

/// What kind of organisation a unit is; the order is the order of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    District,
    Town,
    Department,
    Community,
    Village,
    School,
    Institution,
    Enterprise,
}

impl UnitKind {
    pub const ALL: [UnitKind; 8] = [
        UnitKind::District,
        UnitKind::Town,
        UnitKind::Department,
        UnitKind::Community,
        UnitKind::Village,
        UnitKind::School,
        UnitKind::Institution,
        UnitKind::Enterprise,
    ];

    /// Kinds that hang below a town.
    pub const BELOW_TOWN: [UnitKind; 6] = [
        UnitKind::Department,
        UnitKind::Community,
        UnitKind::Village,
        UnitKind::School,
        UnitKind::Institution,
        UnitKind::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::District => "district",
            UnitKind::Town => "town",
            UnitKind::Department => "department",
            UnitKind::Community => "community",
            UnitKind::Village => "village",
            UnitKind::School => "school",
            UnitKind::Institution => "institution",
            UnitKind::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        let s = s.trim();
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s || k.label_zh() == s || k.aliases_zh().contains(&s))
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            UnitKind::District => "区县",
            UnitKind::Town => "镇街",
            UnitKind::Department => "镇属部门",
            UnitKind::Community => "社区",
            UnitKind::Village => "村",
            UnitKind::School => "学校",
            UnitKind::Institution => "事业单位",
            UnitKind::Enterprise => "企业",
        }
    }

    fn aliases_zh(self) -> &'static [&'static str] {
        match self {
            UnitKind::District => &["区", "县", "区县政府"],
            UnitKind::Town => &["镇", "街道", "乡", "乡镇"],
            UnitKind::Department => &["部门", "镇属相关部门"],
            UnitKind::Community => &["居委会", "社区居委会"],
            UnitKind::Village => &["村委会", "行政村"],
            UnitKind::School => &["中小学", "幼儿园"],
            UnitKind::Institution => &["公共机构", "事业"],
            UnitKind::Enterprise => &["公司", "工厂"],
        }
    }

    /// Position in the register: departments first, then communities, villages, schools,
    /// institutions and enterprises — the order a town office lists its recipients in.
    pub fn rank(self) -> i32 {
        match self {
            UnitKind::District => 0,
            UnitKind::Town => 1,
            UnitKind::Department => 2,
            UnitKind::Community => 3,
            UnitKind::Village => 4,
            UnitKind::School => 5,
            UnitKind::Institution => 6,
            UnitKind::Enterprise => 7,
        }
    }

    /// The kind a unit of this kind must hang below (`None`: a root).
    pub fn parent_kind(self) -> Option<UnitKind> {
        match self {
            UnitKind::District => None,
            UnitKind::Town => Some(UnitKind::District),
            _ => Some(UnitKind::Town),
        }
    }

    /// A town or a district: a unit that owns accounts and data (an authority).
    pub fn is_authority(self) -> bool {
        matches!(self, UnitKind::District | UnitKind::Town)
    }
}

/// Active units receive notices; inactive ones are kept for history (nothing is deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Active,
    Inactive,
}

/// Industry fields of enterprises, the controlled vocabulary of hazard reporting.
pub const INDUSTRIES: [&str; 20] = [
    "危险化学品",
    "非煤矿山",
    "烟花爆竹",
    "工贸",
    "民爆物品",
    "建筑施工",
    "城镇燃气",
    "道路交通运输",
    "水上交通",
    "特种设备",
    "消防",
    "油气管道",
    "电力",
    "森林防火",
    "防汛抗旱",
    "地质灾害",
    "文化旅游",
    "校园安全",
    "危险废物",
    "农业农村",
];

/// The editable fields of a unit, as typed by a person; `parse` turns it into [`UnitFields`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInput {
    pub name: String,
    pub kind: String,
    pub code: String,
    pub industry: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub is_sample: bool,
}

/// A unit's fields after validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFields {
    pub name: String,
    pub kind: UnitKind,
    pub code: Option<String>,
    pub industry: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub is_sample: bool,
}

fn optional(s: &str) -> Option<String> {
    let s = clean(s);
    (!s.is_empty()).then_some(s)
}

impl UnitInput {
    /// Validates every field and reports every problem at once.
    pub fn parse(&self) -> Result<UnitFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = clean(&self.name);
        if name.is_empty() {
            errors.push(FieldError::new("name", "required", "请填写单位名称"));
        } else if char_len(&name) > 60 {
            errors.push(FieldError::new("name", "too_long", "单位名称不能超过60个字"));
        }
        let kind = UnitKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "invalid", "请选择单位类型"));
        }
        let code = optional(&self.code).map(|c| c.replace(' ', "").to_uppercase());
        if let Some(c) = &code
            && !valid_code(c)
        {
            errors.push(FieldError::new(
                "code",
                "invalid",
                "单位代码应为6～12位行政区划/统计代码，或18位统一社会信用代码",
            ));
        }
        let industry = optional(&self.industry);
        if let Some(i) = &industry
            && !INDUSTRIES.contains(&i.as_str())
        {
            errors.push(FieldError::new("industry", "invalid", "请从列表中选择行业领域"));
        }
        if industry.is_some() && kind.is_some() && kind != Some(UnitKind::Enterprise) {
            errors.push(FieldError::new("industry", "not_enterprise", "只有企业需要填写行业领域"));
        }
        let contact_name = optional(&self.contact_name);
        if contact_name.as_deref().is_some_and(|n| char_len(n) > 20) {
            errors.push(FieldError::new("contact_name", "too_long", "联系人姓名不能超过20个字"));
        }
        let contact_phone = optional(&self.contact_phone).map(|p| normalise_phone(&p));
        if let Some(p) = &contact_phone
            && !valid_phone(p)
        {
            errors.push(FieldError::new(
                "contact_phone",
                "invalid",
                "请填写手机号（11位）或固定电话（如 023-49626010）",
            ));
        }
        let address = optional(&self.address);
        if address.as_deref().is_some_and(|a| char_len(a) > 120) {
            errors.push(FieldError::new("address", "too_long", "地址不能超过120个字"));
        }
        match (kind, errors.is_empty()) {
            (Some(kind), true) => Ok(UnitFields {
                name,
                kind,
                code,
                industry,
                contact_name,
                contact_phone,
                address,
                is_sample: self.is_sample,
            }),
            _ => Err(errors),
        }
    }
}

/// Administrative/statistical codes are 6–12 digits; a unified social credit code has 18
/// characters from the GB 32100 alphabet (digits and capitals without I, O, S, V, Z).
fn valid_code(c: &str) -> bool {
    let digits = c.chars().all(|ch| ch.is_ascii_digit());
    if digits && (6..=12).contains(&c.len()) {
        return true;
    }
    c.len() == 18 && c.chars().all(|ch| ch.is_ascii_digit() || (ch.is_ascii_uppercase() && !"IOSVZ".contains(ch)))
}

/// A phone number as the register keeps it (11-digit mobile or fixed line like 023-49626010), or `None`.
pub fn parse_phone(s: &str) -> Option<String> {
    let p = normalise_phone(s.trim());
    valid_phone(&p).then_some(p)
}

fn normalise_phone(p: &str) -> String {
    p.chars()
        .map(|c| match c {
            '－' | '—' | '–' => '-',
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A mainland mobile number, or a landline with area code (023-49626010, 02349626010),
/// optionally with an extension (023-49626010-801).
fn valid_phone(p: &str) -> bool {
    let digits: String = p.chars().filter(|c| c.is_ascii_digit()).collect();
    if !p.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return false;
    }
    let mobile = p.len() == 11 && digits.len() == 11 && p.starts_with('1');
    let landline = p.starts_with('0') && (10..=16).contains(&digits.len());
    let local = !p.starts_with('0') && !p.starts_with('1') && (7..=8).contains(&digits.len());
    mobile || landline || local
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> UnitInput {
        UnitInput {
            name: " 胡豆坪村 ".into(),
            kind: "村".into(),
            contact_phone: "023－49626010".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_village_with_a_landline_parses_and_is_cleaned() {
        let f = input().parse().unwrap();
        assert_eq!(f.name, "胡豆坪村");
        assert_eq!(f.kind, UnitKind::Village);
        assert_eq!(f.contact_phone.as_deref(), Some("023-49626010"));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = UnitInput {
            name: "".into(),
            kind: "星球".into(),
            code: "12ab".into(),
            industry: "炼丹".into(),
            contact_phone: "12345".into(),
            ..Default::default()
        };
        let fields: Vec<_> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["name", "kind", "code", "industry", "contact_phone"]);
    }

    #[test]
    fn only_enterprises_carry_an_industry() {
        let mut i = input();
        i.industry = "工贸".into();
        assert_eq!(i.parse().unwrap_err()[0].code, "not_enterprise");
        i.kind = "企业".into();
        assert_eq!(i.parse().unwrap().industry.as_deref(), Some("工贸"));
    }

    #[test]
    fn codes_accept_division_codes_and_credit_codes() {
        assert!(valid_code("500118100"));
        assert!(valid_code("91500118MA5U4X2K3B"));
        assert!(!valid_code("91500118MA5U4X2K3I"));
        assert!(!valid_code("12345"));
    }

    #[test]
    fn phones_accept_mobiles_landlines_and_extensions() {
        for ok in ["13800138000", "023-49626010", "02349626010", "023-49626010-801", "49626010"] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in ["1380013800", "abc", "23800138000", "023-4962"] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }

    #[test]
    fn kinds_parse_from_codes_labels_and_common_words() {
        assert_eq!(UnitKind::parse("enterprise"), Some(UnitKind::Enterprise));
        assert_eq!(UnitKind::parse("居委会"), Some(UnitKind::Community));
        assert_eq!(UnitKind::parse("街道"), Some(UnitKind::Town));
        assert_eq!(UnitKind::parse("x"), None);
    }
}
