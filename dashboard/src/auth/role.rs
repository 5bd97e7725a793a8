//! What an account may do ([`Role`]) and the disclosure audience of what it sees.

use queries::Audience;

/// What an account may do. Each role sees what its audience may see under the metric
/// catalog's disclosure policy; admin also manages accounts and reads the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The society's secretariat: the committee's view plus accounts, audit and reloads.
    Admin,
    Committee,
    Board,
    Researcher,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Committee, Role::Board, Role::Researcher];

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "committee" => Some(Role::Committee),
            "board" => Some(Role::Board),
            "researcher" => Some(Role::Researcher),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Committee => "committee",
            Role::Board => "board",
            Role::Researcher => "researcher",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者",
            Role::Committee => "会員委員会",
            Role::Board => "理事会",
            Role::Researcher => "研究者",
        }
    }

    /// The disclosure audience of what this role sees.
    pub fn audience(self) -> Audience {
        match self {
            Role::Admin | Role::Committee => Audience::Committee,
            Role::Board => Audience::Board,
            Role::Researcher => Audience::Researcher,
        }
    }
}
