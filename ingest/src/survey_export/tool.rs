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
