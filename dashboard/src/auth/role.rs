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
    /// データ管理者: the office staff who load the roster and the survey export through the
    /// browser (取り込み) and read the load history and its rejects; they see the board's
    /// aggregated view and no member-level metric, account or audit log.
    Steward,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Committee, Role::Board, Role::Researcher, Role::Steward];

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "committee" => Some(Role::Committee),
            "board" => Some(Role::Board),
            "researcher" => Some(Role::Researcher),
            "steward" => Some(Role::Steward),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Committee => "committee",
            Role::Board => "board",
            Role::Researcher => "researcher",
            Role::Steward => "steward",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者",
            Role::Committee => "会員委員会",
            Role::Board => "理事会",
            Role::Researcher => "研究者",
            Role::Steward => "データ管理者",
        }
    }

    /// The disclosure audience of what this role sees.
    pub fn audience(self) -> Audience {
        match self {
            Role::Admin | Role::Committee => Audience::Committee,
            Role::Board | Role::Steward => Audience::Board,
            Role::Researcher => Audience::Researcher,
        }
    }

    /// Whether the role loads data through the browser (取り込み) and reads what loads
    /// rejected (raw values, before pseudonymisation).
    pub fn loads_data(self) -> bool {
        matches!(self, Role::Admin | Role::Steward)
    }

    /// Whether the role may download a load's rejected rows.
    pub fn sees_rejects(self) -> bool {
        self.loads_data() || self == Role::Committee
    }
}
