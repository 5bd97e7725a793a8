//! 専門医更新: the committee's page over the renewal metrics — the round's numbers, the
//! blockers, the applicant list and one applicant's findings, audited; refused to others.

use axum::http::StatusCode;
use queries::{Audience, Request};

use crate::support::{Client, enc, eval, fixture, rt};

#[test]
fn renewals_page_shows_the_cohort_blockers_and_applicants_of_the_round() {
    let mut c = Client::login("committee");
    let res = c.get("/renewals");
    assert_eq!(res.status, StatusCode::OK);
    let html = res.text();
    let cohort = eval(Request::new("renewals.cohort", Audience::Committee));
    let col = |n: &str| cohort.column_index(n).expect(n);
    let row = cohort
        .rows
        .iter()
        .find(|r| {
            r[col("qualification")].as_str() == Some("がん治療認定医") && r[col("renewal_fy")].as_i64() == Some(2026)
        })
        .expect("the JBCT 2026 row");
    let (ready, due) = (row[col("ready")].as_i64().expect("ready"), row[col("due")].as_i64().expect("due"));
    assert!(html.contains(&format!("{ready} / {due} 人")), "the round's ready / due ({ready} / {due})");
    for want in [
        "準備完了の割合（更新年度別）",
        "がん治療認定医: 要件別の申請者",
        "申請者一覧（2026年度）",
        "症例数が不足しています",
    ] {
        assert!(html.contains(want), "{want} missing");
    }
    assert!(html.contains("option value=\"2022\""), "earlier rounds can be chosen");
    assert!(html.contains("name=\"as_of\""), "the page has the as-of selector");
    // An earlier as-of date opens that date's round, and nothing of it had lapsed yet.
    let early = c.get("/renewals?as_of=2026-03-01").text();
    assert!(early.contains("申請者一覧（2025年度）"), "the round open on 2026-03-01");
    assert!(html.contains("href=\"/renewals\""), "the navigation links the page");
}

#[test]
fn an_applicant_link_shows_every_finding_and_the_view_is_audited() {
    let mut c = Client::login("committee");
    let list = eval(
        Request::new("renewals.applicants", Audience::Committee)
            .param("qualification", "がん薬物療法専門医")
            .param("status", "未充足"),
    );
    let no = list.rows[0][list.column_index("certificate_no").expect("col")].display();
    let html = c.get(&format!("/renewals?qualification={}&status={}", enc("がん薬物療法専門医"), enc("未充足"))).text();
    let href = format!(
        "/renewals?as_of={}&amp;round=2026&amp;qualification={}&amp;status={}&amp;certificate={no}#applicant",
        crate::support::as_of(),
        enc("がん薬物療法専門医"),
        enc("未充足")
    );
    assert!(html.contains(&href), "the certificate links to its findings: {href}");
    let page = c.get(&href.replace("&amp;", "&")).text();
    let findings = eval(
        Request::new("renewals.findings", Audience::Committee)
            .param("qualification", "がん薬物療法専門医")
            .param("certificate_no", &no),
    );
    assert!(!findings.rows.is_empty());
    let message = |r: &Vec<queries::Value>| r[findings.column_index("message_ja").expect("col")].display();
    for r in &findings.rows {
        let m = maud::html! { (message(r)) }.into_string();
        assert!(page.contains(&m), "{m} missing");
    }
    let audit = rt().block_on(fixture().state.db(|db| db.audit_entries(Some("view"), 1000))).expect("audit");
    for target in ["renewals.applicants", "renewals.findings"] {
        assert!(
            audit.iter().any(|e| e.username.as_deref() == Some("committee") && e.target == target),
            "{target} not audited"
        );
    }
}

#[test]
fn renewals_page_explains_bad_choices_and_is_refused_to_board_and_researchers() {
    let mut c = Client::login("committee");
    for bad in ["round=1999", "round=abc", "qualification=x", "status=done"] {
        assert_eq!(c.get(&format!("/renewals?{bad}")).status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let html = c.get("/renewals?certificate=no-such").text();
    assert!(html.contains("2026 年度の対象者にありません"), "an unknown certificate is a message");
    for role in ["board", "researcher"] {
        let mut other = Client::login(role);
        assert_eq!(other.get("/renewals").status, StatusCode::FORBIDDEN, "{role}");
        assert!(!other.get("/").text().contains("href=\"/renewals\""), "{role} sees no link");
    }
}
