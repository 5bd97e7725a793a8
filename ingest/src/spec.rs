//! Dataset specifications: every input column, defined once. Header mapping,
//! validation messages and `docs/formats.md` all derive from these tables.

use model::membership::{self, Vocabulary};
use model::qualification::QUALIFICATIONS;

/// What a column holds and how it is normalised.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Free text, NFKC-normalised (the raw value is kept when it changes).
    Text,
    /// An identifier: NFKC, no inner normalisation beyond that.
    Id,
    /// A member id, pseudonymised on ingest.
    MemberId,
    Date,
    Year,
    FiscalYear,
    Count,
    Decimal,
    Prefecture,
    AreaCode,
    Vocab(&'static Vocabulary),
    Designation,
    QuestionKind,
}

impl Kind {
    pub fn describe(self) -> String {
        match self {
            Kind::Text => "text (NFKC)".into(),
            Kind::Id => "identifier".into(),
            Kind::MemberId => "member id (pseudonymised with a keyed hash)".into(),
            Kind::Date => "date (西暦, 和暦 or Excel serial)".into(),
            Kind::Year => "year (西暦 or 和暦)".into(),
            Kind::FiscalYear => "年度 (2024, 2024年度, 令和6年度)".into(),
            Kind::Count => "whole number ≥ 0 (commas and full-width digits accepted)".into(),
            Kind::Decimal => "number".into(),
            Kind::Prefecture => "prefecture name or JIS code (1–47)".into(),
            Kind::AreaCode => "構想区域 code, 4 digits (leading zero restored)".into(),
            Kind::Vocab(v) => format!("one of: {}", v.labels().collect::<Vec<_>>().join(", ")),
            Kind::Designation => {
                format!("one of: {}", model::designation::DesignationType::ALL.map(|t| t.label()).join(", "))
            }
            Kind::QuestionKind => "single, multi, likert5 or text (単一選択, 複数選択, 5段階, 自由記述)".into(),
        }
    }
}

/// One input column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Canonical English name (also the accepted alias).
    pub key: &'static str,
    /// Canonical Japanese header.
    pub ja: &'static str,
    /// Other accepted headers.
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub kind: Kind,
    pub note: &'static str,
}

const fn col(key: &'static str, ja: &'static str, required: bool, kind: Kind) -> ColumnSpec {
    ColumnSpec { key, ja, aliases: &[], required, kind, note: "" }
}

const fn colx(
    key: &'static str,
    ja: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    kind: Kind,
    note: &'static str,
) -> ColumnSpec {
    ColumnSpec { key, ja, aliases, required, kind, note }
}

/// A dataset an `ingest` command accepts.
#[derive(Debug)]
pub struct DatasetSpec {
    pub name: &'static str,
    pub ja: &'static str,
    pub columns: &'static [ColumnSpec],
    pub about: &'static str,
    /// Whether columns beyond the spec are data (survey answers) rather than extras.
    pub open_columns: bool,
    /// Rows describe people: values of unknown columns (a name, an e-mail address …)
    /// are reported but not stored, so personal data cannot slip into the warehouse.
    pub personal: bool,
}

impl DatasetSpec {
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }
}

use Kind::*;

pub const MEMBERS: DatasetSpec = DatasetSpec {
    name: "members",
    ja: "会員名簿",
    about: "A snapshot of the roster on one date (抽出日 column or --as-of). Successive snapshots are diffed into membership history.",
    open_columns: false,
    personal: true,
    columns: &[
        colx("member_id", "会員番号", &["会員ID", "会員No"], true, MemberId, "unique within the file"),
        col("category", "会員種別", true, Vocab(&membership::CATEGORIES)),
        col("profession", "職種", true, Vocab(&membership::PROFESSIONS)),
        colx("joined_on", "入会日", &["入会年月日"], true, Date, "not after the snapshot date"),
        colx("left_on", "退会日", &["退会年月日"], false, Date, "empty while a member; not before 入会日"),
        colx("prefecture", "勤務先都道府県", &["都道府県", "勤務先都道府県コード"], false, Prefecture, ""),
        colx("birth_year", "生年", &["生まれ年"], false, Year, ""),
        col("sex", "性別", false, Vocab(&membership::SEXES)),
        colx("extracted_on", "抽出日", &["基準日", "as_of"], false, Date, "the snapshot date; one value per file"),
    ],
};

