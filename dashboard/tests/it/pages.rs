//! Pages show the catalog's numbers, for the user's audience.

use axum::http::StatusCode;
use queries::{Audience, Request};

use crate::support::{Client, as_of, as_of_date, eval};

#[test]
fn overview_shows_the_physician_share_and_the_sample_banner() {
    let mut c = Client::login("board");
    let res = c.get("/");
    assert_eq!(res.status, StatusCode::OK);
    let html = res.text();
    let r = eval(Request::new("members.physician_share", Audience::Board).as_of(as_of_date()));
    let pct = r.get(&[], "share_pct").and_then(|v| v.as_f64()).expect("share");
    assert!(html.contains(&format!("{pct:.2}%")), "share {pct:.2} on the page");
    assert!(html.contains("サンプルデータ（架空）"), "sample banner");
    assert!(html.contains(&format!("value=\"{}\"", as_of())), "as-of selector");
    assert!(html.contains("<svg"), "sparklines");
}

#[test]
fn the_as_of_selector_changes_the_numbers() {
    let mut c = Client::login("committee");
    let earlier = chrono::NaiveDate::from_ymd_opt(2020, 3, 31).expect("date");
    let html = c.get(&format!("/?as_of={earlier}")).text();
    let r = eval(Request::new("members.physician_share", Audience::Committee).as_of(earlier));
    let pct = r.get(&[], "share_pct").and_then(|v| v.as_f64()).expect("share");
    assert!(html.contains(&format!("{pct:.2}%")), "share as of {earlier}");
    assert!(html.contains("2020年3月31日（令和2年）"));
}

#[test]
fn what_if_works_as_a_plain_form() {
    let mut c = Client::login("committee");
    let html = c.get("/members?staff_full=60&physicians=5").text();
    let r = eval(
        Request::new("members.what_if", Audience::Committee)
            .as_of(as_of_date())
            .param("staff_full", "60")
            .param("physicians", "5"),
    );
    let after = r.rows[1][r.column_index("share_pct").expect("col")].as_f64().expect("share");
    assert!(html.contains(&format!("{after:.1}")), "after-share {after:.1}");
    assert!(html.contains("name=\"staff_full\" value=\"60\""));
    assert!(html.contains("仮定後の医師の割合"));
    // Full-width digits and separators are read as typed.
    // The answer comes first, in a sentence, with what keeps or restores 80%.
    let ok = r.rows[1][r.column_index("compliant").expect("col")] == queries::Value::Bool(true);
    let sentence = format!(
        "医療職 60 人（正会員）・医師 5 人（正会員）が入会すると {after:.2}%（{}）。",
        if ok { "8割以上" } else { "8割未満" }
    );
    assert!(html.contains(&sentence), "{sentence}");
    assert!(html.contains(if ok {
        "まで正会員として入会できます"
    } else {
        "の準会員への移行が必要です"
    }));
    assert!(
        html.find(&sentence) < html.find("inputmode=\"numeric\" name=\"staff_full\""),
        "the answer before the form"
    );
    let typed = c.get("/members?staff_full=%EF%BC%96%EF%BC%90&physicians=5").text();
    assert!(typed.contains(&format!("{after:.1}")), "６０ read as 60");
}

