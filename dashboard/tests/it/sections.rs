//! The アンケート and 拠点病院 pages' interactive parts (question picker, cross-tab builder,
//! drill-down) and the データ page's reject reports.

use axum::http::StatusCode;
use queries::{Audience, Request};

use crate::support::{Client, as_of, as_of_date, eval, partial_load, rt};

/// The first link on the page whose address contains `part` (HTML-unescaped).
fn link_with(html: &str, part: &str) -> Option<String> {
    html.split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap_or(0)].replace("&amp;", "&"))
        .find(|h| h.contains(part))
}

#[test]
fn survey_page_shows_the_chosen_question_weighted_against_raw_crosstab_and_trend() {
    let mut c = Client::login("committee");
    let res = c.get(&format!("/survey?as_of={}&fiscal_year=2020&question=Q03&column=Q01", as_of()));
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let html = res.text();
    // The picker offers the year's closed questions with Q03 selected, and Q01 as the column.
    assert!(html.contains("<option value=\"Q03\" selected>"), "question picked");
    assert!(html.contains("<option value=\"2020\" selected>"), "year picked");
    // Each part is the catalog's result for that choice.
    let answers = eval(
        Request::new("survey.answers", Audience::Committee)
            .as_of(as_of_date())
            .param("question", "Q03")
            .param("fiscal_year", "2020"),
    );
    let first = &answers.rows[0];
    assert!(html.contains(&format!(
        "<title>{}: {:.1}%</title>",
        first[0].display(),
        first[2].as_f64().expect("share")
    )));
    assert!(html.contains("重みなしと重み付けの割合"), "weighted chart");
    assert!(html.contains("クロス集計表（人数）") && html.contains("カイ二乗検定"), "cross-tab matrix with its test");
    assert!(html.contains("2020年度 Q03 × Q01"), "the cross-tab is Q03 by Q01");
    assert!(html.contains("選択肢の割合（年度）"), "trend chart");
    assert!(html.contains("記述した回答者の割合"), "free-text terms");
    assert!(html.contains("/metrics/survey.kwic?"), "committee gets KWIC links");
}

#[test]
fn survey_choices_that_do_not_exist_fall_back_to_the_defaults() {
    let mut c = Client::login("researcher");
    for q in ["fiscal_year=1999", "question=Q99", "column=Q02", "text_question=Q01", "segment=nonsense", "unit=x"] {
        let res = c.get(&format!("/survey?as_of={}&{q}", as_of()));
        assert_eq!(res.status, StatusCode::OK, "{q}: {}", res.text());
        assert!(res.text().contains("回答の分布"), "{q}");
    }
    // Q02 is multiple choice: cross-tabulated option by option.
    let html = c.get(&format!("/survey?as_of={}&question=Q02", as_of())).text();
    assert!(html.contains("選択肢ごと"), "multiple choice cross-tab");
    assert!(!html.contains("/metrics/survey.kwic"), "no KWIC for researchers");
}

#[test]
fn researchers_see_the_cross_tab_with_small_cells_withheld() {
    let html =
        Client::login("researcher").get(&format!("/survey?as_of={}&question=Q01&column=profession", as_of())).text();
    let start = html.find("クロス集計表（人数）").expect("matrix");
    let matrix = &html[start..start + html[start..].find("</table>").expect("end")];
    assert!(matrix.contains("class=\"suppressed\""), "small cells withheld in the matrix");
    let committee =
        Client::login("committee").get(&format!("/survey?as_of={}&question=Q01&column=profession", as_of())).text();
    let start = committee.find("クロス集計表（人数）").expect("matrix");
    assert!(!committee[start..start + committee[start..].find("</table>").expect("end")].contains("suppressed"));
}

#[test]
fn hospitals_drill_down_from_the_map_to_a_prefecture_an_area_and_a_hospital() {
    let mut c = Client::login("researcher");
    let national = c.get("/hospitals").text();
    assert!(national.contains("空白の二次医療圏の数（都道府県）"), "map by default");
    assert!(national.contains("空白の二次医療圏の数（各年4月1日）"), "time series");
    let table = c.get("/hospitals?view=table").text();
    assert!(table.contains("hospitals-blank_areas"), "the table view lists the 空白 areas");

    // 全国 → 東京都 (a link in the by-prefecture table) → an area → a hospital.
    let pref = link_with(&national, "&pref=13").expect("link to 東京都");
    let tokyo = c.get(&pref);
    assert_eq!(tokyo.status, StatusCode::OK);
    let tokyo = tokyo.text();
    assert!(tokyo.contains("東京都の拠点病院"));
    let areas = eval(Request::new("hospitals.areas", Audience::Researcher).param("prefecture", "13"));
    assert_eq!(areas.rows.len(), 13, "東京都 has 13 構想区域");
    let area = link_with(&tokyo, "&area=1301").expect("link to 区中央部");
    let area_page = c.get(&area).text();
    assert!(area_page.contains("区中央部"));
    let list = eval(Request::new("hospitals.list", Audience::Researcher).param("area", "1301"));
    let name = list.rows[0][0].display();
    assert!(area_page.contains(&name), "the area lists its designated hospitals");
    let hospital = link_with(&area_page, "&hospital=").expect("link to a hospital");
    let page = c.get(&hospital);
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("指定の履歴"));

    assert_eq!(c.get("/hospitals?pref=48").status, StatusCode::BAD_REQUEST);
    let blank_area = c.get("/hospitals?area=9999").text();
    assert!(blank_area.contains("指定された病院がありません"));
}

#[test]
fn regression_a_store_without_areas_still_opens_and_reject_reports_download_for_the_committee_only() {
    let f = partial_load();
    let load = f.state.snapshot().loads.iter().find(|l| l.rows_rejected > 0).map(|l| l.load_id).expect("partial load");
    let mut committee = Client::login_to(Some(f.app.clone()), "committee");
    // A store with members only: the overview shows what it has and names what is missing.
    let home = committee.get("/").text();
    assert!(home.contains("正会員に占める医師の割合"));
    assert!(home.contains("まだ読み込まれていないデータ: アンケート、専門医、拠点病院"), "{home}");
    let data = committee.get("/data").text();
    let href = format!("/data/rejects/{load}.csv");
    assert!(data.contains(&href), "the rejected count links to the report");
    let res = committee.get(&href);
    assert_eq!(res.status, StatusCode::OK);
    let text = res.text();
    assert!(text.starts_with('\u{feff}'), "UTF-8 with BOM");
    assert!(text.contains("入会日"), "names the column: {text}");
    assert!(text.contains(",'=1+2,"), "the formula is escaped: {text}");
    assert!(text.contains(",3,"), "names the row (line 3 of the file): {text}");

    let mut board = Client::login_to(Some(f.app.clone()), "board");
    assert!(!board.get("/data").text().contains("/data/rejects/"));
    assert_eq!(board.get(&href).status, StatusCode::FORBIDDEN);
    assert_eq!(committee.get("/data/rejects/9999.csv").status, StatusCode::NOT_FOUND);
    assert_eq!(committee.get("/data/rejects/..%2F..%2Fetc%2Fpasswd").status, StatusCode::NOT_FOUND);

    let audit = rt()
        .block_on(f.state.db(|db| db.audit_entries(Some("export"), 100)))
        .expect("audit")
        .into_iter()
        .any(|e| e.target == "load_rejects" && e.username.as_deref() == Some("committee"));
    assert!(audit, "the download is in the audit log");
}
