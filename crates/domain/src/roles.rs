//! The roles a staff or unit account can hold, and what each may do.

use serde::{Deserialize, Serialize};

/// One account holds one role within one authority (a town or a district).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages accounts and the unit register; cannot read the audit trail (三员分立).
    Admin,
    /// Runs campaigns and keeps the unit register.
    Organiser,
    /// Reviews what units hand in.
    Reviewer,
    /// Acts for one unit (联络员).
    Liaison,
    /// Guards reporters' identities (身份保管员).
    Custodian,
    /// Reads the audit trail (审计员); changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Organiser, Role::Reviewer, Role::Liaison, Role::Custodian, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Organiser => "organiser",
            Role::Reviewer => "reviewer",
            Role::Liaison => "liaison",
            Role::Custodian => "custodian",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Organiser => "活动组织员",
            Role::Reviewer => "审核员",
            Role::Liaison => "单位联络员",
            Role::Custodian => "身份保管员",
            Role::Auditor => "审计员",
        }
    }

    /// May read the unit register of the whole authority.
    pub fn reads_unit_register(self) -> bool {
        !matches!(self, Role::Liaison)
    }

    /// May create, edit, import and deactivate units.
    pub fn edits_unit_register(self) -> bool {
        matches!(self, Role::Admin | Role::Organiser)
    }

    /// May create accounts and reset passwords.
    pub fn manages_accounts(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// May read the audit trail. The system administrator may not (三员分立).
    pub fn reads_audit_trail(self) -> bool {
        matches!(self, Role::Auditor)
    }

    /// May turn notices into campaigns, edit, publish, close and clone them.
    pub fn organises_campaigns(self) -> bool {
        matches!(self, Role::Organiser)
    }

    /// May read every campaign of the authority (a liaison reads only those sent to the unit).
    pub fn reads_campaigns(self) -> bool {
        !matches!(self, Role::Liaison)
    }

    /// May take up, accept and return what units hand in (organisers review too: in a small town office
    /// the same people do both).
    pub fn reviews_submissions(self) -> bool {
        matches!(self, Role::Reviewer | Role::Organiser)
    }

    /// May take up hazard reports, enter 12350 calls and inspections, assign, verify and close cases
    /// (受理员: the same town office staff who run campaigns).
    pub fn handles_hazards(self) -> bool {
        matches!(self, Role::Organiser | Role::Reviewer)
    }

    /// May reveal who filed a report (身份保管员), with a reason, audited.
    pub fn reveals_identities(self) -> bool {
        matches!(self, Role::Custodian)
    }

    /// May upload files outside a task (imports, attachments to staff work).
    pub fn uploads_files(self) -> bool {
        !matches!(self, Role::Auditor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn the_admin_cannot_read_the_audit_trail_and_the_auditor_cannot_edit() {
        assert!(!Role::Admin.reads_audit_trail());
        assert!(Role::Auditor.reads_audit_trail());
        assert!(!Role::Auditor.edits_unit_register());
        assert!(!Role::Auditor.manages_accounts());
    }
}
