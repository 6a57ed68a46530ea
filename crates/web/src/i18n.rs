//! Chinese first, English by a switch: Fluent messages, chosen per request by `?lang=` or cookie.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use domain::FieldError;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Without this, U+2068/U+2069 marks wrap every argument and leak into exports.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The message `key`; a missing key shows as the key itself (and a test catches it).
    pub fn t(self, key: &str) -> String {
        LOCALES.try_lookup(self.id(), key).unwrap_or_else(|| key.to_owned())
    }

    pub fn has(self, key: &str) -> bool {
        LOCALES.try_lookup(self.id(), key).is_some()
    }

    /// The message `key` with arguments.
    pub fn ta(self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'static>> =
            args.iter().map(|(k, v)| (Cow::Borrowed(*k), v.to_fluent())).collect();
        LOCALES.try_lookup_with_args(self.id(), key, &map).unwrap_or_else(|| key.to_owned())
    }

    /// A use-case error in this language (Chinese text comes from the use case itself).
    pub fn error_message(self, e: &app::Error) -> String {
        match (self, e) {
            (Lang::Zh, _) => e.message_zh(),
            (Lang::En, app::Error::Invalid(fields)) if fields.len() == 1 => self.field_message(&fields[0]),
            (Lang::En, _) => {
                let key = format!("en-error-{}", e.code().replace('_', "-"));
                if self.has(&key) { self.t(&key) } else { e.message_zh() }
            }
        }
    }

    /// A field's message in this language.
    pub fn field_message(self, f: &FieldError) -> String {
        let key = format!("en-invalid-{}-{}", f.field.replace('_', "-"), f.code.replace('_', "-"));
        if self == Lang::En && self.has(&key) { self.t(&key) } else { f.message.clone() }
    }
}

/// An argument of a translated message.
#[derive(Debug, Clone)]
pub enum FluentArg {
    Num(i64),
    Str(String),
}

impl FluentArg {
    fn to_fluent(&self) -> FluentValue<'static> {
        match self {
            FluentArg::Num(n) => FluentValue::from(*n),
            FluentArg::Str(s) => FluentValue::from(s.clone()),
        }
    }
}

impl From<i64> for FluentArg {
    fn from(n: i64) -> Self {
        FluentArg::Num(n)
    }
}

impl From<usize> for FluentArg {
    fn from(n: usize) -> Self {
        FluentArg::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<&str> for FluentArg {
    fn from(s: &str) -> Self {
        FluentArg::Str(s.to_owned())
    }
}

impl From<String> for FluentArg {
    fn from(s: String) -> Self {
        FluentArg::Str(s)
    }
}

/// The request's language: `?lang=` first, then the `lang` cookie, else Chinese.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(q) = parts.uri.query() {
            for pair in q.split('&') {
                if let Some(v) = pair.strip_prefix("lang=")
                    && let Some(l) = Lang::parse(v)
                {
                    return Ok(l);
                }
            }
        }
        let from_cookie = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix("lang="))
            .find_map(Lang::parse);
        Ok(from_cookie.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_plurals_follow_the_count() {
        assert_eq!(Lang::En.ta("units-found", &[("count", 1i64.into())]), "1 unit");
        assert_eq!(Lang::En.ta("units-found", &[("count", 3i64.into())]), "3 units");
        assert_eq!(Lang::Zh.ta("units-found", &[("count", 3i64.into())]), "共 3 个单位");
    }

    /// Every message exists in both languages, so switching never shows a bare key.
    #[test]
    fn both_languages_have_the_same_messages() {
        fn keys(lang: &str) -> std::collections::BTreeSet<String> {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(lang);
            let mut out = std::collections::BTreeSet::new();
            for f in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
                for line in text.lines() {
                    if let Some((k, _)) = line.split_once(" =")
                        && !k.starts_with([' ', '#', '.', '*', '['])
                        && !k.is_empty()
                    {
                        out.insert(k.to_owned());
                    }
                }
            }
            out
        }
        let (zh, en) = (keys("zh-CN"), keys("en"));
        // `en-…` keys translate the Chinese messages that use cases produce themselves.
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).filter(|k| !k.starts_with("en-")).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "zh only: {only_zh:?}; en only: {only_en:?}");
    }
}
