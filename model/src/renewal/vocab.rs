//! The controlled vocabularies of the renewal systems, as the societies' screens
//! name them (seeds 001–003). Ingest resolves labels through these.

use crate::membership::Vocabulary;

/// The 15 organ areas (臓器・領域) of JSMO's 業績目録.
pub const ORGAN_AREAS: Vocabulary = Vocabulary {
    name_ja: "臓器・領域",
    name_en: "organ area",
    terms: &[
        ("造血器", &["hematologic", "血液"]),
        ("肝胆膵", &["hepatobiliary-pancreatic", "hbp"]),
        ("婦人科", &["gynecologic"]),
        ("胚細胞", &["germ cell"]),
        ("骨軟部", &["bone and soft tissue", "sarcoma"]),
        ("呼吸器", &["thoracic", "lung"]),
        ("内分泌", &["endocrine"]),
        ("泌尿器", &["urologic", "genitourinary"]),
        ("皮膚", &["skin"]),
        ("小児", &["pediatric"]),
        ("消化管", &["gastrointestinal", "gi"]),
        ("乳房", &["breast", "乳腺"]),
        ("頭頸部", &["head and neck", "頭頚部"]),
        ("中枢神経", &["cns", "central nervous system"]),
        ("原発不明", &["cancer of unknown primary", "cup"]),
    ],
};

/// The parts of JSMO's 研究業績 where credits (業績単位) are registered.
pub const CREDIT_PARTS: Vocabulary = Vocabulary {
    name_ja: "区分",
    name_en: "part",
    terms: &[
        ("学会参加", &["研究業績 学会参加", "研究業績学会参加", "meeting", "meetings"]),
        ("当会セミナー", &["研究業績 当会セミナー", "セミナー", "seminar", "seminars"]),
        ("論文", &["研究業績 論文", "研究業績論文", "paper", "papers"]),
    ],
};

/// 本学会学術集会: the society's own annual meeting, the only kind 学会参加 counts.
pub const OWN_MEETING: &str = "本学会学術集会";
/// 教育セミナー A セッション.
pub const SEMINAR_A: &str = "教育セミナーA";
/// 教育セミナー B セッション.
pub const SEMINAR_B: &str = "教育セミナーB";

/// What a JSMO credit entry is.
/// The society's own seminars, counted automatically (「研究業績 当会セミナー」): entered by hand
/// they are a mistake (「単位が自動算入されますので登録しないでください」).
/// Another society's meeting (registered under 論文 when approved).
pub const OTHER_MEETING: &str = "他学会学術集会";

pub const OWN_SEMINARS: [&str; 3] = [SEMINAR_A, SEMINAR_B, "Best of ASCO"];

pub const CREDIT_KINDS: Vocabulary = Vocabulary {
    name_ja: "種別",
    name_en: "kind",
    terms: &[
        (OWN_MEETING, &["本学会", "学術集会", "jsmo annual meeting", "own meeting"]),
        (OTHER_MEETING, &["他学会", "other society meeting", "学会"]),
        (SEMINAR_A, &["教育セミナーAセッション", "教育セミナー A", "セミナーA", "seminar a"]),
        (SEMINAR_B, &["教育セミナーBセッション", "教育セミナー B", "セミナーB", "seminar b"]),
        ("Best of ASCO", &["best of asco in japan", "boa"]),
        ("論文", &["paper", "article", "原著"]),
        ("その他", &["other"]),
    ],
};

/// The licence of a JBCT applicant (申請資格 (1), seed 002): 医師 or 歯科医師 qualifies.
pub const LICENCES: Vocabulary = Vocabulary {
    name_ja: "免許",
    name_en: "licence",
    terms: &[
        ("医師", &["医師免許", "medical", "physician", "doctor"]),
        ("歯科医師", &["歯科医師免許", "dental", "dentist"]),
        ("その他", &["other", "なし", "無し"]),
    ],
};

/// Licences that qualify (「日本国の医師免許証」「日本国の歯科医師免許証」).
pub const QUALIFYING_LICENCES: [&str; 2] = ["医師", "歯科医師"];

/// The applicant's membership of an approved society (申請資格 (2), seed 002).
pub const MEMBERSHIP_KINDS: Vocabulary = Vocabulary {
    name_ja: "会員種別",
    name_en: "membership",
    terms: &[
        ("正会員", &["regular", "regular member"]),
        ("名誉会員", &["honorary", "honorary member"]),
        ("功労会員", &["merit member", "distinguished member"]),
        ("特別会員", &["special member"]),
        ("準会員", &["associate", "associate member"]),
        ("学生会員", &["student", "student member"]),
        ("賛助会員", &["supporting member", "corporate member"]),
        ("非会員", &["none", "not a member", "なし"]),
    ],
};

/// Memberships that qualify (「本機構が認める学会の正会員、名誉会員、功労会員、特別会員」).
pub const QUALIFYING_MEMBERSHIPS: [&str; 4] = ["正会員", "名誉会員", "功労会員", "特別会員"];