/// Regression: a value a user typed wrongly replaced the whole page with a bare 400 and lost
/// the form. Now the page shows, with the message at the field and the value kept.
#[test]
fn regression_bad_values_in_a_url_keep_the_page_and_say_why_at_the_field() {
    let mut c = Client::login("committee");
    for bad in ["-1", "abc", "1e9", "100001"] {
        let res = c.get(&format!("/members?staff_full={bad}"));
        assert_eq!(res.status, StatusCode::OK, "{bad}");
        let html = res.text();
        assert!(html.contains("0〜100000 の整数で入力してください"), "{bad}: message at the field");
        assert!(html.contains(&format!("name=\"staff_full\" value=\"{bad}\" aria-invalid=\"true\"")), "{bad}: kept");
        assert!(html.contains("医師の割合（8割ルール）"), "{bad}: the rest of the page");
    }
    // 和暦 and full-width dates are dates; anything else keeps the page at the default date.
    let want = chrono::NaiveDate::from_ymd_opt(2025, 3, 31).expect("date");
    for typed in
        ["%E4%BB%A4%E5%92%8C7%E5%B9%B43%E6%9C%8831%E6%97%A5", "R7.3.31", "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95-03-31"]
    {
        for page in ["/", "/members", "/survey", "/hospitals", "/specialists", "/renewals"] {
            let res = c.get(&format!("{page}?as_of={typed}"));
            assert_eq!(res.status, StatusCode::OK, "{page} {typed}");
            assert!(res.text().contains(&format!("value=\"{want}\"")), "{page} {typed}: read as {want}");
        }
    }
    for page in ["/", "/members", "/survey", "/hospitals", "/specialists", "/renewals", "/metrics/members.flows"] {
        let res = c.get(&format!("{page}?as_of=2025-02-30"));
        assert_eq!(res.status, StatusCode::OK, "{page}");
        let html = res.text();
        assert!(html.contains("存在しない日付です") && html.contains("の数値を表示しています"), "{page}: {html}");
    }
    // A metric's parameter out of its range is said in place of the result; the form stays.
    let res = c.get("/metrics/hospitals.areas?prefecture=99");
    assert_eq!(res.status, StatusCode::OK);
    let html = res.text();
    assert!(html.contains("の範囲外です") && html.contains("<form"), "{html}");
    // Downloads and the API still refuse what they cannot read (a program asked).
    assert_eq!(c.get("/api/v1/metrics/members.flows?as_of=2025-02-30").status, StatusCode::BAD_REQUEST);
}

#[test]
fn board_sees_merged_small_categories_and_the_committee_does_not() {
    let board = Client::login("board").get("/members").text();
    let committee = Client::login("committee").get("/members").text();
    assert!(board.contains("その他の会員種別"));
    assert!(committee.contains("名誉会員"));
    assert!(!board.contains("名誉会員</td>"));
}

#[test]
fn section_pages_show_their_metrics_with_charts() {
    let mut c = Client::login("researcher");
    for (path, must) in [
        ("/survey", "アンケート回答率"),
        ("/specialists", "専門医・認定医の推移"),
        ("/hospitals", "空白の二次医療圏"),
        ("/data", "読み込み履歴"),
    ] {
        let res = c.get(path);
        assert_eq!(res.status, StatusCode::OK, "{path}");
        let html = res.text();
        assert!(html.contains(must), "{path} lacks {must}");
        assert!(!html.contains("KWIC"), "no committee-only metric for researchers on {path}");
    }
    assert!(c.get("/hospitals").text().contains("国土数値情報") || c.get("/data").text().contains("国土数値情報"));
    assert_eq!(c.get("/nonsense").status, StatusCode::NOT_FOUND);
}

#[test]
fn api_returns_the_catalog_json() {
    let mut c = Client::login("researcher");
    let j = c.get(&format!("/api/v1/metrics/members.physician_share?as_of={}", as_of())).json();
    let r = eval(Request::new("members.physician_share", Audience::Researcher).as_of(as_of_date()));
    assert_eq!(j, {
        let mut e = queries::render::json(&r);
        e["attribution"] = serde_json::json!(model::ATTRIBUTION);
        e
    });
    let list = c.get("/api/v1/metrics").json();
    let names: Vec<&str> =
        list["metrics"].as_array().expect("list").iter().filter_map(|m| m["name"].as_str()).collect();
    assert!(names.contains(&"members.physician_share"));
    assert!(!names.contains(&"survey.kwic"), "committee-only metrics are not listed for researchers");
    assert_eq!(c.get("/api/v1/metrics/members.composition?nope=1").status, StatusCode::BAD_REQUEST);
}

