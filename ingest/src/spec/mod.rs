//! Dataset specifications: every input column, defined once. Header mapping,
//! validation messages and `docs/formats.md` all derive from these tables.

use model::membership::{self, Vocabulary};
use model::qualification::QUALIFICATIONS;
use model::renewal::vocab as rv;

pub mod ministry;

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
    /// A month (年月), stored as its first day.
    YearMonth,
    /// Yes/no (登録中/未登録, あり/なし, ○/×, 1/0); empty is no.
    Flag,
    /// `;`-separated labels of a vocabulary (stored canonical, `;`-joined).
    List(&'static Vocabulary),
    /// `;`-separated periods of months, `2020/07〜2023/03` (stored `2020-07~2023-03`).
    Periods,
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
            Kind::YearMonth => "month (2022/04, 2022年4月, 令和4年4月, R4.4)".into(),
            Kind::Flag => "yes/no (登録中, 登録済, あり, ○, 1 / 未登録, ×, 0; empty = no)".into(),
            Kind::List(v) => {
                format!("`;`-separated, each one of: {}", v.labels().collect::<Vec<_>>().join(", "))
            }
            Kind::Periods => "`;`-separated periods of months, 2020/07〜2023/03 (no end: continuing, 2023/04〜)".into(),
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
    /// A file is the state on one date (the roster on its 抽出日): a date a title row states
    /// («令和7年3月31日現在») is its as-of date when `--as-of` is not given.
    pub dated: bool,
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
    dated: true,
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
    dated: false,
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
    dated: false,
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
    dated: false,
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
    dated: false,
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
    dated: false,
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
    dated: false,
    columns: &[
        colx("hospital", "医療機関名", &["病院名"], true, Text, ""),
        col("area_code", "構想区域コード", true, AreaCode),
        col("fiscal_year", "年度", true, FiscalYear),
        colx("cancer_registry", "院内がん登録数", &["registry"], false, Count, ""),
        colx("surgery", "悪性腫瘍手術件数", &["悪性腫瘍の手術件数"], false, Count, ""),
        colx(
            "chemotherapy",
            "化学療法のべ患者数",
            &["がんに係る化学療法のべ患者数", "がんに係る薬物療法のべ患者数", "薬物療法のべ患者数"],
            false,
            Count,
            "「がんに係る薬物療法」 is its current name",
        ),
        colx("radiotherapy", "放射線治療のべ患者数", &[], false, Count, ""),
        colx("palliative_referrals", "緩和ケアチームに対する新規診療依頼数", &["緩和ケア新規依頼数"], false, Count, ""),
        colx(
            "resident_share_pct",
            "当該2次医療圏に居住するがん患者の診療の割合",
            &["居住患者の診療割合", "診療の割合"],
            false,
            Decimal,
            "% of the area's resident cancer patients; the relative criterion (≥ 20%)",
        ),
        colx("consultations", "相談支援センター相談件数", &["相談件数"], false, Count, ""),
    ],
};

pub const AREAS: DatasetSpec = DatasetSpec {
    name: "areas",
    ja: "構想区域 (二次医療圏)",
    about: "Areas of one area set with their 2020 population (data/reference/area_basic.csv), or a set of areas made of 構想区域 and municipalities (構成区域), such as the がん医療圏 on which the ministry counts 空白 (data/reference/gan_iryoken_2024.csv).",
    open_columns: false,
    personal: false,
    dated: false,
    columns: &[
        colx("area_set", "区域年度", &["published_fy", "公表年度"], true, Id, "e.g. R7 (FY2025 構想区域)"),
        colx("prefecture", "都道府県コード", &["pref_code", "都道府県"], true, Prefecture, ""),
        colx("area_code", "構想区域コード", &["二次医療圏コード"], true, AreaCode, ""),
        colx("area_name", "構想区域名", &["二次医療圏名"], true, Text, ""),
        colx("population_2020", "人口2020", &["2020年人口"], false, Count, "2020 census"),
        colx("area_km2", "面積", &["area_2020_km2"], false, Decimal, "km²"),
        colx(
            "parts",
            "構成区域",
            &["構成する構想区域", "構成"],
            false,
            Text,
            "for an area made of others (a がん医療圏): `;`-separated 構想区域 codes of the same prefecture, or municipalities (市区町村名, matched to the hospital master's) where it splits a 構想区域",
        ),
        colx("note", "注記", &["確からしさ", "根拠"], false, Text, "where the definition comes from, how sure it is"),
    ],
};

