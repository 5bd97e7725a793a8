//! The versioned rule set: every threshold the product applies, in one place,
//! so that a change by a society or the ministry is one new version here.

use chrono::NaiveDate;
use serde::Serialize;

use crate::physician_rule::ShareRule;
use crate::volumes::VolumeThresholds;

/// One version of the rules.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSet {
    pub version: &'static str,
    /// The medical-advertising 80% rule over 正会員.
    pub physician_share: ShareRule,
    /// The day the 協議員 recommendation at joining was abolished.
    pub recommendation_abolished_on: (i32, u32, u32),
    /// Designation volumes for 拠点病院.
    pub volumes: VolumeThresholds,
    /// Years between renewals of a specialist qualification.
    pub renewal_cycle_years: u32,
    /// Minimum cell size for disclosure (NDB practice).
    pub min_cell: u32,
    /// Rare cancer: incidence below this many per 100,000.
    pub rare_cancer_per_100k: u32,
}

/// The rules in force for 2026.
pub const RULES_2026: RuleSet = RuleSet {
    version: "2026",
    physician_share: ShareRule::EIGHTY_PERCENT,
    recommendation_abolished_on: (2026, 1, 17),
    volumes: VolumeThresholds::GUIDELINE_2014,
    renewal_cycle_years: 5,
    min_cell: 10,
    rare_cancer_per_100k: 6,
};

/// What the committee calls the 2026-01-17 change (seed 000: 「入会申込時に必須としていた協議員による推薦を
/// … 不要としました」), the label of its marker on charts and of its headings.
pub const RECOMMENDATION_ABOLISHED_JA: &str = "協議員推薦廃止";

impl RuleSet {
    /// The marker's label: 「2026-01-17 協議員推薦廃止」.
    pub fn recommendation_abolished_label(&self) -> String {
        format!("{} {RECOMMENDATION_ABOLISHED_JA}", self.recommendation_abolished())
    }

    pub fn recommendation_abolished(&self) -> NaiveDate {
        let (y, m, d) = self.recommendation_abolished_on;
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abolition_date_is_valid() {
        assert_eq!(RULES_2026.recommendation_abolished().to_string(), "2026-01-17");
    }
}
