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
    /// 回答者: a committee chair or other respondent who answers the questions of the
    /// committee's booklet assigned to them (回答) and sees nothing else — no metric page,
    /// no other question, no member-level data; their evidence as the board sees it.
    Respondent,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Committee, Role::Board, Role::Researcher, Role::Steward, Role::Respondent];

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "committee" => Some(Role::Committee),
            "board" => Some(Role::Board),
            "researcher" => Some(Role::Researcher),
            "steward" => Some(Role::Steward),
            "respondent" => Some(Role::Respondent),
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
            Role::Respondent => "respondent",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者",
            Role::Committee => "会員委員会",
            Role::Board => "理事会",
            Role::Researcher => "研究者",
            Role::Steward => "データ管理者",
            Role::Respondent => "回答者",
        }
    }

    /// The disclosure audience of what this role sees.
    pub fn audience(self) -> Audience {
        match self {
            Role::Admin | Role::Committee => Audience::Committee,
            Role::Board | Role::Steward | Role::Respondent => Audience::Board,
            Role::Researcher => Audience::Researcher,
        }
    }

    /// Whether the role loads data through the browser (取り込み) and reads what loads
    /// rejected (raw values, before pseudonymisation).
    pub fn loads_data(self) -> bool {
        matches!(self, Role::Admin | Role::Steward)
    }

    /// Whether the role writes the committee's booklet (冊子): editions, questions, review, publishing.
    pub fn edits_booklets(self) -> bool {
        matches!(self, Role::Admin | Role::Committee)
    }

    /// Whether the role may open `path` at all. A respondent (回答者) opens only their
    /// answers (and their password, and logout); every other role every path, each page
    /// then checking what the role may see.
    pub fn may_open(self, path: &str) -> bool {
        self != Role::Respondent
            || path == "/answers"
            || path.starts_with("/answers/")
            || matches!(path, "/account/password" | "/logout")
    }

    /// Whether the role may download a load's rejected rows.
    pub fn sees_rejects(self) -> bool {
        self.loads_data() || self == Role::Committee
    }
}
