//! Anjian's domain: identifiers, validated values, roles and the audit hash chain — no I/O, no clock.

pub mod activities;
pub mod audit;
pub mod campaigns;
pub mod hazards;
pub mod ids;
pub mod roles;
pub mod text;
pub mod units;
pub mod users;
pub mod work;

pub use ids::{FileId, UnitId, UserId};
pub use roles::Role;
pub use units::{UnitKind, UnitStatus};

/// A problem with one field of a form or request, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    /// Stable snake_case code, e.g. `too_long`.
    pub code: &'static str,
    /// Chinese message shown beside the field.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self { field, code, message: message.into() }
    }
}
