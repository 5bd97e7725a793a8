//! 冊子 and 回答 over HTTP: a respondent reaches only their own questions and writes only
//! their own answers, every write needs its CSRF token, two sessions editing one answer
//! lose neither, a question starts from a chart, a filled-in workbook comes back through
//! the browser, and the committee publishes and downloads the booklet.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use booklet::workflow::{self, Actor};
use dashboard::AppState;

use crate::support::{Client, app_with, rt, send};

const COMMITTEE: Actor<'static> = Actor { username: "committee", committee: true, remote: "test" };

/// An app of its own (its own application database with the sample editions), with the
/// `respondent` account answering as 小野 翔 (respondent 5: 【Q3】 of 2026).
pub fn own(name: &str) -> (AppState, Router) {
    let (state, app) = app_with(name, |_| {});
    rt().block_on(state.db(|db| {
        let v = workflow::load(db, 2026).map_err(|e| store::Error::Invalid(e.to_string()))?.version;
        workflow::change(db, 2026, v, &COMMITTEE, "respondent", "link", |e| {
            if let Some(r) = e.respondents.iter_mut().find(|r| r.id == 5) {
                r.account = Some("respondent".into());
            }
            Ok(())
        })
        .map_err(|e| store::Error::Invalid(e.to_string()))?;
        Ok(())
    }))
    .expect("link the respondent");
    (state, app)
}

/// Posts a multipart form as a browser sends it, with the client's cookies: (name, file
/// name, content) in order.
fn post_multipart(app: &Router, c: &Client, path: &str, parts: &[(&str, Option<&str>, &[u8])]) -> crate::support::Res {
    const B: &str = "bookletTestBoundary42";
    let mut body = Vec::new();
    for (name, file, content) in parts {
        let file = file.map(|f| format!("; filename=\"{f}\"")).unwrap_or_default();
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{B}--\r\n").as_bytes());
    let cookies = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let req = Request::post(path)
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={B}"))
        .body(Body::from(body))
        .expect("request");
    send(app, req)
}

fn answer(state: &AppState, q: u32, r: u32) -> Option<store::AnswerRow> {
    rt().block_on(state.db(move |db| {
        Ok(workflow::answers(db, 2026).map_err(|e| store::Error::Invalid(e.to_string()))?.remove(&(q, r)))
    }))
    .expect("answers")
}

#[test]
fn a_respondent_sees_and_writes_only_their_own_question() {
    let (state, app) = own("booklet-respondent");
    let mut c = Client::login_to(Some(app), "respondent");
    let list = c.get("/answers");
    assert!(list.text().contains("自由記述に多かった言葉"), "their question is listed");
    assert!(!list.text().contains("学会の活動全体について"), "another's question is not");
    let page = c.get("/answers/2026/3");
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("地方でも参加しやすいよう"), "the quoted evidence is shown");
    assert!(!page.text().contains("<回答者："), "no other answer");
    // No link leads a respondent to a page they may not open.
    for p in [list.text(), page.text()] {
        for href in p.split("href=\"").skip(1).map(|h| h.split('"').next().unwrap_or("")) {
            let fine = href.starts_with("/answers")
                || href.starts_with("/static/")
                || href.starts_with('#')
                || href.starts_with("https://")
                || matches!(href, "/" | "/account/password" | "/favicon.ico");
            assert!(fine, "a respondent's page links to {href}");
        }
    }
    // Another's question, an unassigned id, another edition: not found, nothing said.
    for path in ["/answers/2026/1", "/answers/2026/4", "/answers/2026/99", "/answers/2025/1", "/answers/1999/3"] {
        assert_eq!(c.get(path).status, StatusCode::NOT_FOUND, "{path}");
    }
    // Committee pages and every other page: refused.
    for path in [
        "/booklet",
        "/booklet/2026",
        "/booklet/2026/answer/3/5",
        "/booklet/2026/booklet.pdf",
        "/survey",
        "/metrics",
        "/api/v1/metrics",
        "/export/members.composition.csv",
    ] {
        assert_eq!(c.get(path).status, StatusCode::FORBIDDEN, "{path}");
    }
    let token = c.csrf.clone();
    // Writing another's answer, or approving one's own: refused, nothing stored.
    let res = c.post("/answers/2026/4", &[("csrf", &token), ("base", "0"), ("op", "draft"), ("text", "x")]);
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = c.post("/answers/2026/3", &[("csrf", &token), ("base", "0"), ("op", "approve"), ("text", "x")]);
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = c.post("/booklet/2026/answer/4/3", &[("csrf", &token), ("base", "0"), ("op", "edit"), ("text", "x")]);
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(answer(&state, 4, 3).is_none() && answer(&state, 3, 5).is_none());
    // Without the token, or with another: refused.
    for bad in ["", "0000"] {
        let res = c.post("/answers/2026/3", &[("csrf", bad), ("base", "0"), ("op", "draft"), ("text", "x")]);
        assert_eq!(res.status, StatusCode::FORBIDDEN, "csrf {bad:?}");
    }
    assert!(answer(&state, 3, 5).is_none());
    // Their own: draft, then submit; then it is no longer theirs to change.
    let res =
        c.post("/answers/2026/3", &[("csrf", &token), ("base", "0"), ("op", "draft"), ("text", "下書き\n\n・一つ目")]);
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let res = c.post(
        "/answers/2026/3",
        &[("csrf", &token), ("base", "1"), ("op", "submit"), ("text", "オンライン配信を続けます。")],
    );
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let a = answer(&state, 3, 5).expect("saved");
    assert_eq!((a.status.as_str(), a.version, a.changed_by.as_str()), ("submitted", 2, "respondent"));
    assert!(c.get("/answers/2026/3").text().contains("提出済みの回答は変更できません"));
    let res = c.post("/answers/2026/3", &[("csrf", &token), ("base", "2"), ("op", "draft"), ("text", "やっぱり")]);
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let audit = rt().block_on(state.db(|db| db.audit_entries(Some("booklet_answer"), 20))).expect("audit");
    assert!(audit.iter().any(|e| e.username.as_deref() == Some("respondent") && e.target == "2026/Q3/5"));
}

