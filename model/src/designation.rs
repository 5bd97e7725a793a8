//! Cancer-hospital designation types (がん診療連携拠点病院等).

use serde::Serialize;

/// A designation type, with the role it plays in the 空白 definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DesignationType {
    /// 都道府県がん診療連携拠点病院
    PrefecturalHub,
    /// 都道府県がん診療連携拠点病院（特例型）: from 2023, a hub short of a requirement for a while
    PrefecturalHubSpecial,
    /// 地域がん診療連携拠点病院
    RegionalHub,
    /// 地域がん診療連携拠点病院（特例型）: 26 on 2020-04-01, 6 on 2022-04-01
    RegionalHubSpecial,
    /// 地域がん診療連携拠点病院（高度型）
    RegionalHubAdvanced,
    /// 特定領域がん診療連携拠点病院
    SpecificFieldHub,
    /// 地域がん診療病院
    RegionalCancerHospital,
    /// 地域がん診療病院（特例型）: from 2023
    RegionalCancerHospitalSpecial,
    /// 国立がん研究センター
    NationalCancerCenter,
    /// 都道府県独自指定 (not a national designation)
    PrefectureOwn,
}

impl DesignationType {
    pub const ALL: [DesignationType; 10] = [
        Self::PrefecturalHub,
        Self::PrefecturalHubSpecial,
        Self::RegionalHub,
        Self::RegionalHubAdvanced,
        Self::RegionalHubSpecial,
        Self::SpecificFieldHub,
        Self::RegionalCancerHospital,
        Self::RegionalCancerHospitalSpecial,
        Self::NationalCancerCenter,
        Self::PrefectureOwn,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::PrefecturalHub => "都道府県がん診療連携拠点病院",
            Self::PrefecturalHubSpecial => "都道府県がん診療連携拠点病院（特例型）",
            Self::RegionalHub => "地域がん診療連携拠点病院",
            Self::RegionalHubSpecial => "地域がん診療連携拠点病院（特例型）",
            Self::RegionalHubAdvanced => "地域がん診療連携拠点病院（高度型）",
            Self::SpecificFieldHub => "特定領域がん診療連携拠点病院",
            Self::RegionalCancerHospital => "地域がん診療病院",
            Self::RegionalCancerHospitalSpecial => "地域がん診療病院（特例型）",
            Self::NationalCancerCenter => "国立がん研究センター",
            Self::PrefectureOwn => "都道府県独自指定",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            Self::PrefecturalHub => "prefectural_hub",
            Self::PrefecturalHubSpecial => "prefectural_hub_special",
            Self::RegionalHub => "regional_hub",
            Self::RegionalHubSpecial => "regional_hub_special",
            Self::RegionalHubAdvanced => "regional_hub_advanced",
            Self::SpecificFieldHub => "specific_field_hub",
            Self::RegionalCancerHospital => "regional_cancer_hospital",
            Self::RegionalCancerHospitalSpecial => "regional_cancer_hospital_special",
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
            Self::PrefecturalHubSpecial => &["都道府県拠点(特例型)", "都道府県拠点病院(特例型)"],
            Self::RegionalHub => &["地域拠点", "地域拠点病院"],
            Self::RegionalHubSpecial => &["地域拠点(特例型)", "地域拠点病院(特例型)", "特例型"],
            Self::RegionalHubAdvanced => &["地域拠点(高度型)", "高度型"],
            Self::SpecificFieldHub => &["特定領域拠点", "特定領域"],
            Self::RegionalCancerHospital => &["地域がん診療病院"],
            Self::RegionalCancerHospitalSpecial => &["地域がん診療病院(特例型)"],
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
                | Self::PrefecturalHubSpecial
                | Self::RegionalHub
                | Self::RegionalHubSpecial
                | Self::RegionalHubAdvanced
                | Self::SpecificFieldHub
                | Self::NationalCancerCenter
        )
    }

    /// Whether an area holding this designation is not 空白: an area is 空白 when it has
    /// neither a 拠点病院 nor a 地域がん診療病院.
    pub fn covers_area(self) -> bool {
        self.is_hub() || self.is_regional_cancer_hospital()
    }

    /// A 地域がん診療病院, 特例型 or not (it names its partner 拠点病院).
    pub fn is_regional_cancer_hospital(self) -> bool {
        matches!(self, Self::RegionalCancerHospital | Self::RegionalCancerHospitalSpecial)
    }

    /// A 特例型: designated while short of a requirement; it still covers its area.
    pub fn is_special(self) -> bool {
        matches!(self, Self::PrefecturalHubSpecial | Self::RegionalHubSpecial | Self::RegionalCancerHospitalSpecial)
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

    /// [designations-real]: the 特例型 the ministry used count as what they are; each covers its area.
    #[test]
    fn special_designations_parse_and_still_cover_their_area() {
        let p = |s: &str| DesignationType::parse(s);
        assert_eq!(p("地域がん診療連携拠点病院(特例型)"), Some(DesignationType::RegionalHubSpecial));
        assert_eq!(p("都道府県がん診療連携拠点病院（特例型）"), Some(DesignationType::PrefecturalHubSpecial));
        assert_eq!(p("地域がん診療病院(特例型)"), Some(DesignationType::RegionalCancerHospitalSpecial));
        for t in DesignationType::ALL.into_iter().filter(|t| t.is_special()) {
            assert!(t.covers_area() && t.is_national(), "{t:?}");
        }
        assert!(DesignationType::RegionalHubSpecial.is_hub());
        assert!(!DesignationType::RegionalCancerHospitalSpecial.is_hub());
    }

    #[test]
    fn prefecture_own_designation_does_not_cover_an_area() {
        assert!(!DesignationType::PrefectureOwn.covers_area());
        assert!(DesignationType::RegionalCancerHospital.covers_area());
        assert!(!DesignationType::RegionalCancerHospital.is_hub());
    }
}