pub const SURVEY_WAVES: DatasetSpec = DatasetSpec {
    name: "survey_waves",
    ja: "調査実施",
    about: "One row per survey year.",
    open_columns: false,
    personal: false,
    columns: &[
        col("fiscal_year", "年度", true, FiscalYear),
        col("opened_on", "開始日", true, Date),
        colx("closed_on", "締切日", &["終了日"], true, Date, "not before 開始日"),
        colx("invited", "配布数", &["対象者数", "送付数"], true, Count, "members invited (the roster frame)"),
    ],
};

pub const SURVEY_QUESTIONS: DatasetSpec = DatasetSpec {
    name: "survey_questions",
    ja: "設問",
    about: "The questionnaire of each year.",
    open_columns: false,
    personal: false,
    columns: &[
        col("fiscal_year", "年度", true, FiscalYear),
        colx(
            "question_id",
            "設問ID",
            &["設問番号"],
            true,
            Id,
            "unique per year; the column name in the responses file",
        ),
        colx("text", "設問文", &["設問"], true, Text, ""),
        col("kind", "形式", true, QuestionKind),
        colx("options", "選択肢", &[], false, Text, "`;`-separated; required for single, multi and likert5"),
    ],
};

pub const SURVEY_RESPONSES: DatasetSpec = DatasetSpec {
    name: "survey_responses",
    ja: "回答",
    about: "One row per respondent and one column per 設問ID (Q01, Q02 …). Multi-choice answers are `;`-separated.",
    open_columns: true,
    personal: true,
    columns: &[
        col("fiscal_year", "年度", true, FiscalYear),
        colx("response_id", "回答ID", &["回答番号"], true, Id, "unique per year"),
        colx("member_id", "会員番号", &[], false, MemberId, "optional"),
        col("profession", "職種", false, Vocab(&membership::PROFESSIONS)),
        col("age_band", "年齢階級", false, Vocab(&membership::AGE_BANDS)),
        colx("prefecture", "勤務先都道府県", &["都道府県"], false, Prefecture, ""),
    ],
};

pub const SPECIALISTS: DatasetSpec = DatasetSpec {
    name: "specialists",
    ja: "専門医・認定医名簿",
    about: "The current roster of each qualification; a load replaces the rows of the qualifications it contains.",
    open_columns: false,
    personal: true,
    columns: &[
        col("qualification", "資格", true, Vocab(&QUALIFICATIONS)),
        colx("certificate_no", "認定番号", &["登録番号"], true, Id, "unique per qualification"),
        colx("member_id", "会員番号", &[], false, MemberId, "optional"),
        colx("certified_on", "認定日", &["初回認定日"], true, Date, "first certification"),
        colx("expires_on", "有効期限", &["認定期限"], true, Date, "after 認定日"),
        col("renewals", "更新回数", true, Count),
        colx("prefecture", "勤務先都道府県", &["都道府県"], false, Prefecture, ""),
        colx("facility", "勤務先施設名", &["施設名", "医療機関名"], false, Text, ""),
        col("area_code", "構想区域コード", false, AreaCode),
    ],
};

pub const DESIGNATIONS: DatasetSpec = DatasetSpec {
    name: "designations",
    ja: "がん診療連携拠点病院等の指定",
    about: "The full list of designations with their periods; a load replaces the previous list.",
    open_columns: false,
    personal: false,
    columns: &[
        colx("prefecture", "都道府県", &["都道府県コード"], true, Prefecture, ""),
        colx("hospital", "医療機関名", &["病院名"], true, Text, ""),
        colx("area_code", "構想区域コード", &["二次医療圏コード"], false, AreaCode, "or 二次医療圏名"),
        colx(
            "area_name",
            "二次医療圏名",
            &["構想区域名", "医療圏名"],
            false,
            Text,
            "resolved to a code through the loaded areas",
        ),
        colx("designation", "指定類型", &["類型"], true, Designation, ""),
        colx("designated_from", "指定開始日", &["指定日"], true, Date, ""),
        colx("designated_until", "指定終了日", &[], false, Date, "empty while designated"),
        colx("partner", "連携先拠点病院", &[], false, Text, "for 地域がん診療病院: the grouped 拠点病院"),
    ],
};

