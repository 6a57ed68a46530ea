//! The use-case error: one type that the web layer renders as a JSON error or a Chinese page.

use domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("conflict: {code}")]
    Conflict { code: &'static str, message: String },
    #[error("wrong user name or password")]
    LoginFailed,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_seconds: i64 },
    #[error("upload refused: {0}")]
    Upload(#[from] store::files::UploadError),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// The stable snake_case code API clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "unauthenticated",
            Error::NotFound => "not_found",
            Error::Forbidden => "forbidden",
            Error::Invalid(_) => "invalid_input",
            Error::Conflict { code, .. } => code,
            Error::LoginFailed => "login_failed",
            Error::TooManyAttempts { .. } => "too_many_attempts",
            Error::Upload(e) => e.code(),
            Error::Unavailable(_) => "service_unavailable",
            Error::Internal(_) => "internal_error",
        }
    }

    /// What the user reads (Chinese); never says anything internal.
    pub fn message_zh(&self) -> String {
        match self {
            Error::Unauthenticated => "请先登录".into(),
            Error::NotFound => "找不到该页面或记录，或您无权查看".into(),
            Error::Forbidden => "您的账号无权进行此操作".into(),
            Error::Invalid(errors) => match errors.as_slice() {
                [one] => one.message.clone(),
                _ => "填写的内容有误，请按提示修改".into(),
            },
            Error::Conflict { message, .. } => message.clone(),
            Error::LoginFailed => "用户名或密码错误".into(),
            Error::TooManyAttempts { retry_after_seconds } => {
                format!("尝试次数过多，请{}分钟后再试", (retry_after_seconds + 59) / 60)
            }
            Error::Upload(e) => e.message_zh(),
            Error::Unavailable(_) => "服务暂时不可用，请稍后重试".into(),
            Error::Internal(_) => "系统出错了，请稍后重试；如果一直出错，请把页面上的请求编号告诉管理员".into(),
        }
    }
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotFound => Error::NotFound,
            store::Error::Conflict(c) => Error::Conflict {
                code: "conflict",
                message: {
                    tracing::debug!(constraint = %c, "unique violation");
                    "与已有记录冲突，请检查后重试".into()
                },
            },
            store::Error::Unavailable(m) => Error::Unavailable(m),
            other => Error::Internal(other.to_string()),
        }
    }
}