pub const HOSPITALS: DatasetSpec = DatasetSpec {
    name: "hospitals",
    ja: "医療機関マスタ",
    about: "The hospital master (data/reference/facility_basic.csv), one row per hospital with its area.",
    open_columns: false,
    personal: false,
    dated: false,
    columns: &[
        colx("area_set", "区域年度", &["published_fy", "公表年度"], true, Id, "e.g. R7"),
        colx("prefecture", "都道府県コード", &["pref_code", "都道府県"], true, Prefecture, ""),
        col("area_code", "構想区域コード", true, AreaCode),
        colx("hospital", "医療機関名", &["facility_name", "施設名"], true, Text, ""),
        colx("municipality", "市区町村", &[], false, Text, ""),
    ],
};

const RENEWAL_FY: ColumnSpec = colx(
    "renewal_fy",
    "更新年度",
    &["申請年度", "次回更新年度"],
    true,
    FiscalYear,
    "the renewal round; a load replaces that round's rows",
);
const CERTIFICATE_NO: ColumnSpec = colx("certificate_no", "認定番号", &["専門医認定番号", "認定医番号"], true, Id, "");

pub const JSMO_RENEWALS: DatasetSpec = DatasetSpec {
    name: "jsmo_renewals",
    ja: "専門医更新申請 (がん薬物療法専門医)",
    about: "One row per applicant of a renewal round, as the JSMO application system holds it (seed 001): the state of each document (申請書類一覧), the profile length, entry counts and the 業績目録. Credits are in `jsmo_credits`.",
    open_columns: false,
    personal: true,
    dated: false,
    columns: &[
        RENEWAL_FY,
        colx("certificate_no", "認定番号", &["専門医認定番号"], true, Id, "unique per 更新年度"),
        colx("member_id", "会員番号", &[], false, MemberId, "optional"),
        colx(
            "renewals",
            "更新回数",
            &["前回までの更新回数"],
            true,
            Count,
            "renewals before this one; 3 or more = the 4th-or-later renewal (web exam)",
        ),
        colx("doc_cv", "履歴書", &[], false, Flag, "document state: 登録中 = registered"),
        colx("doc_profile", "プロフィール", &[], false, Flag, ""),
        colx("doc_activities", "研究活動歴", &[], false, Flag, ""),
        colx("doc_meetings", "研究業績 学会参加", &[], false, Flag, ""),
        colx("doc_papers", "研究業績 論文", &[], false, Flag, ""),
        colx("doc_portfolio", "業績目録", &[], false, Flag, ""),
        colx(
            "profile_chars",
            "プロフィール文字数",
            &["プロフィール字数"],
            false,
            Count,
            "≤ 1,040 (checked as a requirement)",
        ),
        colx("activity_entries", "研究活動歴件数", &[], false, Count, "1–20 (checked as a requirement)"),
        colx("areas_clinical", "診察実績領域", &["業績目録1"], false, List(&rv::ORGAN_AREAS), "業績目録 1."),
        colx("areas_drug", "薬物療法実績領域", &["業績目録2"], false, List(&rv::ORGAN_AREAS), "業績目録 2."),
        colx(
            "areas_consult",
            "コンサルテーション実績領域",
            &["業績目録3"],
            false,
            List(&rv::ORGAN_AREAS),
            "業績目録 3.",
        ),
        colx("special_tests", "特殊な検査・治療", &["特殊検査"], false, Flag, "業績目録 4. a)"),
        col("second_opinion", "セカンドオピニオン", false, Flag),
        colx(
            "trials",
            "臨床試験数",
            &["臨床試験登録数"],
            false,
            Count,
            "業績目録 4. c); ≤ 5 (checked as a requirement)",
        ),
        col("exam", "筆記試験", false, Vocab(&rv::EXAM_STATES)),
        colx(
            "activity_periods",
            "研究活動歴期間",
            &["研究活動歴 期間"],
            false,
            Periods,
            "the 期間 of each 研究活動歴 entry; optional (checked against the 5 years when given)",
        ),
    ],
};

