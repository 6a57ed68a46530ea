//! Accounts: user names, display names and the password policy.

use crate::FieldError;
use crate::text::{char_len, clean};

/// Login names: 3–32 letters, digits, `.`, `_` or `-`, stored lower-case.
pub fn parse_username(s: &str) -> Result<String, FieldError> {
    let s = s.trim().to_lowercase();
    let ok =
        (3..=32).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s)
    } else {
        Err(FieldError::new("username", "invalid", "用户名为3～32位字母、数字或 . _ -"))
    }
}

pub fn parse_display_name(s: &str) -> Result<String, FieldError> {
    let s = clean(s);
    if s.is_empty() {
        Err(FieldError::new("display_name", "required", "请填写姓名"))
    } else if char_len(&s) > 30 {
        Err(FieldError::new("display_name", "too_long", "姓名不能超过30个字"))
    } else {
        Ok(s)
    }
}

/// Passwords that appear at the top of every leaked list; refused whatever their length.
const COMMON: [&str; 12] = [
    "123456789012",
    "1234567890123",
    "qwertyuiopas",
    "password1234",
    "passwordpassword",
    "aaaaaaaaaaaa",
    "111111111111",
    "000000000000",
    "abc123456789",
    "1qaz2wsx3edc",
    "qwerty123456",
    "admin1234567",
];

/// ASVS 2.1: at least 12 characters, at most 128, not the user name, not a well-known one.
/// An email address for notifications: empty clears it; otherwise one `@`, a dotted domain, no spaces,
/// at most 254 characters (the mail system checks the rest by delivering).
pub fn parse_email(s: &str) -> Result<Option<String>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new("email", "invalid", "邮箱地址格式不对（如 zhangsan@qingfeng.gov.cn）");
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    let plain = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_graphic() && !"@<>()[],;:\\\"".contains(c));
    let dotted = domain.split('.').count() >= 2 && domain.split('.').all(|l| !l.is_empty());
    if s.len() > 254 || !plain(local) || !plain(domain) || !dotted {
        return Err(bad());
    }
    Ok(Some(format!("{local}@{}", domain.to_ascii_lowercase())))
}

pub fn check_password(password: &str, username: &str) -> Result<(), FieldError> {
    let n = char_len(password);
    if n < 12 {
        return Err(FieldError::new("password", "too_short", "密码至少12位"));
    }
    if n > 128 {
        return Err(FieldError::new("password", "too_long", "密码不能超过128位"));
    }
    let lower = password.to_lowercase();
    if lower.contains(&username.to_lowercase()) && !username.is_empty() {
        return Err(FieldError::new("password", "contains_username", "密码不能包含用户名"));
    }
    if COMMON.contains(&lower.as_str()) || password.chars().all(|c| password.starts_with(c)) {
        return Err(FieldError::new("password", "too_common", "密码过于常见，请换一个"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_address_is_checked_loosely_and_empty_clears_it() {
        assert_eq!(parse_email(" Hu.Zhuanren@QingFeng.gov.cn "), Ok(Some("Hu.Zhuanren@qingfeng.gov.cn".into())));
        assert_eq!(parse_email(""), Ok(None));
        for bad in
            ["hu", "hu@", "@qingfeng.cn", "hu@localhost", "hu zhuan@qf.cn", "hu@qf..cn", "<hu@qf.cn>", "胡@qf.cn"]
        {
            assert_eq!(parse_email(bad).unwrap_err().code, "invalid", "{bad}");
        }
    }

    #[test]
    fn usernames_are_lower_cased_and_limited() {
        assert_eq!(parse_username(" QF.Admin ").unwrap(), "qf.admin");
        for bad in ["ab", "张三", &"a".repeat(33), "qf admin"] {
            let e = parse_username(bad).unwrap_err();
            assert_eq!((e.field, e.code), ("username", "invalid"), "{bad}");
        }
    }

    #[test]
    fn passwords_follow_the_policy() {
        assert!(check_password("short", "u").is_err());
        assert!(check_password("password1234", "u").is_err());
        assert!(check_password("qf.admin-2026-x", "qf.admin").is_err());
        assert!(check_password("青峰镇安全生产月2026", "qf.admin").is_ok());
    }
}
