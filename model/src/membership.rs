//! Member categories (会員種別) and professions (職種), kept as data so that a
//! society can add a category without touching the logic.

/// A controlled vocabulary: canonical labels with accepted aliases.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// What the vocabulary names, for messages ("会員種別").
    pub name_ja: &'static str,
    pub name_en: &'static str,
    /// (canonical label, aliases). Values are NFKC-normalised (〜 and ～ folded to `~`) before
    /// matching, so aliases are written in that form; matching ignores ASCII case.
    pub terms: &'static [(&'static str, &'static [&'static str])],
}

impl Vocabulary {
    /// The canonical label for an already-normalised value, if known.
    pub fn canonical(&self, value: &str) -> Option<&'static str> {
        let v = value.trim();
        self.terms.iter().find_map(|(label, aliases)| {
            (*label == v || aliases.iter().any(|a| a.eq_ignore_ascii_case(v))).then_some(*label)
        })
    }

    /// All canonical labels.
    pub fn labels(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.terms.iter().map(|(l, _)| *l)
    }

    /// The closest canonical label, for "did you mean" hints.
    pub fn suggest(&self, value: &str) -> Option<&'static str> {
        let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(l) = self.canonical(&v) {
            return Some(l);
        }
        let mut best: Option<(usize, &'static str)> = None;
        for (label, aliases) in self.terms {
            for cand in std::iter::once(label).chain(aliases.iter()) {
                let d = strsim::levenshtein(&v, cand);
                let limit = cand.chars().count().div_ceil(2).max(1);
                if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, label));
                }
            }
        }
        best.map(|(_, l)| l)
    }
}

/// 正会員: the category the 80% rule counts over.
pub const FULL_MEMBER: &str = "正会員";
/// 準会員: where the society's strategy grows medical staff.
pub const ASSOCIATE_MEMBER: &str = "準会員";
/// 医師: the profession the 80% rule counts.
pub const PHYSICIAN: &str = "医師";

/// 会員種別.
pub const CATEGORIES: Vocabulary = Vocabulary {
    name_ja: "会員種別",
    name_en: "category",
    terms: &[
        ("正会員", &["full", "regular", "正"]),
        ("準会員", &["associate", "準"]),
        ("名誉会員", &["honorary"]),
        ("特別会員", &["special"]),
        ("賛助会員", &["supporting", "corporate"]),
        ("シニア会員", &["senior"]),
        ("学生会員", &["student"]),
    ],
};

/// 職種.
pub const PROFESSIONS: Vocabulary = Vocabulary {
    name_ja: "職種",
    name_en: "profession",
    terms: &[
        ("医師", &["physician", "doctor", "MD", "Dr"]),
        ("歯科医師", &["dentist"]),
        ("薬剤師", &["pharmacist"]),
        ("看護師", &["nurse", "看護職", "保健師", "助産師"]),
        (
            "その他医療職",
            &[
                "other medical staff",
                "medical staff",
                "CRC",
                "臨床検査技師",
                "診療放射線技師",
                "管理栄養士",
                "医療ソーシャルワーカー",
                "MSW",
                "理学療法士",
                "作業療法士",
                "臨床心理士",
                "公認心理師",
            ],
        ),
        ("研究者", &["researcher", "scientist"]),
        ("企業", &["industry", "company", "企業関係者"]),
        ("その他", &["other"]),
    ],
};

/// 性別.
pub const SEXES: Vocabulary = Vocabulary {
    name_ja: "性別",
    name_en: "sex",
    terms: &[
        ("男性", &["男", "M", "male", "1"]),
        ("女性", &["女", "F", "female", "2"]),
        ("その他", &["other", "X"]),
        ("回答しない", &["無回答", "不明", "prefer not to say", "9"]),
    ],
};

/// 年齢階級 as used in the survey.
pub const AGE_BANDS: Vocabulary = Vocabulary {
    name_ja: "年齢階級",
    name_en: "age_band",
    terms: &[
        ("20代", &["20-29", "20歳代", "~29歳", "29歳以下", "20s"]),
        ("30代", &["30-39", "30歳代", "30s"]),
        ("40代", &["40-49", "40歳代", "40s"]),
        ("50代", &["50-59", "50歳代", "50s"]),
        ("60代", &["60-69", "60歳代", "60s"]),
        ("70代以上", &["70-", "70歳以上", "70代", "70s+"]),
    ],
};

/// The ages at which each 年齢階級 but the last ends (20代 is under 30, …, 70代以上 the rest).
pub const AGE_BAND_ENDS: [i64; 5] = [30, 40, 50, 60, 70];

/// The index in [`AGE_BANDS`] of the 年齢階級 in `year` of someone born in `birth_year` (the
/// roster gives the year only).
pub fn age_band_index(year: i32, birth_year: i64) -> usize {
    AGE_BAND_ENDS.iter().position(|end| i64::from(year) - birth_year < *end).unwrap_or(AGE_BAND_ENDS.len())
}

/// The 年齢階級 in `year` of someone born in `birth_year`; 不明 without a birth year.
pub fn age_band(year: i32, birth_year: Option<i64>) -> &'static str {
    let Some(b) = birth_year else { return "不明" };
    AGE_BANDS.terms.get(age_band_index(year, b)).map_or("不明", |t| t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_accepts_labels_and_aliases() {
        assert_eq!(CATEGORIES.canonical("正会員"), Some("正会員"));
        assert_eq!(CATEGORIES.canonical("Associate"), Some("準会員"));
        assert_eq!(PROFESSIONS.canonical("CRC"), Some("その他医療職"));
        assert_eq!(PROFESSIONS.canonical("医者"), None);
    }

    #[test]
    fn suggest_finds_near_misses() {
        assert_eq!(CATEGORIES.suggest("正会員 "), Some("正会員"));
        assert_eq!(CATEGORIES.suggest("正 会員"), Some("正会員"));
        assert_eq!(PROFESSIONS.suggest("薬剤"), Some("薬剤師"));
        assert_eq!(PROFESSIONS.suggest("宇宙飛行士"), None);
    }

    /// A one-character slip in a Japanese label is one edit (characters, not UTF-8 bytes).
    #[test]
    fn hints_count_characters_not_bytes() {
        assert_eq!(CATEGORIES.suggest("正会貝"), Some("正会員"));
        assert_eq!(PROFESSIONS.suggest("看護士"), Some("看護師"));
    }
}