pub const HOSPITAL_VOLUMES: DatasetSpec = DatasetSpec {
    name: "hospital_volumes",
    ja: "診療実績",
    about: "One row per hospital and fiscal year.",
    open_columns: false,
    personal: false,
    columns: &[
        colx("hospital", "医療機関名", &["病院名"], true, Text, ""),
        col("area_code", "構想区域コード", true, AreaCode),
        col("fiscal_year", "年度", true, FiscalYear),
        colx("cancer_registry", "院内がん登録数", &["registry"], false, Count, ""),
        colx("surgery", "悪性腫瘍手術件数", &["悪性腫瘍の手術件数"], false, Count, ""),
        colx("chemotherapy", "化学療法のべ患者数", &["がんに係る化学療法のべ患者数"], false, Count, ""),
        colx("radiotherapy", "放射線治療のべ患者数", &[], false, Count, ""),
    ],
};

pub const AREAS: DatasetSpec = DatasetSpec {
    name: "areas",
    ja: "構想区域 (二次医療圏)",
    about: "Areas of one area set with their 2020 population (data/reference/area_basic.csv).",
    open_columns: false,
    personal: false,
    columns: &[
        colx("area_set", "区域年度", &["published_fy", "公表年度"], true, Id, "e.g. R7 (FY2025 構想区域)"),
        colx("prefecture", "都道府県コード", &["pref_code", "都道府県"], true, Prefecture, ""),
        colx("area_code", "構想区域コード", &["二次医療圏コード"], true, AreaCode, ""),
        colx("area_name", "構想区域名", &["二次医療圏名"], true, Text, ""),
        colx("population_2020", "人口2020", &["2020年人口"], false, Count, "2020 census"),
        colx("area_km2", "面積", &["area_2020_km2"], false, Decimal, "km²"),
    ],
};

pub const HOSPITALS: DatasetSpec = DatasetSpec {
    name: "hospitals",
    ja: "医療機関マスタ",
    about: "The hospital master (data/reference/facility_basic.csv), one row per hospital with its area.",
    open_columns: false,
    personal: false,
    columns: &[
        colx("area_set", "区域年度", &["published_fy", "公表年度"], true, Id, "e.g. R7"),
        colx("prefecture", "都道府県コード", &["pref_code", "都道府県"], true, Prefecture, ""),
        col("area_code", "構想区域コード", true, AreaCode),
        colx("hospital", "医療機関名", &["facility_name", "施設名"], true, Text, ""),
        colx("municipality", "市区町村", &[], false, Text, ""),
    ],
};

/// All datasets, in the order a fresh store should load them.
pub const DATASETS: &[&DatasetSpec] = &[
    &AREAS,
    &HOSPITALS,
    &MEMBERS,
    &SURVEY_WAVES,
    &SURVEY_QUESTIONS,
    &SURVEY_RESPONSES,
    &SPECIALISTS,
    &DESIGNATIONS,
    &HOSPITAL_VOLUMES,
];

pub fn dataset(name: &str) -> Option<&'static DatasetSpec> {
    DATASETS.iter().copied().find(|d| d.name == name)
}

/// Question kinds of the survey.
pub fn question_kind(v: &str) -> Option<&'static str> {
    match v.trim().to_ascii_lowercase().as_str() {
        "single" | "単一選択" | "単一回答" | "sa" => Some("single"),
        "multi" | "複数選択" | "複数回答" | "ma" => Some("multi"),
        "likert5" | "5段階" | "5件法" | "likert" => Some("likert5"),
        "text" | "自由記述" | "記述" | "fa" => Some("text"),
        _ => None,
    }
}
