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
    same_pages(lake_app, "lake mode");
}

/// `serve --engine df://HOST:PORT`: the same pages with their queries run by a Ballista cluster
/// (a scheduler and two executors in this process). Run at the same time as the lake mode's test,
/// over the same lake: the two build its derived tables at once.
#[test]
fn every_section_reads_the_same_on_a_ballista_cluster() {
    let addr = queries::cluster::start_in_background(2).expect("an in-process cluster");
    let (state, cluster_app) = app_with("cluster-engine", |c| c.engine = queries::engine::Mode::Cluster(addr));
    assert!(state.snapshot().context().table_exist("_lake_members").expect("catalog"), "the lake's files");
    same_pages(cluster_app, "on the cluster");
}

fn same_pages(other_app: axum::Router, mode: &str) {
    let mut memory = Client::login("committee");
    let mut lake = Client::login_to(Some(other_app), "committee");
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
        assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK), "{path} ({mode})");
        assert!(without_tokens(&a.text()) == without_tokens(&b.text()), "{path} differs {mode}");
    }
}
