//! The committee pack: exact counts, the scenarios given on the command line with the
//! catalog's what-if outcome, cross-tabs with their tests and free-text terms.

use std::ffi::OsStr;

use queries::{Audience, Request};
use reports::packs::Context;
use reports::packs::committee::{self, Crosstab, Options, WhatIf};

use crate::support::{poppler, sample};

#[test]
fn committee_pdf_shows_the_given_scenarios_crosstabs_and_terms() {
    let f = sample();
    let as_of = f.engine.snapshot().default_as_of().expect("as-of");
    let cx = Context::new(&f.engine, as_of, Audience::Committee);
    let scenario = WhatIf { staff_full: 40, staff_associate: 5, physicians: 3 };
    let opts = Options {
        what_if: vec![scenario],
        crosstabs: vec![Crosstab { question: "Q01".into(), column: "Q03".into() }],
        survey_year: None,
    };
    let doc = committee::build(&cx, &opts).expect("committee pack");
    let pdf = reports::pdf::render(&doc).expect("PDF");
    let path = f.dir.path().join("committee.pdf");
    std::fs::write(&path, pdf).expect("write");
    let t = poppler("pdftotext", &[OsStr::new("-layout"), path.as_os_str(), OsStr::new("-")]);
    for heading in [
        "会員委員会資料",
        "7. 入会シミュレーション",
        "8. 会員構成・入退会・継続率（詳細）",
        "9. 会員アンケート（詳細）",
        "Q01 × Q03",
        "カイ二乗検定",
        "自由記述の頻出語",
        "（KWIC",
        "10. 専門医更新の準備状況",
        "更新対象者と準備状況（更新年度別）",
        "未充足の要件（2026年度）",
        // Why counts moved since the previous release (model::renewal::changes).
        "判定方法の変更（",
    ] {
        assert!(t.contains(heading), "missing {heading:?}");
    }
    // The scenario's outcome is the catalog's.
    let w = f
        .engine
        .evaluate(
            &Request::new("members.what_if", Audience::Committee)
                .as_of(as_of)
                .param("staff_full", "40")
                .param("staff_associate", "5")
                .param("physicians", "3"),
        )
        .expect("what-if");
    let after = w.rows.iter().find(|r| r[0].display() == "仮定後").expect("after row");
    let pct = after[w.column_index("share_pct").expect("share")].as_f64().expect("pct");
    let full = after[w.column_index("full_members").expect("full")].as_i64().expect("full");
    assert!(t.contains(&format!("{pct:.2}")), "share {pct:.2} not in the pack");
    assert!(t.contains(&reports::format::int(full)), "正会員 {full} not in the pack");
    // The renewal round's numbers are the catalog's, and every blocked requirement is listed.
    let cohort = f.engine.evaluate(&Request::new("renewals.cohort", Audience::Committee)).expect("cohort");
    let col = |n: &str| cohort.column_index(n).expect("column");
    for row in cohort.rows.iter().filter(|r| r[col("renewal_fy")].as_i64() == Some(2026)) {
        let n = |c: &str| reports::format::int(row[col(c)].as_i64().expect("count"));
        let line = format!("更新対象 {} 人のうち準備完了 {} 人", n("due"), n("ready"));
        assert!(t.contains(&line), "{line} not in the pack");
    }
    let blockers = f
        .engine
        .evaluate(&Request::new("renewals.blockers", Audience::Committee).param("round", "2026"))
        .expect("blockers");
    for row in &blockers.rows {
        let blocked = row[blockers.column_index("blocked").expect("blocked")].as_i64().expect("blocked");
        let requirement = row[blockers.column_index("requirement").expect("requirement")].display();
        if blocked > 0 {
            assert!(t.contains(&requirement), "{requirement} not in the pack");
        }
    }
    // Committee only: no suppression, said on the title page.
    assert!(t.contains("委員会限り") && t.contains("秘匿処理なし"));
}
