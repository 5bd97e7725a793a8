//! Cancer-hospital designation types (がん診療連携拠点病院等).

use serde::Serialize;

/// A designation type, with the role it plays in the 空白 definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DesignationType {
    /// 都道府県がん診療連携拠点病院
    PrefecturalHub,
    /// 地域がん診療連携拠点病院
    RegionalHub,
    /// 地域がん診療連携拠点病院（高度型）
    RegionalHubAdvanced,
    /// 特定領域がん診療連携拠点病院
    SpecificFieldHub,
    /// 地域がん診療病院
    RegionalCancerHospital,
    /// 国立がん研究センター
    NationalCancerCenter,
    /// 都道府県独自指定 (not a national designation)
    PrefectureOwn,
}

impl DesignationType {
    pub const ALL: [DesignationType; 7] = [
        Self::PrefecturalHub,
        Self::RegionalHub,
        Self::RegionalHubAdvanced,
        Self::SpecificFieldHub,
        Self::RegionalCancerHospital,
        Self::NationalCancerCenter,
        Self::PrefectureOwn,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::PrefecturalHub => "都道府県がん診療連携拠点病院",
            Self::RegionalHub => "地域がん診療連携拠点病院",
            Self::RegionalHubAdvanced => "地域がん診療連携拠点病院（高度型）",
            Self::SpecificFieldHub => "特定領域がん診療連携拠点病院",
            Self::RegionalCancerHospital => "地域がん診療病院",
            Self::NationalCancerCenter => "国立がん研究センター",
            Self::PrefectureOwn => "都道府県独自指定",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            Self::PrefecturalHub => "prefectural_hub",
            Self::RegionalHub => "regional_hub",
            Self::RegionalHubAdvanced => "regional_hub_advanced",
            Self::SpecificFieldHub => "specific_field_hub",
            Self::RegionalCancerHospital => "regional_cancer_hospital",
            Self::NationalCancerCenter => "national_cancer_center",
            Self::PrefectureOwn => "prefecture_own",
        }
    }

    /// Parses a normalised label (NFKC turns （高度型） into (高度型)), its English
    /// name, or a short form (都道府県拠点, 地域拠点 …).
    pub fn parse(value: &str) -> Option<Self> {
        let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let v = v.replace(['（', '('], "(").replace(['）', ')'], ")");
        Self::ALL.into_iter().find(|t| {
            let label = t.label().replace('（', "(").replace('）', ")");
            label == v || t.english().eq_ignore_ascii_case(&v) || t.short_labels().contains(&v.as_str())
        })
    }

    fn short_labels(self) -> &'static [&'static str] {
        match self {
            Self::PrefecturalHub => &["都道府県拠点", "都道府県拠点病院"],
            Self::RegionalHub => &["地域拠点", "地域拠点病院"],
            Self::RegionalHubAdvanced => &["地域拠点(高度型)", "高度型"],
            Self::SpecificFieldHub => &["特定領域拠点", "特定領域"],
            Self::RegionalCancerHospital => &["地域がん診療病院"],
            Self::NationalCancerCenter => &["国立がん研究センター中央病院", "国立がん研究センター東病院"],
            Self::PrefectureOwn => &["独自指定", "県指定", "都道府県指定"],
        }
    }

    /// A national designation (all but 都道府県独自指定).
    pub fn is_national(self) -> bool {
        self != Self::PrefectureOwn
    }

    /// A 拠点病院 in the guideline's sense (400 = 都道府県 + 地域 + 特定領域 + 国立がん研究センター).
    pub fn is_hub(self) -> bool {
        matches!(
            self,
            Self::PrefecturalHub
                | Self::RegionalHub
                | Self::RegionalHubAdvanced
                | Self::SpecificFieldHub
                | Self::NationalCancerCenter
        )
    }

    /// Whether an area holding this designation is not 空白: an area is 空白 when it has
    /// neither a 拠点病院 nor a 地域がん診療病院.
    pub fn covers_area(self) -> bool {
        self.is_hub() || self == Self::RegionalCancerHospital
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_half_width_brackets_parse() {
        for t in DesignationType::ALL {
            assert_eq!(DesignationType::parse(t.label()), Some(t));
            assert_eq!(DesignationType::parse(t.english()), Some(t));
        }
        assert_eq!(
            DesignationType::parse("地域がん診療連携拠点病院(高度型)"),
            Some(DesignationType::RegionalHubAdvanced)
        );
    }

    #[test]
    fn prefecture_own_designation_does_not_cover_an_area() {
        assert!(!DesignationType::PrefectureOwn.covers_area());
        assert!(DesignationType::RegionalCancerHospital.covers_area());
        assert!(!DesignationType::RegionalCancerHospital.is_hub());
    }
}