#[test]
fn two_sessions_editing_one_answer_lose_neither() {
    let (state, app) = own("booklet-concurrent");
    let mut a = Client::login_to(Some(app.clone()), "committee");
    let mut b = Client::login_to(Some(app), "admin");
    // Both open 井上's answer to 【Q1】 (version 1).
    let path = "/booklet/2026/answer/1/2";
    assert!(a.get(path).text().contains("name=\"base\" value=\"1\""));
    assert!(b.get(path).text().contains("name=\"base\" value=\"1\""));
    let (ta, tb) = (a.csrf.clone(), b.csrf.clone());
    let first = a.post(path, &[("csrf", &ta), ("base", "1"), ("op", "edit"), ("text", "委員長の加筆")]);
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = b.post(path, &[("csrf", &tb), ("base", "1"), ("op", "edit"), ("text", "管理者の修正")]);
    assert_eq!(second.status, StatusCode::CONFLICT, "the second is told");
    let page = second.text();
    assert!(page.contains("委員長の加筆") && page.contains("管理者の修正"), "both texts are shown");
    assert!(page.contains("あなたの文のみ: 管理者の修正"), "the difference is shown");
    assert!(page.contains("name=\"base\" value=\"2\""), "the form is now on the saved version");
    assert_eq!(answer(&state, 1, 2).expect("answer").answer, "委員長の加筆", "the first is kept");
    let merged = b.post(path, &[("csrf", &tb), ("base", "2"), ("op", "edit"), ("text", "委員長の加筆\n管理者の修正")]);
    assert_eq!(merged.status, StatusCode::SEE_OTHER);
    assert_eq!(answer(&state, 1, 2).expect("answer").answer, "委員長の加筆\n管理者の修正");
}

#[test]
fn a_question_starts_from_a_chart_of_the_survey_page() {
    let (state, app) = own("booklet-chart");
    let mut c = Client::login_to(Some(app), "committee");
    let survey = c.get("/survey?fiscal_year=2025&question=Q03");
    let text = survey.text();
    let at = text.find("/booklet/new-question?metric=survey.answers").expect("the link under the chart");
    let href = text[at..].split('"').next().expect("href").replace("&amp;", "&");
    let form = c.get(&href);
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let target = form
        .text()
        .split("name=\"target\"")
        .nth(1)
        .and_then(|s| s.split("value=\"").nth(1))
        .map(|s| s.split('"').next().unwrap_or("").to_string())
        .expect("a target");
    let token = c.csrf.clone();
    let res = c.post(
        "/booklet/new-question",
        &[
            ("csrf", &token),
            ("metric", "survey.answers"),
            ("params", "question=Q03; fiscal_year=2025"),
            ("target", &target),
            ("title", "キャリア支援への関心"),
            ("body", "関心が高い結果をどう受け止めますか。"),
        ],
    );
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let page = c.get(res.location().expect("to the question"));
    assert!(
        page.text().contains("キャリア支援への関心") && page.text().contains("非常に関心がある"),
        "the chart's figures are its evidence"
    );
    let e = rt()
        .block_on(state.db(|db| workflow::load(db, 2026).map_err(|e| store::Error::Invalid(e.to_string()))))
        .expect("2026");
    assert_eq!(e.edition.numbered().len(), 6);
}

