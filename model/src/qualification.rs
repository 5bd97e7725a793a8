//! Specialist qualifications (資格) and their renewal cycle.

use crate::membership::Vocabulary;

/// 資格. The renewal cycle of each is in [`crate::rules`].
pub const QUALIFICATIONS: Vocabulary = Vocabulary {
    name_ja: "資格",
    name_en: "qualification",
    terms: &[
        ("がん薬物療法専門医", &["medical oncologist", "JSMO specialist", "専門医"]),
        ("がん薬物療法指導医", &["JSMO supervisor", "指導医"]),
        ("がん治療認定医", &["JBCT", "board certified oncologist", "認定医"]),
        ("がん治療認定医（歯科口腔外科）", &["がん治療認定医(歯科口腔外科)", "JBCT dental"]),
    ],
};

/// がん薬物療法専門医, the qualification the 80% rule protects.
pub const MEDICAL_ONCOLOGIST: &str = "がん薬物療法専門医";
/// がん治療認定医 (日本がん治療認定医機構, JBCT).
pub const JBCT: &str = "がん治療認定医";