pub const JSMO_CREDITS: DatasetSpec = DatasetSpec {
    name: "jsmo_credits",
    ja: "業績単位明細 (がん薬物療法専門医)",
    about: "One row per registered credit entry: 研究業績 学会参加, 当会セミナー (counted automatically by the society) and 論文 (which also holds approved other-society meetings).",
    open_columns: false,
    personal: true,
    dated: false,
    columns: &[
        RENEWAL_FY,
        CERTIFICATE_NO,
        col("part", "区分", true, Vocab(&rv::CREDIT_PARTS)),
        col("kind", "種別", true, Vocab(&rv::CREDIT_KINDS)),
        colx("dated_on", "日付", &["開催日", "実施日", "date"], true, Date, ""),
        colx("units", "単位", &["申請単位数", "単位数", "申請単位"], true, Count, ""),
        colx("title", "内容", &["開催地", "セミナー名"], false, Text, ""),
    ],
};

pub const JBCT_RENEWALS: DatasetSpec = DatasetSpec {
    name: "jbct_renewals",
    ja: "認定医更新申請 (がん治療認定医)",
    about: "One row per applicant of a renewal round (申請1, seed 002). Facilities, cases, meetings and e-learning are in the `jbct_*` files with the same 認定番号.",
    open_columns: false,
    personal: true,
    dated: false,
    columns: &[
        RENEWAL_FY,
        colx("certificate_no", "認定番号", &["認定医番号"], true, Id, "unique per 更新年度"),
        colx("member_id", "会員番号", &[], false, MemberId, "optional"),
        colx("certified_on", "前回認定日", &["初回認定日", "前回更新日"], true, Date, ""),
        colx("dental", "歯科口腔外科", &["がん治療認定医(歯科口腔外科)"], false, Flag, "may choose 口腔ケア"),
        colx("deferred", "更新猶予歴", &["更新猶予"], false, Flag, "deferred a renewal before"),
        colx(
            "palliative_cert",
            "緩和ケア研修会修了証書No",
            &["緩和ケア研修会修了証", "緩和ケア研修会修了証書番号"],
            false,
            Id,
            "required after a deferral",
        ),
        colx("applied_on", "申請日", &["申請時点"], false, Date, "cases may not end after its month"),
        colx(
            "licence",
            "免許",
            &["免許種別", "医師免許"],
            false,
            Vocab(&rv::LICENCES),
            "申請資格 (1): 医師 or 歯科医師; checked when given",
        ),
        colx(
            "membership",
            "会員種別",
            &["所属学会の会員種別"],
            false,
            Vocab(&rv::MEMBERSHIP_KINDS),
            "申請資格 (2): 正会員, 名誉会員, 功労会員 or 特別会員 of an approved society; checked when given",
        ),
    ],
};

