//! Case-list screening of a diagnosis: an ICD-10 code against JBCT's eligible
//! ranges (C00–C97, D00–D09), or a diagnosis name against a dictionary that tells
//! malignant from benign, ambiguous (良悪性不明) and abbreviated names (seed 003).
//!
//! The dictionary is data: a name is matched by its terms, most specific first.
//! Names it does not know are [`Class::Unknown`]: the committee reviews them
//! (「上記に記載のないものについては、申請後、資格審査委員会にて審査する」).

use serde::Serialize;

/// What a diagnosis name says about eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Class {
    /// A malignant neoplasm: counts.
    Malignant,
    /// A benign tumour or lesion (髄膜腫, 神経鞘腫, 過誤腫 …): does not count.
    Benign,
    /// Benign or malignant cannot be told (脳腫瘍, 皮膚腫瘍, 良悪性不明 …): does not count.
    Ambiguous,
    /// A precancerous lesion (前がん病変, 異形成): 「認められないことがあります」 (seed 002), so
    /// the committee decides.
    Precancerous,
    /// Not a neoplasm although the name says 悪性 (悪性貧血, 悪性高熱症 …): does not count.
    NotNeoplasm,
    /// An abbreviation (HCC, NSCLC …) where the general name is required.
    Abbreviation,
    /// Not in the dictionary: reviewed by the committee.
    Unknown,
}

/// Capitals that are not abbreviated diagnoses: the seed's accepted GIST and IPMN, and
/// gene, marker and virus names that qualify a general name (「HER2陽性乳癌」).
const ACCEPTED_ABBREVIATIONS: [&str; 22] = [
    "GIST", "IPMN", "MALT", "HER2", "EGFR", "ALK", "ROS1", "BRAF", "KRAS", "NRAS", "BRCA", "BRCA1", "BRCA2", "MSI",
    "HPV", "EBV", "HBV", "HCV", "BCR", "ABL", "FLT3", "IDH",
];

/// Benign names that contain a malignant-looking term (血管芽腫 and 肉芽腫 contain 芽腫).
const BENIGN_EXCEPTIONS: [&str; 7] = ["肉芽腫", "血管芽腫", "骨芽腫", "脂肪芽腫", "良性", "腺腫様", "乳頭腫症"];

/// Names that say the behaviour is unknown.
const AMBIGUOUS_EXPLICIT: [&str; 5] = ["良悪性不明", "境界悪性", "疑い", "不明腫瘍", "性質不詳"];

/// Precancerous lesions (「前がん病変などは認められないことがあります」).
const PRECANCEROUS: [&str; 4] = ["前がん", "前癌", "異形成", "上皮内腫瘍"];

/// Diseases whose names contain a malignant-looking term but are not neoplasms: 悪性 as
/// "severe" (悪性貧血 = pernicious anaemia), 骨 Paget 病 (osteitis deformans, unlike
/// extramammary Paget's disease), reactions that imitate a leukaemia or lymphoma.
const NOT_NEOPLASM: [&str; 12] = [
    "悪性貧血",
    "悪性高熱",
    "悪性高血圧",
    "悪性症候群",
    "悪性関節リウマチ",
    "悪性外耳道炎",
    "悪性腎硬化症",
    "骨パジェット病",
    "骨Paget病",
    "類白血病反応",
    "偽リンパ腫",
    "偽性リンパ腫",
];

/// Terms of malignant neoplasms, including the seed's allowed examples.
const MALIGNANT: [&str; 30] = [
    "悪性",
    "がん",
    "癌",
    "ガン",
    "肉腫",
    "白血病",
    "リンパ腫",
    "骨髄腫",
    "芽腫",
    "GIST",
    "消化管間質腫瘍",
    "カルチノイド",
    "神経内分泌腫瘍",
    "神経内分泌癌",
    "IPMN",
    "膵管内乳頭粘液性腫瘍",
    "胸腺腫",
    "腹膜偽粘液腫",
    "黒色腫",
    "メラノーマ",
    "中皮腫",
    "膠芽腫",
    "神経膠腫",
    "グリオーマ",
    "胚細胞腫",
    "セミノーマ",
    "奇形腫(悪性)",
    "ボーエン病",
    "パジェット病",
    "Paget",
];

/// Benign tumours and lesions the seed excludes, and their common relatives.
const BENIGN: [&str; 18] = [
    "髄膜腫",
    "神経鞘腫",
    "過誤腫",
    "肉芽腫",
    "日光角化症",
    "脂肪腫",
    "血管腫",
    "筋腫",
    "線維腺腫",
    "腺腫",
    "嚢胞",
    "嚢腫",
    "ポリープ",
    "母斑",
    "疣贅",
    "下垂体腫瘍",
    "粉瘤",
    "ケロイド",
];

