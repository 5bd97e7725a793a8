//! How the judgements changed between releases, so that a committee member who sees a count
//! move between two packs reads why. Printed in `docs/renewals.md` and the committee pack.

/// One change: (date of the release, what changed, in Japanese).
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub date: &'static str,
    pub ja: &'static str,
}

const fn change(date: &'static str, ja: &'static str) -> Change {
    Change { date, ja }
}

/// Every change, newest first.
pub const CHANGES: &[Change] = &[
    change(
        "2026-12-06",
        "がん薬物療法専門医: 研究活動歴の期間（研究活動歴期間の列、任意）を読み、対象期間（2026 年度は 2020/07〜）より\
         前に終わった期間と、どの期間にも含まれない月を要確認としました（休業等は申請者が除くため、未充足にはしません）。",
    ),
    change(
        "2026-12-06",
        "がん治療認定医: 数えない症例は症例ごとの「対象外」とし、数えられる症例が 20 例以上あれば充足としました\
         （予備を含め 25 例まで登録できるため。以前は 1 例でも未充足）。サンプルの 2026 年度では未充足が 43 人から \
         26 人に減りました（サンプル再生成前の同じデータで）。",
    ),
    change(
        "2026-12-06",
        "がん治療認定医: 対象期間は申請者の前回認定日からとしました（未入力のときは年度の標準期間）。実施期間の開始が\
         対象期間より前、終了が申請時点より後の症例は要確認とし、数えます。",
    ),
    change(
        "2026-12-06",
        "がん治療認定医: 例示疾患（GIST など）の ICD-10 が範囲外のもの、前がん病変、プルダウンにない診療項目（その他\
         として審査）、病理診断名の空欄、申請2(2)(3) の使用条件は要確認としました。※の診療項目は診断名・コードでも\
         がんの確定とみなします。悪性貧血など腫瘍でない「悪性」は対象外です。",
    ),
    change("2026-12-06", "がん治療認定医: 申請資格（免許・会員種別）を確認するようにしました（入力されたとき）。"),
    change(
        "2026-12-06",
        "がん薬物療法専門医: 更新 4 回目以降（2025 年度から）は更新試験 (web) として判定し、試験結果が記録されて\
         いないときは要確認としました。学会参加欄の当会セミナーは他学会の業績と区別し、他学会の学会・セミナーは\
         承認一覧が設定されたときだけ照合します。",
    ),
];
