//! The workbook's sheets and their columns, as data: what export writes, what import reads,
//! and what `docs/booklet.md` lists.

/// A sheet of the workbook: its name, what it holds and its columns (name, what it is).
#[derive(Debug)]
pub struct SheetDef {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
}

pub const EDITION: &str = "冊子";
pub const FOREWORDS: &str = "はじめに";
pub const SECTIONS: &str = "章";
pub const QUESTIONS: &str = "質問";
pub const EVIDENCE: &str = "根拠";
pub const RESPONDENTS: &str = "回答者";
pub const ANSWERS: &str = "回答";
pub const NOTICES: &str = "お知らせ";
pub const ROSTER: &str = "委員名簿";

/// Every sheet, in the workbook's order.
pub const SHEETS: &[SheetDef] = &[
    SheetDef {
        name: EDITION,
        about: "冊子の設定。1 行に 1 項目（項目・値）",
        columns: &[
            ("項目", "年度・表題・副題・作成日・作成者・アンケート年度・基準日・ロード・名簿の題・版"),
            ("値", "その値"),
        ],
    },
    SheetDef {
        name: FOREWORDS,
        about: "はじめにの各節（行の順）",
        columns: &[("見出し", "<理事長 より> など"), ("本文", "{{survey.rate}} などの差し込み可")],
    },
    SheetDef {
        name: SECTIONS, about: "章（行の順）", columns: &[("章ID", "整数"), ("章の題", "学会活動全般 など")]
    },
    SheetDef {
        name: QUESTIONS,
        about: "質問（行の順に【Q1】…と番号がつく）",
        columns: &[
            ("質問ID", "整数、冊子の中で一意"),
            ("章ID", "章の章ID"),
            ("番号", "書き出し時の【Qn】（取り込みでは読まない）"),
            ("題", "JSMO 全般の活動について など"),
            ("質問文", "本文"),
            ("前回の年度", "前の冊子の質問の続きなら、その年度"),
            ("前回の質問ID", "その冊子での質問ID"),
            ("経過", "未回答・回答済み・対応を約束・対応済み"),
        ],
    },
    SheetDef {
        name: EVIDENCE,
        about: "質問の根拠（行の順）",
        columns: &[
            ("質問ID", "質問の質問ID"),
            ("種類", "指標 または 引用"),
            ("指標", "survey.answers など（指標のとき）"),
            ("区分", "by（指標のとき、空でよい）"),
            ("パラメータ", "question=Q03; fiscal_year=2025"),
            ("見出し", "表・図の見出し（空なら指標の名前）"),
            ("引用", "自由記述の引用（引用のとき）"),
            ("出典", "2025年度 Q12「オンライン配信」など"),
        ],
    },
    SheetDef {
        name: RESPONDENTS,
        about: "回答者",
        columns: &[
            ("回答者ID", "整数"),
            ("氏名", "鶴谷 純司 など"),
            ("役職", "会員委員長 など"),
            ("委員会", "回答者一覧でまとめる単位"),
            ("アカウント", "ダッシュボードで回答する人のアカウント名（メールで回答する人は空）"),
        ],
    },
    SheetDef {
        name: ANSWERS,
        about: "割り当てと回答（1 行に 1 人の 1 問）",
        columns: &[
            ("質問ID", "質問の質問ID"),
            ("番号", "【Qn】（読まない）"),
            ("題", "質問の題（読まない）"),
            ("質問文", "書き出し時の質問文。変わっていたら取り込みは断られます"),
            ("回答者ID", "回答者の回答者ID"),
            ("回答者", "氏名（読まない）"),
            ("期限", "YYYY-MM-DD"),
            ("状態", "書き出し時の状態（新しい冊子の取り込みでは、その状態で入る）"),
            ("版", "書き出し時の回答の版。その後に回答が変わっていたら取り込みは断られます"),
            ("回答", "回答の本文（空の行は取り込まない）"),
        ],
    },
    SheetDef {
        name: NOTICES,
        about: "【重要なお知らせ】",
        columns: &[
            ("お知らせID", "整数"),
            ("題", "見出し"),
            ("本文", "本文"),
            ("後に置く質問ID", "空なら最後の章の後"),
        ],
    },
    SheetDef {
        name: ROSTER,
        about: "会員委員会の名簿（行の順）",
        columns: &[("役", "委員長 など"), ("氏名", ""), ("所属", "")],
    },
];

pub(super) fn columns(sheet: &str) -> Vec<&'static str> {
    SHEETS.iter().find(|s| s.name == sheet).map(|s| s.columns.iter().map(|c| c.0).collect()).unwrap_or_default()
}

/// Columns a sheet must have when it is present.
pub(super) fn required(sheet: &str, column: &str) -> bool {
    matches!(
        (sheet, column),
        (EDITION, "項目" | "値")
            | (SECTIONS, "章ID" | "章の題")
            | (QUESTIONS, "質問ID" | "章ID" | "題" | "質問文")
            | (EVIDENCE, "質問ID" | "種類")
            | (RESPONDENTS, "回答者ID" | "氏名")
            | (ANSWERS, "質問ID" | "質問文" | "回答者ID" | "回答")
            | (NOTICES, "お知らせID" | "題" | "本文")
            | (ROSTER, "氏名")
    )
}
