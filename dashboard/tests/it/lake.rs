//! The dashboard in lake mode (`serve --engine lake`): the pages read the Parquet lake
//! instead of the warehouse in memory, and show the same.

use axum::http::StatusCode;

use crate::support::{Client, app_with};

/// A page without what differs between two sessions (the CSRF token).
fn without_tokens(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("name=\"csrf\" value=\"") {
        let start = i + "name=\"csrf\" value=\"".len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_section_reads_the_same_from_the_lake() {
    let (state, lake_app) = app_with("lake-engine", |c| c.engine = queries::engine::Mode::Lake);
    let ctx = state.snapshot();
    assert!(ctx.context().table_exist("_lake_members").expect("catalog"), "the pages read the lake's files");
    assert!(!crate::support::fixture().state.snapshot().context().table_exist("_lake_members").expect("catalog"));
    let mut memory = Client::login("committee");
    let mut lake = Client::login_to(Some(lake_app), "committee");
    for path in [
        "/",
        "/members",
        "/survey",
        "/specialists",
        "/hospitals",
        "/renewals",
        "/metrics/members.composition?by=category,prefecture",
        "/metrics/survey.answers?question=Q03&fiscal_year=2025",
    ] {
        let (a, b) = (memory.get(path), lake.get(path));
        assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK), "{path}");
        assert!(without_tokens(&a.text()) == without_tokens(&b.text()), "{path} differs in lake mode");
    }
}