/// Generic names that do not say benign or malignant (「脳腫瘍」 is the seed's bad example).
const AMBIGUOUS_GENERIC: [&str; 4] = ["腫瘍", "腫瘤", "新生物", "できもの"];

/// The classification of a diagnosis name, with the term that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub class: Class,
    /// The dictionary term or abbreviation that decided (empty for Unknown).
    pub term: String,
}

impl Verdict {
    fn new(class: Class, term: &str) -> Self {
        Verdict { class, term: term.to_string() }
    }
}

/// Runs of Latin letters and digits with 2+ capitals and no lower case: the shape of
/// HCC, NSCLC, DLBCL (a word such as Paget is not an abbreviation).
fn abbreviations(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in name.chars().map(fold_width).chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            cur.push(c);
            continue;
        }
        let capitals = cur.chars().filter(char::is_ascii_uppercase).count();
        if capitals >= 2 && !cur.chars().any(|c| c.is_ascii_lowercase()) {
            out.push(std::mem::take(&mut cur));
        }
        cur.clear();
    }
    out
}

fn fold_width(c: char) -> char {
    match c {
        'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '（' => '(',
        '）' => ')',
        c => c,
    }
}

impl Class {
    pub fn label_ja(self) -> &'static str {
        match self {
            Class::Malignant => "悪性 (対象)",
            Class::Benign => "良性 (対象外)",
            Class::Ambiguous => "良悪性不明 (対象外)",
            Class::Precancerous => "前がん病変 (資格審査委員会で審査)",
            Class::NotNeoplasm => "腫瘍ではない (対象外)",
            Class::Abbreviation => "略語 (一般名で入力)",
            Class::Unknown => "辞書にない (資格審査委員会で審査)",
        }
    }
}

/// The dictionary, in the order [`classify`] consults it: (class, terms, what the list is).
pub fn dictionary() -> [(Class, &'static [&'static str], &'static str); 8] {
    [
        (Class::Ambiguous, &AMBIGUOUS_EXPLICIT, "names that say the behaviour is unknown"),
        (
            Class::Precancerous,
            &PRECANCEROUS,
            "precancerous lesions: 「前がん病変などは認められないことがあります」 (seed 002)",
        ),
        (
            Class::NotNeoplasm,
            &NOT_NEOPLASM,
            "not neoplasms although the name looks malignant; masked, so that a cancer named beside one still counts",
        ),
        (
            Class::Abbreviation,
            &ACCEPTED_ABBREVIATIONS,
            "any run of 2+ capitals (HCC, NSCLC …) except these, accepted inside a name",
        ),
        (Class::Benign, &BENIGN_EXCEPTIONS, "benign names containing a malignant-looking term"),
        (Class::Malignant, &MALIGNANT, "terms of malignant neoplasms"),
        (Class::Benign, &BENIGN, "benign tumours and lesions"),
        (Class::Ambiguous, &AMBIGUOUS_GENERIC, "generic names that do not say benign or malignant"),
    ]
}

/// Classifies a diagnosis name. A name that names the malignancy in parentheses
/// (「脳腫瘍（髄芽腫）」, 「皮膚腫瘍（基底細胞癌）」) is malignant, as the seed's good examples say.
pub fn classify(name: &str) -> Verdict {
    let mut folded: String = name.chars().map(fold_width).filter(|c| !c.is_whitespace()).collect();
    if let Some(t) = AMBIGUOUS_EXPLICIT.iter().find(|t| folded.contains(*t)) {
        return Verdict::new(Class::Ambiguous, t);
    }
    if let Some(t) = PRECANCEROUS.iter().find(|t| folded.contains(*t)) {
        return Verdict::new(Class::Precancerous, t);
    }
    // A non-neoplastic disease is masked, so that 「胃癌（悪性貧血合併）」 is still a cancer.
    let not_neoplasm = NOT_NEOPLASM.iter().find(|t| folded.contains(*t));
    for t in NOT_NEOPLASM {
        folded = folded.replace(t, "・");
    }
    let upper = folded.to_ascii_uppercase();
    if let Some(a) = abbreviations(&folded).into_iter().find(|a| !ACCEPTED_ABBREVIATIONS.contains(&a.as_str())) {
        return Verdict::new(Class::Abbreviation, &a);
    }
    if let Some(t) = BENIGN_EXCEPTIONS.iter().find(|t| folded.contains(*t)) {
        return Verdict::new(Class::Benign, t);
    }
    if let Some(t) = MALIGNANT.iter().find(|t| upper.contains(&t.to_ascii_uppercase())) {
        return Verdict::new(Class::Malignant, t);
    }
    if let Some(t) = not_neoplasm {
        return Verdict::new(Class::NotNeoplasm, t);
    }
    if let Some(t) = BENIGN.iter().find(|t| folded.contains(*t)) {
        return Verdict::new(Class::Benign, t);
    }
    if let Some(t) = AMBIGUOUS_GENERIC.iter().find(|t| folded.contains(*t)) {
        return Verdict::new(Class::Ambiguous, t);
    }
    Verdict { class: Class::Unknown, term: String::new() }
}

