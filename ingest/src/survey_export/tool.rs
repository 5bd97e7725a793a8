//! The survey tools whose exports are read as they are, told apart by their headers.

use crate::headers::key;

/// A survey tool whose export is read as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    GoogleForms,
    MicrosoftForms,
    SurveyMonkey,
    Qualtrics,
    LimeSurvey,
}

impl Tool {
    pub const ALL: [Tool; 5] =
        [Tool::GoogleForms, Tool::MicrosoftForms, Tool::SurveyMonkey, Tool::Qualtrics, Tool::LimeSurvey];

    /// The name `--source` takes.
    pub fn name(self) -> &'static str {
        match self {
            Tool::GoogleForms => "google-forms",
            Tool::MicrosoftForms => "microsoft-forms",
            Tool::SurveyMonkey => "surveymonkey",
            Tool::Qualtrics => "qualtrics",
            Tool::LimeSurvey => "limesurvey",
        }
    }

    /// The tool's own name, as users know it.
    pub fn label(self) -> &'static str {
        match self {
            Tool::GoogleForms => "Google フォーム",
            Tool::MicrosoftForms => "Microsoft Forms",
            Tool::SurveyMonkey => "SurveyMonkey",
            Tool::Qualtrics => "Qualtrics",
            Tool::LimeSurvey => "LimeSurvey",
        }
    }

    pub fn parse(s: &str) -> Option<Tool> {
        let k = key(s).replace(['_', ' '], "-");
        Tool::ALL.into_iter().find(|t| t.name() == k || k.replace('-', "") == t.name().replace('-', ""))
    }

    /// The layout accepted, for `docs/formats.md`.
    pub fn layout_doc(self) -> &'static str {
        match self {
            Tool::GoogleForms => {
                "Responses CSV (UTF-8): `タイムスタンプ`/`Timestamp` first (`2024/01/07 19:41:41` or `… 7:41:40 午後 GMT+9`), \
                 then one column per question, headed by its text (line breaks allowed); multi-choice joined with `, `; a \
                 linear scale as its number; grid questions as `質問 [行]` columns. The e-mail address and score columns are \
                 dropped; the respondent id is the 年度 and the file line (`2025-L000002`)."
            }
            Tool::MicrosoftForms => {
                "Excel workbook: `ID, 開始時刻, 完了時刻, メール, 名前, 最終変更時刻` (or the English `ID, Start time, \
                 Completion time, Email, Name, Last modified time`; older files lack the last), then question texts; a \
                 question titled like a fixed column is renamed by Forms (`名前2`) and still matched; multi-choice as `A;B;`. \
                 `ID` is the respondent id; times, e-mail and name are dropped."
            }
            Tool::SurveyMonkey => {
                "CSV, \"expanded\" columns: row 1 holds each question's text once over its columns, row 2 `Response`, \
                 `Open-Ended Response` or the option label of each column; a chosen option's label stands in its column. \
                 `Respondent ID` is the respondent id; collector, dates, IP address, e-mail, names and custom data are dropped."
            }
            Tool::Qualtrics => {
                "CSV or TSV with three header rows: export tags, question texts (`… - Selected Choice`), and \
                 `{\"ImportId\":…}`; multi-choice comma-joined choice text in one column; `ResponseId` is the respondent \
                 id; StartDate … UserLanguage (IP address, location, recipient fields) are dropped, and so are \
                 `… - Text` columns (an 「その他」's free text). A file without its third row is refused."
            }
            Tool::LimeSurvey => {
                "CSV with full question text headings (`質問 [選択肢]` for each option of a multi-choice question, `Y` \
                 when chosen) or question-code headings equal to the 設問ID; `id` (回答 ID) is the respondent id; submit \
                 and start dates, language, seed, IP address, referrer and token are dropped."
            }
        }
    }

    /// Where in the tool the export is downloaded, for `docs/formats.md` (menu names vary with
    /// the tool's version and language).
    pub fn download_doc(self) -> &'static str {
        match self {
            Tool::GoogleForms => "the form's Responses tab → ⋮ → Download responses (.csv).",
            Tool::MicrosoftForms => "the form's Responses tab → Open in Excel (saves the workbook).",
            Tool::SurveyMonkey => {
                "Analyze results → Save as → Export file → All responses data → CSV, expanded columns."
            }
            Tool::Qualtrics => "Data & Analysis → Export & Import → Export data → CSV or TSV, with choice text.",
            Tool::LimeSurvey => "Responses → Export → CSV, headings: full question text, responses: full answers.",
        }
    }

    /// Headers (as [`key`]s) the tool adds about the respondent or the response: never stored.
    pub(super) fn metadata(self) -> &'static [&'static str] {
        match self {
            Tool::GoogleForms => &["タイムスタンプ", "timestamp", "メールアドレス", "emailaddress", "スコア", "score"],
            Tool::MicrosoftForms => &[
                "id",
                "開始時刻",
                "starttime",
                "完了時刻",
                "completiontime",
                "メール",
                "email",
                "名前",
                "name",
                "最終変更時刻",
                "lastmodifiedtime",
            ],
            Tool::SurveyMonkey => &[
                "respondentid",
                "回答者id",
                "collectorid",
                "コレクターid",
                "startdate",
                "開始日",
                "enddate",
                "終了日",
                "ipaddress",
                "ipアドレス",
                "emailaddress",
                "メールアドレス",
                "firstname",
                "名",
                "lastname",
                "姓",
                "customdata1",
                "カスタムデータ1",
            ],
            Tool::Qualtrics => &[
                "startdate",
                "enddate",
                "status",
                "ipaddress",
                "progress",
                "duration(inseconds)",
                "finished",
                "recordeddate",
                "responseid",
                "recipientlastname",
                "recipientfirstname",
                "recipientemail",
                "externalreference",
                "locationlatitude",
                "locationlongitude",
                "distributionchannel",
                "userlanguage",
            ],
            Tool::LimeSurvey => &[
                "id",
                "回答id",
                "responseid",
                "submitdate",
                "送信日時",
                "dateofsubmission",
                "lastpage",
                "最終ページ",
                "startlanguage",
                "開始言語",
                "seed",
                "シード",
                "startdate",
                "開始日時",
                "datestamp",
                "最終アクション日時",
                "ipaddr",
                "ipアドレス",
                "refurl",
                "参照url",
                "token",
                "トークン",
                "email",
                "firstname",
                "lastname",
            ],
        }
    }

    /// The header (as a [`key`]) of the tool's respondent id, if it has one.
    pub(super) fn id_header(self, k: &str) -> bool {
        match self {
            Tool::GoogleForms => false,
            Tool::MicrosoftForms => k == "id",
            Tool::SurveyMonkey => matches!(k, "respondentid" | "回答者id"),
            Tool::Qualtrics => k == "responseid",
            Tool::LimeSurvey => matches!(k, "id" | "回答id" | "responseid"),
        }
    }

    /// How the tool joins the options of a multi-choice answer held in one column.
    pub(super) fn separator(self) -> &'static str {
        match self {
            Tool::GoogleForms => ", ",
            Tool::MicrosoftForms => ";",
            Tool::Qualtrics => ",",
            Tool::SurveyMonkey | Tool::LimeSurvey => ";",
        }
    }
}

/// The tool whose export `headers` (the file's first row) are, if any.
pub fn detect(headers: &[String]) -> Option<Tool> {
    let keys: Vec<String> = headers.iter().map(|h| key(h)).collect();
    let has = |k: &str| keys.iter().any(|h| h == k);
    let first = keys.first().map(String::as_str);
    if matches!(first, Some("タイムスタンプ" | "timestamp")) {
        return Some(Tool::GoogleForms);
    }
    let starts = |names: &[&str]| keys.len() >= names.len() && names.iter().zip(&keys).all(|(n, k)| n == k);
    if starts(&["id", "開始時刻", "完了時刻"]) || starts(&["id", "starttime", "completiontime"]) {
        return Some(Tool::MicrosoftForms);
    }
    if (has("respondentid") && has("collectorid")) || (has("回答者id") && has("コレクターid")) {
        return Some(Tool::SurveyMonkey);
    }
    if has("responseid") && has("startdate") && has("recordeddate") {
        return Some(Tool::Qualtrics);
    }
    if (has("id") && has("submitdate") && has("lastpage")) || (has("回答id") && has("送信日時")) {
        return Some(Tool::LimeSurvey);
    }
    None
}