#[test]
fn a_filled_in_workbook_comes_back_through_the_browser() {
    let (state, app) = own("booklet-import");
    let mut c = Client::login_to(Some(app.clone()), "committee");
    let file = c.get("/booklet/2026/export.xlsx?respondent=3");
    assert_eq!(file.status, StatusCode::OK);
    // 上田's answer to 【Q4】, written into the workbook as an office would.
    let mut sheets: Vec<(String, Vec<Vec<String>>)> = {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(file.body.clone())).expect("xlsx");
        wb.sheet_names()
            .into_iter()
            .map(|n| {
                let r = wb.worksheet_range(&n).expect("sheet");
                (n, r.rows().map(|row| row.iter().map(ingest::xlsx::cell_text).collect()).collect())
            })
            .collect()
    };
    let (_, rows) = sheets.iter_mut().find(|(n, _)| n == "回答").expect("回答");
    let col = rows[0].iter().position(|h| h == "回答").expect("column");
    rows[1][col] = "試験対策セミナーを増やします。".into();
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in &sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).expect("name");
        for (r, row) in rows.iter().enumerate() {
            for (k, v) in row.iter().enumerate() {
                ws.write_string(r as u32, k as u16, v).expect("cell");
            }
        }
    }
    let bytes = wb.save_to_buffer().expect("bytes");
    c.get("/booklet/2026");
    let token = c.csrf.clone();
    let parts: &[(&str, Option<&str>, &[u8])] =
        &[("csrf", None, token.as_bytes()), ("file", Some("ueda.xlsx"), &bytes)];
    let res = post_multipart(&app, &c, "/booklet/2026/import", parts);
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let a = answer(&state, 4, 3).expect("imported");
    assert_eq!((a.answer.as_str(), a.status.as_str()), ("試験対策セミナーを増やします。", "submitted"));
}

#[test]
fn the_committee_approves_publishes_and_downloads_the_booklet() {
    let (state, app) = own("booklet-publish");
    let mut c = Client::login_to(Some(app), "committee");
    let page = c.get("/booklet/2026");
    assert!(page.text().contains("すべての回答が承認されると公開できます"));
    let stored = rt()
        .block_on(state.db(|db| workflow::load(db, 2026).map_err(|e| store::Error::Invalid(e.to_string()))))
        .expect("2026");
    let token = c.csrf.clone();
    for (_, q, r, _) in stored.edition.assignments() {
        let base = answer(&state, q.id, r.id).map_or(0, |a| a.version).to_string();
        let path = format!("/booklet/2026/answer/{}/{}", q.id, r.id);
        let res =
            c.post(&path, &[("csrf", &token), ("base", &base), ("op", "approve"), ("text", "承認する回答です。")]);
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}: {}", res.text());
    }
    let version = stored.version.to_string();
    let res = c.post("/booklet/2026/publish", &[("csrf", &token), ("version", &version)]);
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let pdf = c.get("/booklet/2026/booklet.pdf");
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF"));
    let again = c.get("/booklet/2026/booklet.pdf");
    assert!(again.body == pdf.body, "two downloads of the published booklet are the same bytes");
    // Frozen: an edit is refused.
    let res = c.post(
        "/booklet/2026/edit",
        &[("csrf", &token), ("version", &version), ("op", "section_add"), ("title", "追加")],
    );
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
    let audit = rt().block_on(state.db(|db| db.audit_entries(Some("booklet_built"), 10))).expect("audit");
    assert_eq!(audit.len(), 2, "every download is audited");
}

#[test]
fn every_write_of_the_booklet_needs_its_csrf_token() {
    let (state, app) = own("booklet-csrf");
    let mut c = Client::login_to(Some(app.clone()), "committee");
    c.get("/booklet/2026");
    let version = |state: &AppState| {
        rt().block_on(state.db(|db| Ok(db.booklet_history(2026)?.len() + db.booklet_editions()?.len())))
            .expect("versions")
    };
    let before = (version(&state), answer(&state, 1, 2));
    let forms: &[(&str, &[(&str, &str)])] = &[
        ("/booklet", &[("edition", "2030"), ("survey_year", "2029"), ("as_of", "2030-03-31")]),
        ("/booklet/2026/edit", &[("version", "2"), ("op", "section_add"), ("title", "x")]),
        ("/booklet/2026/q/1", &[("version", "2"), ("op", "question_delete")]),
        ("/booklet/2026/answer/1/2", &[("base", "1"), ("op", "approve"), ("text", "x")]),
        ("/booklet/2026/publish", &[("version", "2")]),
        (
            "/booklet/new-question",
            &[("metric", "survey.answers"), ("target", "2026:1:2"), ("title", "x"), ("body", "x")],
        ),
    ];
    for (path, fields) in forms {
        for token in [None, Some("0".repeat(64))] {
            let mut form: Vec<(&str, &str)> = fields.to_vec();
            if let Some(t) = &token {
                form.push(("csrf", t));
            }
            let res = c.post(path, &form);
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} with token {token:?}: {}", res.text());
        }
    }
    // The workbook import: a file without the token first is not read.
    let res = post_multipart(&app, &c, "/booklet/2026/import", &[("file", Some("x.xlsx"), b"PK")]);
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!((version(&state), answer(&state, 1, 2)), before, "nothing changed");
}
