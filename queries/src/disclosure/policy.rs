//! Who sees a result ([`Audience`]), the rule applied for them ([`Policy`]) and what a
//! released result records of it ([`AppliedPolicy`]).

use std::fmt;

use serde::Serialize;

/// The marker of a suppressed cell in text outputs (as in 政府統計: 秘匿 = "X").
pub const SUPPRESSED_MARK: &str = "X";

/// Who will see a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// 会員委員会: member-level detail, no suppression.
    Committee,
    /// 理事会.
    Board,
    /// Policy researchers and anything published.
    Researcher,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Committee, Audience::Board, Audience::Researcher];

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "committee" | "会員委員会" => Some(Self::Committee),
            "board" | "理事会" => Some(Self::Board),
            "researcher" | "research" | "研究者" => Some(Self::Researcher),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Committee => "committee",
            Self::Board => "board",
            Self::Researcher => "researcher",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Self::Committee => "会員委員会",
            Self::Board => "理事会",
            Self::Researcher => "研究者",
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A disclosure policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub audience: Audience,
    /// Person counts from 1 to `k − 1` are withheld; 0 disables suppression.
    pub k: u32,
}

impl Policy {
    /// The policy for an audience with the rule set's threshold.
    pub fn for_audience(audience: Audience) -> Self {
        let k = match audience {
            Audience::Committee => 0,
            Audience::Board | Audience::Researcher => model::rules::RULES_2026.min_cell,
        };
        Policy { audience, k }
    }

    /// The policy in one Japanese sentence, for title pages, READMEs and manifests.
    pub fn describe_ja(&self) -> String {
        if self.k == 0 {
            format!("秘匿処理なし（{}向け）", self.audience.ja())
        } else {
            format!(
                "{}向け：1〜{} 人の人数を秘匿（一次秘匿）し、表の合計から逆算できないよう他のセルも秘匿（二次秘匿）。秘匿セルは {} で表示",
                self.audience.ja(),
                self.k - 1,
                SUPPRESSED_MARK
            )
        }
    }
}

/// The policy a result was released under, and what it withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedPolicy {
    pub audience: Audience,
    pub k: u32,
    pub method: &'static str,
    /// Cells withheld as primary (below k) and as complementary.
    pub primary: usize,
    pub complementary: usize,
}

impl AppliedPolicy {
    pub fn none(audience: Audience) -> Self {
        AppliedPolicy { audience, k: 0, method: METHOD_NONE, primary: 0, complementary: 0 }
    }

    pub fn describe_ja(&self) -> String {
        if self.k == 0 {
            format!("秘匿処理なし（{}向け）", self.audience.ja())
        } else {
            format!(
                "{}向け：{}未満の人数を秘匿（一次 {} セル、二次 {} セル）。秘匿セルは {} で表示",
                self.audience.ja(),
                self.k,
                self.primary,
                self.complementary,
                SUPPRESSED_MARK
            )
        }
    }
}

pub const METHOD_NONE: &str = "none";
pub const METHOD_SUPPRESSION: &str = "primary (1..k-1) + complementary (line totals, linear algebra)";