/// An ICD-10 code as (chapter letter, category number), from `C18.7`, `c187`, `D05`.
pub fn parse_icd10(code: &str) -> Option<(char, u32)> {
    let s: String = code.chars().map(fold_width).filter(|c| !c.is_whitespace()).collect();
    let mut chars = s.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    if !letter.is_ascii_uppercase() {
        return None;
    }
    let rest: String = chars.collect();
    let digits: String = rest.chars().take(2).collect();
    if digits.len() != 2 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let tail = &rest[2..];
    let tail_ok = tail.is_empty()
        || tail.strip_prefix('.').unwrap_or(tail).chars().all(|c| c.is_ascii_alphanumeric())
            && tail.trim_start_matches('.').len() <= 2;
    tail_ok.then(|| (letter, digits.parse().unwrap_or(0)))
}

/// Whether a parsed code is in JBCT's eligible ranges C00–C97, D00–D09.
pub fn icd10_eligible(letter: char, category: u32) -> bool {
    matches!((letter, category), ('C', 0..=97) | ('D', 0..=9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd10_ranges_at_their_edges() {
        for (code, ok) in [
            ("C00", true),
            ("C97", true),
            ("C98", false),
            ("D00", true),
            ("D09.9", true),
            ("D10", false),
            ("c18.7", true),
            ("Ｃ５０", true),
            ("D46", false),
            ("E11", false),
        ] {
            let (l, n) = parse_icd10(code).unwrap_or_else(|| panic!("{code} parses"));
            assert_eq!(icd10_eligible(l, n), ok, "{code}");
        }
        for bad in ["", "C", "C5", "50", "CXX", "C50.123"] {
            assert_eq!(parse_icd10(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_seed_examples_classify_as_the_seed_says() {
        // Allowed (seed 003 「＜可＞」).
        for name in ["GIST", "カルチノイド", "IPMN", "胸腺腫", "腹膜偽粘液腫"] {
            assert_eq!(classify(name).class, Class::Malignant, "{name}");
        }
        // Not allowed (「＜不可＞」).
        for name in ["髄膜腫", "神経鞘腫", "過誤腫", "肉芽腫", "日光角化症"] {
            assert_eq!(classify(name).class, Class::Benign, "{name}");
        }
        // The input examples: bad then good.
        assert_eq!(classify("脳腫瘍").class, Class::Ambiguous);
        assert_eq!(classify("脳腫瘍（髄芽腫）").class, Class::Malignant);
        assert_eq!(classify("髄芽腫").class, Class::Malignant);
        assert_eq!(classify("皮膚腫瘍").class, Class::Ambiguous);
        assert_eq!(classify("皮膚腫瘍（基底細胞癌）").class, Class::Malignant);
        assert_eq!(classify("皮膚がん").class, Class::Malignant);
        assert_eq!(classify("良悪性不明の腫瘍").class, Class::Ambiguous);
    }

    #[test]
    fn abbreviations_are_flagged_with_the_abbreviation() {
        assert_eq!(classify("HCC"), Verdict::new(Class::Abbreviation, "HCC"));
        assert_eq!(classify("NSCLC"), Verdict::new(Class::Abbreviation, "NSCLC"));
        assert_eq!(classify("ＡＭＬ").class, Class::Abbreviation);
        assert_eq!(classify("進行NSCLC（腺癌）").class, Class::Abbreviation);
        assert_eq!(classify("乳房Paget病").class, Class::Malignant);
    }

    #[test]
    fn benign_look_alikes_and_unknown_names() {
        assert_eq!(classify("小脳血管芽腫").class, Class::Benign);
        assert_eq!(classify("悪性神経鞘腫").class, Class::Malignant);
        assert_eq!(classify("大腸腺腫").class, Class::Benign);
        assert_eq!(classify("大腸腺癌").class, Class::Malignant);
        assert_eq!(classify("胃がんの疑い").class, Class::Ambiguous);
        assert_eq!(classify("キャッスルマン病").class, Class::Unknown);
        // D46 is outside C00–C97/D00–D09: the name alone does not make it eligible.
        assert_ne!(classify("骨髄異形成症候群").class, Class::Malignant);
    }
}