pub const JBCT_FACILITIES: DatasetSpec = DatasetSpec {
    name: "jbct_facilities",
    ja: "症例施設・在籍期間 (がん治療認定医)",
    about: "One row per facility of 申請2(1)(2)(3) with up to 3 non-contiguous employment periods (年月).",
    open_columns: false,
    personal: true,
    dated: false,
    columns: &[
        RENEWAL_FY,
        CERTIFICATE_NO,
        colx("slot", "申請区分", &["施設番号", "申請2"], true, Count, "1, 2 or 3 = 申請2(1), (2), (3)"),
        colx("facility", "施設名", &["症例を経験した施設"], true, Text, ""),
        colx("facility_no", "認定施設番号", &["認定研修施設番号"], false, Id, ""),
        col("from1", "在籍開始1", true, YearMonth),
        col("to1", "在籍終了1", true, YearMonth),
        col("from2", "在籍開始2", false, YearMonth),
        col("to2", "在籍終了2", false, YearMonth),
        col("from3", "在籍開始3", false, YearMonth),
        col("to3", "在籍終了3", false, YearMonth),
    ],
};

pub const JBCT_CASES: DatasetSpec = DatasetSpec {
    name: "jbct_cases",
    ja: "症例一覧 (がん治療認定医)",
    about: "One row per case of 申請2: one case per patient, 20–25 over at most 3 facilities.",
    open_columns: false,
    personal: true,
    dated: false,
    columns: &[
        RENEWAL_FY,
        CERTIFICATE_NO,
        colx("slot", "申請区分", &["施設番号", "申請2"], true, Count, "1, 2 or 3"),
        colx("case_no", "No", &["症例番号", "No."], true, Count, "unique per applicant and 申請区分"),
        colx("age", "年齢", &[], true, Count, "at first visit or diagnosis; ≤ 120"),
        col("sex", "性別", true, Vocab(&model::membership::SEXES)),
        colx("care_item", "実施した診療項目", &["診療項目"], true, Text, "checked against the list as a requirement"),
        colx("care_other", "診療項目(その他)", &["その他の内容"], false, Text, ""),
        colx("from_month", "実施開始", &["診療開始年月", "実施期間開始", "from"], true, YearMonth, "2022/04 or later"),
        colx(
            "to_month",
            "実施終了",
            &["診療終了年月", "実施期間終了", "to"],
            true,
            YearMonth,
            "the application month at the latest",
        ),
        colx("diagnosis", "診断名", &[], true, Text, "general name, no abbreviations"),
        colx("icd10", "ICD-10", &["ICD10", "ICDコード"], false, Id, "optional"),
        colx("pathology", "病理診断名", &[], false, Text, "「無し」 when none (empty is read as 無し)"),
    ],
};

pub const JBCT_MEETINGS: DatasetSpec = DatasetSpec {
    name: "jbct_meetings",
    ja: "学会・セミナー参加 (がん治療認定医)",
    about: "One row per meeting of 申請3 (up to 5 registered, 3 needed).",
    open_columns: false,
    personal: true,
    dated: false,
    columns: &[
        RENEWAL_FY,
        CERTIFICATE_NO,
        colx("meeting", "学会名", &["学術集会名", "セミナー名", "学会・セミナー名"], true, Text, ""),
        col("kind", "種別", true, Vocab(&rv::MEETING_KINDS)),
        colx("held_on", "開催日", &["開催年月日", "date"], true, Date, ""),
    ],
};

pub const JBCT_ELEARNING: DatasetSpec = DatasetSpec {
    name: "jbct_elearning",
    ja: "e-learning 受講結果 (がん治療認定医)",
    about: "One row per field taken (a retake is another row; the best result counts).",
    open_columns: false,
    personal: true,
    dated: false,
    columns: &[
        RENEWAL_FY,
        CERTIFICATE_NO,
        col("field", "分野", true, Vocab(&rv::ELEARNING_FIELDS)),
        colx("correct", "正答数", &["ミニテスト正答数"], true, Count, "of 5"),
        colx("taken_on", "受講日", &[], false, Date, ""),
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
    &JSMO_RENEWALS,
    &JSMO_CREDITS,
    &JBCT_RENEWALS,
    &JBCT_FACILITIES,
    &JBCT_CASES,
    &JBCT_MEETINGS,
    &JBCT_ELEARNING,
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