#[test]
fn specialists_page_draws_the_per_100k_map_with_withheld_prefectures_grey() {
    let mut c = Client::login("researcher");
    let html = c.get("/specialists").text();
    let r = eval(Request::new("specialists.per_100k", Audience::Researcher).as_of(as_of_date()).by("prefecture"));
    assert!(html.contains("人口10万人あたりの"), "map title");
    assert!(html.matches("<polygon points=").count() >= 47, "a hover area per prefecture at least");
    let i = r.column_index("per_100k").expect("column");
    for row in &r.rows {
        let name = row[1].display();
        match row[i].as_f64() {
            Some(v) => assert!(
                html.contains(&format!("<title>{name}: {}人</title>", reports::charts::short_number(v))),
                "{name}"
            ),
            None => assert!(html.contains(&format!("<title>{name}: X（秘匿・データなし）</title>")), "{name}"),
        }
    }
}

/// Years are dimensions: 2006, not "2,006".
#[test]
fn regression_years_in_tables_have_no_thousands_separator() {
    let html = Client::login("board").get("/specialists").text();
    assert!(html.contains("<td>2006</td>"), "year as written");
    assert!(!html.contains("<td>2,006</td>"));
}

/// Regression: at 2025-03-31 the overview showed the 2026 survey's response rate, called a March
/// value 「2025年末」 and linked its cards to the pages at the latest date.
#[test]
fn regression_the_overview_shows_what_was_known_at_its_date() {
    let mut c = Client::login("committee");
    let html = c.get("/?as_of=2025-03-31").text();
    // The 2025 survey closed on 2025-10-31: the latest known on 2025-03-31 is 2024's.
    assert!(html.contains("2024年度 · 95%信頼区間"), "{html}");
    assert!(!html.contains("2026年度 · 95%信頼区間") && !html.contains("2025年度 · 95%信頼区間"));
    assert!(html.contains("2025年3月31日（令和7年）時点") && !html.contains("2025年末"), "{html}");
    assert!(html.contains("href=\"/members?as_of=2025-03-31\"") && html.contains("/members?as_of=2025-03-31#flows"));
    // A 年度 not closed by the 基準日 is refused by the survey metrics, in place.
    let survey = c.get("/metrics/survey.answers?as_of=2025-03-31&fiscal_year=2026&question=Q01");
    assert_eq!(survey.status, StatusCode::OK);
    assert!(survey.text().contains("締め切られていない"), "{}", survey.text());
}

/// Regression: a month at 79.97% read 「80.0」 in the 会員 tables. Shares that decide the 80% rule
/// have two decimals wherever they are shown, and the gauge says the outcome in words.
#[test]
fn regression_shares_that_decide_the_rule_show_two_decimals() {
    let html = Client::login("committee").get("/members").text();
    let r = eval(Request::new("members.physician_share", Audience::Committee).as_of(as_of_date()));
    let pct = r.get(&[], "share_pct").and_then(|v| v.as_f64()).expect("share");
    assert!(html.contains(&format!("<td class=\"num\">{pct:.2}</td>")), "the share table cell has two decimals");
    let words = if pct >= 80.0 { "80%以上" } else { "80%未満" };
    assert!(html.contains(&format!("{pct:.2}%（{words}）")), "the gauge says {pct:.2}% and {words}");
    assert!(html.contains("判定「不確定」") || !html.contains(">不確定<"), "不確定 is explained where it appears");
}