/// The state of JSMO's written renewal exam (筆記試験, or the web exam from the 4th renewal).
pub const EXAM_STATES: Vocabulary = Vocabulary {
    name_ja: "筆記試験",
    name_en: "exam",
    terms: &[
        ("合格", &["passed", "pass", "合格済"]),
        ("申込済", &["applied", "申込", "受験予定"]),
        ("未申込", &["not applied", "未"]),
        ("不合格", &["failed", "fail"]),
    ],
};

/// The kinds of meeting JBCT's 申請 3 lists.
pub const MEETING_KINDS: Vocabulary = Vocabulary {
    name_ja: "種別",
    name_en: "kind",
    terms: &[
        ("学術集会", &["本機構が認める学会の学術集会", "academic meeting", "総会"]),
        ("地方会", &["regional meeting", "支部会"]),
        ("教育セミナー", &["がん治療認定医教育セミナー", "jbct seminar", "seminar"]),
        ("その他", &["other", "研究会"]),
    ],
};

/// JBCT e-learning: the 7 required fields (必須受講) then the 6 electives (選択受講).
pub const ELEARNING_REQUIRED: [&str; 7] =
    ["遺伝性腫瘍", "画像診断学", "外科治療学概論", "化学療法概論", "分子標的薬概論", "免疫療法概論", "放射線療法概論"];
pub const ELEARNING_ELECTIVE: [&str; 6] =
    ["がんの生物学・分子生物学", "病理学", "緩和医療特論", "精神腫瘍学", "がん救急", "がんの診療と倫理"];

/// Every e-learning field, with the longer names the system prints.
pub const ELEARNING_FIELDS: Vocabulary = Vocabulary {
    name_ja: "分野",
    name_en: "field",
    terms: &[
        ("遺伝性腫瘍", &["hereditary tumors"]),
        ("画像診断学", &["diagnostic imaging"]),
        ("外科治療学概論", &["surgical oncology"]),
        ("化学療法概論", &["chemotherapy"]),
        ("分子標的薬概論", &["molecular targeted drugs"]),
        ("免疫療法概論", &["immunotherapy"]),
        ("放射線療法概論", &["radiotherapy"]),
        ("がんの生物学・分子生物学", &["がんの生物学", "cancer biology"]),
        ("病理学", &["病理学(分子病理学を含む)", "pathology"]),
        ("緩和医療特論", &["palliative medicine"]),
        ("精神腫瘍学", &["精神腫瘍学(サイコオンコロジー)", "psycho-oncology"]),
        ("がん救急", &["oncologic emergencies"]),
        ("がんの診療と倫理", &["ethics"]),
    ],
};

/// JBCT's care items (診療項目), in the order of its pull-down. The flag marks the
/// diagnosis-only items (※) that count only when cancer was confirmed.
pub const CARE_ITEMS: [(&str, bool); 23] = [
    ("手術", false),
    ("薬物療法", false),
    ("放射線治療", false),
    ("緩和治療", false),
    ("IVR", false),
    ("内視鏡的治療", false),
    ("再建手術", false),
    ("免疫療法", false),
    ("画像診断", true),
    ("がん検診", true),
    ("経過観察", false),
    ("造血幹細胞移植", false),
    ("ラジオ波焼灼療法", false),
    ("放射線診断", true),
    ("病理診断", true),
    ("内視鏡診断", true),
    ("腫瘍マーカー診断", true),
    ("がん患者のリハビリテーション", false),
    ("健康診断", true),
    ("セカンドオピニオン", false),
    ("がんゲノム医療", false),
    (ORAL_CARE, false),
    (OTHER_CARE, false),
];

/// 口腔ケア: only for がん治療認定医（歯科口腔外科）.
pub const ORAL_CARE: &str = "口腔ケア";
/// その他: free text, reviewed by the committee.
pub const OTHER_CARE: &str = "その他";

/// The canonical care item for a normalised label (aliases: 支持療法 → 緩和治療 …).
pub fn care_item(v: &str) -> Option<(&'static str, bool)> {
    let v = v.trim();
    let alias = match v {
        "緩和治療(支持療法や合併症対策を含む)" | "支持療法" => "緩和治療",
        "化学療法" => "薬物療法",
        "放射線療法" => "放射線治療",
        "リハビリテーション" => "がん患者のリハビリテーション",
        other => other,
    };
    CARE_ITEMS.iter().copied().find(|(l, _)| l.eq_ignore_ascii_case(alias))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_areas_and_thirteen_fields() {
        assert_eq!(ORGAN_AREAS.labels().count(), 15);
        assert_eq!(ELEARNING_FIELDS.labels().count(), ELEARNING_REQUIRED.len() + ELEARNING_ELECTIVE.len());
        for f in ELEARNING_REQUIRED.iter().chain(&ELEARNING_ELECTIVE) {
            assert_eq!(ELEARNING_FIELDS.canonical(f), Some(*f));
        }
    }

    #[test]
    fn care_items_resolve_with_their_diagnosis_only_flag() {
        assert_eq!(care_item("画像診断"), Some(("画像診断", true)));
        assert_eq!(care_item("ivr"), Some(("IVR", false)));
        assert_eq!(care_item("支持療法"), Some(("緩和治療", false)));
        assert_eq!(care_item("温熱療法"), None);
        assert_eq!(CARE_ITEMS.iter().filter(|c| c.1).count(), 7);
    }
}