/// Regression: the 専門医 table stopped at 60 rows and dropped the latest がん治療認定医 years.
/// A table shows everything or says how many rows are left and links to all of them.
#[test]
fn regression_tables_are_not_cut_silently() {
    let mut c = Client::login("committee");
    let html = c.get("/specialists").text();
    let r = eval(Request::new("specialists.by_year", Audience::Committee).as_of(as_of_date()));
    let last = r.rows.last().expect("rows");
    let year = last[r.column_index("year").expect("year")].display();
    assert!(html.contains(&format!("<td>{year}</td>")), "the latest year {year} of the last qualification is shown");
    for page in ["/members", "/specialists", "/hospitals", "/renewals", "/survey"] {
        assert!(!c.get(page).text().contains("行はダウンロードで"), "{page}: the old, easily missed notice");
    }
    // A cut table says how many rows are left and links to a page with all of them.
    let r = eval(Request::new("members.physician_share_history", Audience::Committee).as_of(as_of_date()));
    assert!(r.rows.len() > 10);
    let cut = dashboard::html::table::result(&r, 10).into_string();
    let left = r.rows.len() - 10;
    assert!(cut.contains(&format!("のうち先頭 10 行を表示しています（残り {left} 行）")), "{cut}");
    let link = cut
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|l| l.contains("rows=all"))
        .expect("a link to every row")
        .replace("&amp;", "&");
    let all = c.get(&link).text();
    assert!(!all.contains("行のうち先頭"), "{link} shows every row");
    let last = r.rows.last().expect("rows")[0].display();
    assert!(all.contains(&format!("<td>{last}</td>")), "{link} shows the last row {last}");
}

/// The cross-tab offers counts, row and column shares and weighted estimates, and a
/// multiple-choice question option by option (it said 「複数回答の設問はクロス集計できません」).
#[test]
fn the_survey_crosstab_shows_shares_weighted_counts_and_multiple_choice() {
    let mut c = Client::login("committee");
    for (show, caption) in
        [("count", "人数"), ("row", "行の割合（%）"), ("col", "列の割合（%）"), ("weighted", "推定人数（重み付け）")]
    {
        let html = c.get(&format!("/survey?question=Q02&column=profession&show={show}")).text();
        assert!(html.contains(&format!("クロス集計表（{caption}）")), "{show}");
        assert!(html.contains(queries::metrics::survey::MULTI_BASE), "{show}");
        assert!(!html.contains("クロス集計できません"), "{show}");
    }
    // A column share of a single-choice question (the committee sees every cell): every
    // column adds up to 100.
    let html = c.get("/survey?question=Q01&column=profession&show=col").text();
    let start = html.find("クロス集計表（列の割合（%））").expect("the column-share table");
    let table = &html[start..start + html[start..].find("</table>").expect("table end")];
    let mut sums: Vec<f64> = Vec::new();
    for row in table.split("<tr>").skip(2) {
        let cells = row.split("<td class=\"num\">").skip(1).map(|c| c.split('<').next().unwrap_or(""));
        for (j, v) in cells.enumerate() {
            let v: f64 = v.parse().unwrap_or_else(|_| panic!("a share, not {v:?}"));
            if sums.len() <= j {
                sums.push(0.0);
            }
            sums[j] += v;
        }
    }
    assert!(sums.len() >= 3 && sums.iter().all(|s| (s - 100.0).abs() < 0.5), "{sums:?}");
}

/// [designations-real]: the ministry's own figures stand beside the computed ones, with why they
/// differ (がん医療圏 vs 構想区域) and, on the sample, that the computed figures are sample.
#[test]
fn the_hospitals_page_shows_the_ministrys_figures_beside_ours() {
    let mut c = Client::login("researcher");
    let html = c.get("/hospitals").text();
    assert!(html.contains("厚生労働省公表値: <strong>56 / 336 がん医療圏</strong>（2024年4月）"), "official count");
    assert!(html.contains("計算値も がん医療圏（がん医療圏2024）で数えています"), "the area set said");
    assert!(html.contains("表示中の計算値はサンプルデータ（架空）によるもので"), "sample caveat");
    // The area set is the user's choice; on 構想区域 the page says why the figures differ.
    assert!(html.contains("<strong>がん医療圏2024（がん医療圏）</strong>"), "the chooser marks the set in use");
    let r7 = c.get("/hospitals?view=table&area_set=R7").text();
    assert!(r7.contains("構想区域（R7）で数えているため一致しません"), "why they differ");
    assert!(r7.contains("<strong>R7（構想区域）</strong>"));
    assert!(html.contains("<td>2020年4月1日</td><td class=\"num\">402</td>"), "national totals table");
}
